"""Price each serverless platform over a demand series (the model is in ``costs.serverless``).

One pricer per platform, registered in :data:`PRICERS`; a platform that does
not fit the model (memory, request time, no GPU, no L4 figure, another cloud)
comes back unpriced with the reason, never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ailab.core.errors import CatalogError, EstimateError
from ailab.costs.serverless import (
    PLATFORMS,
    ModelFacts,
    Quote,
    ServerlessResult,
    cold_starts,
    overload_from_cold,
    quote,
    warm_before,
)


class NotPriced(Exception):
    """The platform does not fit this model; the message says why."""


@dataclass(frozen=True)
class Demand:
    rps: np.ndarray
    step_s: float


@dataclass(frozen=True)
class Inputs:
    """What every pricer receives."""

    region: str
    facts: ModelFacts
    demand: Demand
    replica_gpu: str  # the replica's accelerator, "" on CPU
    gpu_rps: float | None  # requests/s one L4 instance serves, when known
    gpu_reason: str  # why gpu_rps is unknown
    ceiling: int  # the replicas' max, used when the platform has no published limit


def _quotes(platform: str, region: str, *components: str) -> dict[str, Quote]:
    return {c: quote(platform, region, c) for c in components}


def _cpu(inp: Inputs, platform: str, max_memory: float, max_request_s: float
         ) -> tuple[float, float]:
    """(request_s, memory_gib) of the model on CPU, or why the platform cannot run it."""
    f = inp.facts
    if f.request_s is None or f.memory_gib is None:
        if inp.replica_gpu:
            raise NotPriced(f"CPU only, and the model runs on {inp.replica_gpu}: give "
                            "serverless.request_s and serverless.memory_gib from a CPU "
                            "measurement to price it")
        raise NotPriced("give serverless.memory_gib and serverless.request_s (or a CPU "
                        "calibration) to price it")
    if f.memory_gib > max_memory:
        raise NotPriced(f"the model needs {f.memory_gib:g} GiB; {platform} allows at most "
                        f"{max_memory:g} GiB")
    if f.request_s > max_request_s:
        raise NotPriced(f"a request takes {f.request_s:g} s; {platform} allows at most "
                        f"{max_request_s:g} s")
    return f.request_s, f.memory_gib


def _request_billed(platform: str, q: dict[str, Quote], inp: Inputs, tier_gib: float,
                    request_s: float, data_usd_gb: float) -> ServerlessResult:
    """Per-request compute at a memory tier (duration rounded up to the billing
    increment where the platform has one), throttling above the concurrency limit."""
    d, f = inp.demand, inp.facts
    if "billing_increment_s" in q:
        inc = q["billing_increment_s"].number
        billed_s = math.ceil(request_s / inc - 1e-9) * inc
    else:
        billed_s = request_s
    limit = float(f.max_instances or q["max_concurrency"].number)
    keep = f.keep_warm_s if f.keep_warm_s is not None else q["keep_warm_s"].number
    cold = q["start_s"].number + f.model_load_s
    requests = d.rps * d.step_s
    conc = d.rps * request_s
    over = conc > limit * (1 + 1e-9)
    served = np.where(over, requests * limit / np.maximum(conc, 1e-300), requests)
    needed = np.minimum(np.ceil(conc - 1e-9), limit)
    scale_out, zero = cold_starts(d.rps, needed, d.step_s, keep)
    gb_s = float(served.sum()) * billed_s * tier_gib
    fee = q["request"].number if "request" in q else 0.0
    cost = (float(served.sum()) * (fee + f.payload_kb / 1e6 * data_usd_gb)
            + gb_s * q["gb_second"].number)
    overload = np.where(over, d.step_s / 60.0, overload_from_cold(scale_out, zero, cold, d.step_s))
    return ServerlessResult(
        platform, True, cost_usd=cost, requests=float(requests.sum()),
        throttled_requests=float((requests - served).sum()),
        cold_starts=float(np.minimum(scale_out + zero, requests).sum()), cold_start_s=cold,
        overload_minutes=float(overload.sum()), billed_seconds=gb_s,
        tier=f"{tier_gib:g} GiB", instances=needed, quotes=q)


def price_lambda(inp: Inputs) -> ServerlessResult:
    q = _quotes("lambda", inp.region, "request", "gb_second", "billing_increment_s",
                "min_memory_gib", "max_memory_gib", "memory_step_gib", "max_concurrency",
                "max_request_s", "start_s", "keep_warm_s")
    request_s, memory = _cpu(inp, "lambda", q["max_memory_gib"].number,
                             q["max_request_s"].number)
    step = q["memory_step_gib"].number
    tier = max(q["min_memory_gib"].number, math.ceil(memory / step - 1e-9) * step)
    return _request_billed("lambda", q, inp, tier, request_s, 0.0)


def price_sagemaker(inp: Inputs) -> ServerlessResult:
    name = "sagemaker-serverless"
    q = _quotes(name, inp.region, "gb_second", "data_gb", "memory_tiers_gib", "max_concurrency",
                "max_request_s", "start_s", "keep_warm_s")
    tiers = [float(t) for t in q["memory_tiers_gib"].value.split(";")]
    request_s, memory = _cpu(inp, name, max(tiers), q["max_request_s"].number)
    tier = min(t for t in tiers if t >= memory - 1e-9)
    if inp.facts.payload_kb == 0:
        q.pop("data_gb")
    data = q["data_gb"].number if "data_gb" in q else 0.0
    return _request_billed(name, q, inp, tier, request_s, data)


def price_cloud_run_gpu(inp: Inputs) -> ServerlessResult:
    """Instance-billed L4 instances kept warm after use; see ``costs.serverless``."""
    name = "cloud-run-gpu"
    q = _quotes(name, inp.region, "gpu_second", "vcpu_second", "gib_second", "min_vcpus",
                "min_memory_gib", "start_s", "target_utilization", "keep_warm_s")
    if inp.gpu_rps is None:
        raise NotPriced(inp.gpu_reason)
    d, f = inp.demand, inp.facts
    keep = f.keep_warm_s if f.keep_warm_s is not None else q["keep_warm_s"].number
    cold = q["start_s"].number + f.model_load_s
    limit = f.max_instances or inp.ceiling
    need = np.ceil(d.rps / (inp.gpu_rps * q["target_utilization"].number) - 1e-9)
    over = need > limit
    need = np.minimum(need, limit)
    window = max(1, math.ceil(keep / d.step_s - 1e-9))
    pool = np.maximum(need, warm_before(need, window))
    alive = 1.0 - np.exp(-trailing_mean(d.rps, window + 1) * keep)
    billed = np.where(pool >= 2, pool, pool * alive)
    memory = max(q["min_memory_gib"].number, f.memory_gib or 0.0)
    rate = (q["gpu_second"].number + q["min_vcpus"].number * q["vcpu_second"].number
            + memory * q["gib_second"].number)
    instance_s = float(billed.sum()) * d.step_s
    scale_out, zero = cold_starts(d.rps, need, d.step_s, keep)
    requests = d.rps * d.step_s
    overload = np.where(over, d.step_s / 60.0, overload_from_cold(scale_out, zero, cold, d.step_s))
    return ServerlessResult(
        name, True, cost_usd=instance_s * rate, requests=float(requests.sum()),
        cold_starts=float(np.minimum(scale_out + zero, requests).sum()), cold_start_s=cold,
        overload_minutes=float(overload.sum()), billed_seconds=instance_s,
        tier=f"1x L4, {q['min_vcpus'].number:g} vCPU, {memory:g} GiB, "
             f"{inp.gpu_rps:,.6g} requests/s per instance",
        instances=billed, quotes=q)


def trailing_mean(series: np.ndarray, width: int) -> np.ndarray:
    """Mean of each step and the ``width - 1`` before it (fewer at the start)."""
    sums = np.cumsum(np.concatenate([[0.0], series]))
    idx = np.arange(1, len(series) + 1)
    lo = np.maximum(idx - width, 0)
    return (sums[idx] - sums[lo]) / (idx - lo)


PRICERS: dict[str, Callable[[Inputs], ServerlessResult]] = {
    "lambda": price_lambda,
    "sagemaker-serverless": price_sagemaker,
    "cloud-run-gpu": price_cloud_run_gpu,
}


def price_serverless(cloud: str, platforms: list[str] | None, inp: Inputs
                     ) -> list[ServerlessResult]:
    """Every asked (default: every) platform, priced or with the reason it is not."""
    for name in platforms or []:
        if name not in PRICERS:
            raise EstimateError(f"{name!r} is not a serverless platform; valid: "
                                f"{', '.join(PRICERS)}", field="serverless.platforms")
    chosen = platforms or [p for p, c in PLATFORMS.items() if c == cloud]
    out = []
    for name in chosen:
        if PLATFORMS[name] != cloud:
            out.append(ServerlessResult(name, False, f"offered on {PLATFORMS[name]}; the "
                                                     f"scenario is on {cloud}"))
            continue
        try:
            out.append(PRICERS[name](inp))
        except (NotPriced, CatalogError) as exc:
            out.append(ServerlessResult(name, False, str(exc)))
    return out


def scaled(inp: Inputs, factor: float) -> Inputs:
    """The same inputs at ``factor`` times the demand (for the break-even search)."""
    return Inputs(inp.region, inp.facts, Demand(inp.demand.rps * factor, inp.demand.step_s),
                  inp.replica_gpu, inp.gpu_rps, inp.gpu_reason, inp.ceiling)
