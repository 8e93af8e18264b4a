"""Serverless inference priced beside replicas: Lambda, SageMaker Serverless, Cloud Run GPU.

Prices, limits, cold starts and keep-warm times live in
``costs/data/serverless_prices.csv`` with their status (``confirmed``,
``partial``, ``unconfirmed``), source and the date they were read; every option
lists the components it used that are not confirmed (``uncertain``).

Which platforms apply: those of the scenario's cloud (AWS: ``lambda`` and
``sagemaker-serverless``, CPU only; GCP: ``cloud-run-gpu``, one L4 per instance),
and only for a model that fits: CPU figures for the model (``serverless.request_s``
or a CPU calibration, and ``serverless.memory_gib``) within the platform's memory
and request-time limits, or, for Cloud Run GPU, an L4 throughput (the table or a
calibration on an L4, or ``serverless.gpu_requests_per_s``). Anything else is
listed as not priced, with the reason.

Model, per demand step of ``s`` seconds at ``r`` requests/s (``R = r s``):

- request-billed (Lambda, SageMaker): ``R`` x (request fee + ``request_s`` x
  memory tier x GB-s price [+ payload x data price]). Busy instances
  ``n = ceil(r request_s)`` (one request per instance); above the platform's
  concurrency limit the excess is throttled and the step is overloaded.
- instance-billed (Cloud Run GPU): ``n = ceil(r / (capacity x 0.6))`` instances
  (Cloud Run keeps concurrency at 60% of the maximum); instances stay up
  ``keep_warm_s`` after they were last needed and are billed while up (GPU +
  4 vCPU + 16 GiB). A lone instance is up with probability ``1 - exp(-r k)``
  (an arrival within the keep-warm time ``k``, Poisson arrivals).
- cold starts: scale-out (``n`` above the instances still warm from the last
  ``keep_warm_s``) plus scale-from-zero arrivals, ``R exp(-r k)`` (arrivals with
  no other arrival in the previous ``k`` seconds). Each costs ``start_s`` of the
  platform plus ``serverless.model_load_s``; overload minutes count that wait
  (at most the step) for each step with a scale-out or a scale-from-zero.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ailab.core.errors import CatalogError
from ailab.costs import freshness
from ailab.costs.storage_prices import oldest_as_of

SERVERLESS_CSV = Path(__file__).parent / "data" / "serverless_prices.csv"
TABLE = "serverless-prices"
PLATFORMS = {"lambda": "aws", "sagemaker-serverless": "aws", "cloud-run-gpu": "gcp"}
GPU_PLATFORMS = ("cloud-run-gpu",)


@dataclass(frozen=True)
class Quote:
    """One price or limit with its status, source and date."""

    platform: str
    component: str
    value: str
    unit: str
    status: str
    source: str
    as_of: str
    note: str

    @property
    def number(self) -> float:
        return float(self.value)

    def as_dict(self) -> dict[str, object]:
        return {"value": self.value, "unit": self.unit, "status": self.status,
                "source": self.source, "as_of": self.as_of, "note": self.note}


@lru_cache(maxsize=2)
def _table(path: Path = SERVERLESS_CSV) -> dict[tuple[str, str, str], Quote]:
    out: dict[tuple[str, str, str], Quote] = {}
    with path.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            q = Quote(rec["platform"], rec["component"], rec["value"], rec["unit"],
                      rec["status"], rec["source"], rec["as_of"], rec["note"])
            for region in rec["regions"].split(";"):
                out[(rec["platform"], region, rec["component"])] = q
    return out


def quote(platform: str, region: str, component: str) -> Quote:
    """The regional row, else the platform-wide (``*``) row; CatalogError if neither."""
    freshness.use(TABLE)
    table = _table()
    found = table.get((platform, region, component)) or table.get((platform, "*", component))
    if found is None:
        regions = sorted({r for (p, r, c) in table if p == platform and c == component
                          and r != "*"})
        raise CatalogError(f"{platform} {component}: no price for {region} in the serverless "
                           f"table; it has {', '.join(regions) or 'no region'}")
    return found


@dataclass
class ServerlessResult:
    """One serverless option: priced, or the reason it is not."""

    platform: str
    priced: bool
    reason: str = ""
    cost_usd: float = 0.0
    requests: float = 0.0
    throttled_requests: float = 0.0
    cold_starts: float = 0.0
    cold_start_s: float = 0.0
    overload_minutes: float = 0.0
    billed_seconds: float = 0.0  # GB-s for request billing, instance-s for instance billing
    tier: str = ""
    instances: np.ndarray = field(default_factory=lambda: np.zeros(0))
    quotes: dict[str, Quote] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"serverless:{self.platform}"

    @property
    def uncertain(self) -> list[str]:
        return sorted(k for k, q in self.quotes.items() if q.status != "confirmed")

    def as_dict(self) -> dict[str, object]:
        if not self.priced:
            return {"name": self.name, "platform": self.platform, "priced": False,
                    "reason": self.reason}
        share = self.cold_starts / self.requests if self.requests else 0.0
        return {
            "name": self.name, "platform": self.platform, "priced": True, "tier": self.tier,
            "cost_usd": round(self.cost_usd, 2), "requests": round(self.requests),
            "throttled_requests": round(self.throttled_requests),
            "cold_starts": round(self.cold_starts, 1), "cold_start_s": self.cold_start_s,
            "cold_start_share": round(share, 6),
            "added_latency_ms_mean": round(1000 * share * self.cold_start_s, 3),
            "overload_minutes": round(self.overload_minutes, 2),
            "billed_seconds": round(self.billed_seconds, 1),
            "usd_per_million_requests": round(self.cost_usd / self.requests * 1e6, 4)
            if self.requests else None,
            "uncertain": self.uncertain,
            "prices": {k: q.as_dict() for k, q in self.quotes.items()},
        }


@dataclass(frozen=True)
class ModelFacts:
    """What the serverless model needs to know about the served model."""

    request_s: float | None  # warm CPU seconds per request
    memory_gib: float | None
    model_load_s: float
    gpu_requests_per_s: float | None  # per L4 instance
    payload_kb: float
    max_instances: int | None
    keep_warm_s: float | None


def warm_before(needed: np.ndarray, window: int) -> np.ndarray:
    """Instances still warm at each step: the most needed in the previous ``window``
    steps (the first step starts warm at its own size)."""
    out = np.zeros_like(needed)
    for shift in range(1, min(window, len(needed)) + 1):  # one vectorized pass per step back
        out[shift:] = np.maximum(out[shift:], needed[:-shift])
    if len(needed):
        out[0] = needed[0]
    return out


def cold_starts(demand: np.ndarray, needed: np.ndarray, step_s: float,
                keep_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(scale-out starts, scale-from-zero arrivals) per step; see the module docstring."""
    window = max(1, math.ceil(keep_s / step_s - 1e-9))
    scale_out = np.maximum(needed - warm_before(needed, window), 0).astype(float)
    from_zero = demand * step_s * np.exp(-demand * keep_s)
    return scale_out, from_zero


def overload_from_cold(scale_out: np.ndarray, from_zero: np.ndarray, cold_s: float,
                       step_s: float) -> np.ndarray:
    """Minutes per step during which new load waits for a cold start (at most the step)."""
    waits = ((scale_out > 0) + from_zero) * cold_s
    return np.minimum(waits, step_s) / 60.0


freshness.register(freshness.PriceTable(
    TABLE, "serverless price", lambda: oldest_as_of(SERVERLESS_CSV),
    "no live source: check the rows of costs/data/serverless_prices.csv against the pages in "
    "their source column"))
