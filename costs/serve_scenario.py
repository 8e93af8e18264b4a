"""The inference scenario: demand, replica throughput, autoscaling, serverless.

A scenario YAML validates into :class:`ServeScenario` (``extra="forbid"``).
Demand is requests per second per time step, given inline, read from a CSV
(column ``requests_per_s``, path relative to the scenario file) or generated
from a named synthetic shape.

``replica`` says what one replica serves: a figure (``requests_per_s``, or
``tokens_per_s`` with ``tokens_per_request``), or a lookup in the sourced
throughput table (``variant`` + ``model_class``, see ``costs.serve_throughput``),
or a measured run (``calibration``: a load-test file, which replaces the table's
figure). ``autoscaling`` mirrors SkyServe's ``replica_policy``: a target load per
replica, min/max replicas, upscale and downscale delays, plus the cold start a
new replica needs before it serves. The key was called ``policy`` before; that
spelling is still read. ``spot`` is the spot share with on-demand fallback.
``serverless`` describes the model for serverless platforms (CPU seconds and
memory per request, model load time, see ``costs.serverless``); ``slo`` bounds
the overload minutes the recommendation accepts.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ailab.core.errors import InputFileError
from ailab.core.inputs import read_text
from ailab.costs.scenario_io import load_model

MAX_RPS = 1e7
"""Largest demand taken, in requests per second (ten million)."""
MAX_STEPS = 527_040
"""Longest demand series: a leap year at 1-minute steps (the simulation walks each
step; bench/bench_serve.py times a year, about a second)."""
MAX_REPLICAS = 100_000
MIN_CAPACITY_RPS = 1e-3
"""A replica serves at least one request per 1,000 s: demand / capacity stays a count."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Synthetic(_Strict):
    """A named demand shape. ``diurnal``: a cosine day between trough and peak."""

    shape: Literal["diurnal", "flat"]
    peak_rps: float = Field(gt=0, le=MAX_RPS)
    trough_rps: float = Field(default=0.0, ge=0, le=MAX_RPS)
    days: int = Field(default=1, ge=1, le=366)
    peak_hour: float = Field(default=14.0, ge=0, lt=24)
    weekend_factor: float = Field(default=1.0, gt=0, le=1.0)

    @model_validator(mode="after")
    def _order(self) -> Synthetic:
        if self.trough_rps > self.peak_rps:
            raise ValueError("trough_rps must not exceed peak_rps")
        return self


class Demand(_Strict):
    step_minutes: float = Field(default=5.0, gt=0, le=1440)
    requests_per_s: list[Annotated[float, Field(ge=0, le=MAX_RPS)]] | None = Field(
        default=None, max_length=MAX_STEPS)
    csv: str | None = Field(default=None, max_length=1000)
    synthetic: Synthetic | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Demand:
        given = [s for s in ("requests_per_s", "csv", "synthetic") if getattr(self, s) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of requests_per_s, csv or synthetic")
        if self.synthetic is not None:
            steps = self.synthetic.days * 1440 / self.step_minutes
            if steps > MAX_STEPS:
                raise ValueError(f"{self.synthetic.days} days at {self.step_minutes:g}-minute "
                                 f"steps is {steps:,.0f} steps; the limit is {MAX_STEPS:,}")
        if self.requests_per_s is not None:
            if not self.requests_per_s:
                raise ValueError("requests_per_s is empty")
            if min(self.requests_per_s) < 0:
                raise ValueError("requests_per_s values must be >= 0")
        return self


def _resolve(value: str | None, info: ValidationInfo) -> str | None:
    """A path relative to the scenario file (the loader passes ``base_dir``)."""
    base = (info.context or {}).get("base_dir")
    if value is None or base is None or Path(value).is_absolute():
        return value
    return str(Path(base) / value)


class Replica(_Strict):
    """Throughput of one replica: a figure, the sourced table, or a measured run."""

    requests_per_s: float | None = Field(default=None, gt=0, le=MAX_RPS)
    tokens_per_s: float | None = Field(default=None, gt=0, le=1e9)
    tokens_per_request: float | None = Field(default=None, gt=0, le=1e9)
    variant: str | None = Field(default=None, max_length=100)
    model_class: str | None = Field(default=None, max_length=100)
    runtime: str | None = Field(default=None, max_length=100)
    precision: str | None = Field(default=None, max_length=50)
    shape: str | None = Field(default=None, max_length=100)
    concurrency: int | None = Field(default=None, ge=1, le=100_000)
    max_latency_ms: float | None = Field(default=None, gt=0, le=1e7)
    allow_offline: bool = False
    output_tokens: float | None = Field(default=None, gt=0, le=1e7)
    items_per_request: float = Field(default=1.0, gt=0, le=1e6)
    calibration: str | None = Field(default=None, max_length=1000)
    cpu_scaling: Literal["none", "linear"] = "none"

    _path = field_validator("calibration")(_resolve)

    @model_validator(mode="after")
    def _capacity(self) -> Replica:
        figure = self.requests_per_s is not None or self.tokens_per_s is not None
        table = self.variant is not None or self.model_class is not None
        if self.requests_per_s is not None and self.tokens_per_s is not None:
            raise ValueError("give requests_per_s or tokens_per_s, not both")
        if self.tokens_per_s is not None and self.tokens_per_request is None:
            raise ValueError("tokens_per_s needs tokens_per_request")
        if figure and (table or self.calibration is not None):
            raise ValueError("give a figure (requests_per_s / tokens_per_s) or a table "
                             "lookup / calibration, not both")
        if not figure and self.calibration is None and (self.variant is None
                                                        or self.model_class is None):
            raise ValueError("give requests_per_s, tokens_per_s with tokens_per_request, "
                             "variant with model_class (the throughput table), or a "
                             "calibration file")
        given = self.given_rps
        if given is not None and given < MIN_CAPACITY_RPS:
            raise ValueError(f"a replica serving {given:.3g} requests/s is below the "
                             f"{MIN_CAPACITY_RPS:g} taken")
        return self

    @property
    def given_rps(self) -> float | None:
        """The figure the scenario states, if it states one."""
        if self.requests_per_s is not None:
            return self.requests_per_s
        if self.tokens_per_s is not None and self.tokens_per_request is not None:
            return self.tokens_per_s / self.tokens_per_request
        return None


class Autoscaling(_Strict):
    """SkyServe's replica policy (``target_qps_per_replica`` = capacity x utilization)."""

    target_utilization: float = Field(default=0.7, ge=0.01, le=1.0)
    """Share of a replica's capacity the autoscaler aims for (1 %-100 %: below 1 % a
    replica would serve almost nothing, and the replica count overflows)."""
    min_replicas: int = Field(default=1, ge=0, le=MAX_REPLICAS)
    max_replicas: int = Field(default=10, ge=1, le=MAX_REPLICAS)
    scale_up_delay_s: float = Field(default=300.0, ge=0, le=1e7)
    scale_down_delay_s: float = Field(default=1200.0, ge=0, le=1e7)
    cold_start_s: float = Field(default=300.0, ge=0, le=1e6)

    @model_validator(mode="after")
    def _bounds(self) -> Autoscaling:
        if self.min_replicas > self.max_replicas:
            raise ValueError("min_replicas must not exceed max_replicas")
        return self


class Spot(_Strict):
    """Spot share of the autoscaled replicas and how the on-demand fallback behaves."""

    share: float = Field(default=0.0, ge=0.0, le=1.0)
    base_ondemand_replicas: int = Field(default=1, ge=0, le=MAX_REPLICAS)
    preemptions_per_replica_hour: float = Field(default=0.02, ge=0, le=100)
    unavailable_fraction: float = Field(default=0.0, ge=0.0, le=1.0)
    dynamic_ondemand_fallback: bool = True


class Serverless(_Strict):
    """The model as serverless platforms see it (see ``costs.serverless``)."""

    platforms: list[str] | None = None
    request_s: float | None = Field(default=None, gt=0)
    memory_gib: float | None = Field(default=None, gt=0)
    model_load_s: float = Field(default=0.0, ge=0)
    calibration: str | None = None
    gpu_requests_per_s: float | None = Field(default=None, gt=0)
    payload_kb: float = Field(default=0.0, ge=0)
    max_instances: int | None = Field(default=None, ge=1)
    keep_warm_s: float | None = Field(default=None, ge=0)

    _path = field_validator("calibration")(_resolve)

    @model_validator(mode="after")
    def _one_cpu_source(self) -> Serverless:
        if self.request_s is not None and self.calibration is not None:
            raise ValueError("give request_s or a calibration file, not both")
        return self


class Slo(_Strict):
    """What the recommendation accepts: at most this many overload minutes."""

    max_overload_minutes: float | None = Field(default=None, ge=0)


class ServeScenario(_Strict):
    name: str = Field(default="serve", max_length=200)
    cloud: str = Field(max_length=50)
    region: str = Field(max_length=100)
    instance_type: str | None = Field(default=None, max_length=100)
    accelerator: str | None = Field(default=None, max_length=100)
    accelerator_count: float = Field(default=1, gt=0, le=64)
    replica: Replica
    demand: Demand
    autoscaling_block: Autoscaling | None = Field(default=None, alias="autoscaling")
    policy: Autoscaling | None = None  # the old name of ``autoscaling``, still read
    spot: Spot = Spot()
    serverless: Serverless | None = None
    slo: Slo = Slo()

    @model_validator(mode="after")
    def _instance(self) -> ServeScenario:
        if (self.instance_type is None) == (self.accelerator is None):
            raise ValueError("give exactly one of instance_type or accelerator")
        if self.autoscaling_block is not None and self.policy is not None:
            raise ValueError("policy is the old name of autoscaling; give only autoscaling")
        return self

    @property
    def autoscaling(self) -> Autoscaling:
        """The autoscaling block, under its new or its old key, or the defaults."""
        return self.autoscaling_block or self.policy or Autoscaling()


def synthetic_demand(syn: Synthetic, step_minutes: float) -> np.ndarray:
    """Requests/s per step for a named shape over ``syn.days`` days."""
    steps = int(round(syn.days * 1440 / step_minutes))
    hours = (np.arange(steps) + 0.5) * step_minutes / 60.0
    if syn.shape == "flat":
        level = np.full(steps, syn.peak_rps)
    else:
        phase = 2 * math.pi * (hours % 24 - syn.peak_hour) / 24
        level = syn.trough_rps + (syn.peak_rps - syn.trough_rps) * (1 + np.cos(phase)) / 2
    weekend = (hours // 24).astype(int) % 7 >= 5
    return np.where(weekend, level * syn.weekend_factor, level)


def read_demand_csv(path: Path) -> np.ndarray:
    """The ``requests_per_s`` column of a CSV, one row per step."""
    text = read_text(path, hint="the CSV needs a header row with requests_per_s")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is None or "requests_per_s" not in reader.fieldnames:
            raise InputFileError(str(path), "requests_per_s", "column missing",
                                 hint="the CSV needs a header row with requests_per_s")
        values = []
        for line, rec in enumerate(reader, start=2):
            try:
                value = float(rec["requests_per_s"])
            except (TypeError, ValueError):
                value = -1.0
            if not value >= 0 or math.isinf(value):
                raise InputFileError(str(path), f"line {line}: requests_per_s",
                                     f"{str(rec['requests_per_s'])[:40]!r} is not a number >= 0")
            if value > MAX_RPS:
                raise InputFileError(str(path), f"line {line}: requests_per_s",
                                     f"{value:g} is above the limit {MAX_RPS:g}")
            values.append(value)
            if len(values) > MAX_STEPS:
                raise InputFileError(str(path), "requests_per_s",
                                     f"more than {MAX_STEPS:,} rows")
    except csv.Error as exc:
        raise InputFileError(str(path), "csv", f"not valid CSV ({exc})") from None
    if not values:
        raise InputFileError(str(path), "requests_per_s", "no rows")
    return np.array(values)


def demand_series(sc: ServeScenario, base_dir: Path) -> np.ndarray:
    """Requests/s per step, whatever the source."""
    dem = sc.demand
    if dem.requests_per_s is not None:
        return np.array(dem.requests_per_s, dtype=float)
    if dem.csv is not None:
        path = Path(dem.csv)
        return read_demand_csv(path if path.is_absolute() else base_dir / path)
    assert dem.synthetic is not None
    return synthetic_demand(dem.synthetic, dem.step_minutes)


def load_serve_scenario(path: Path) -> tuple[ServeScenario, np.ndarray]:
    """Read and validate a serve scenario and its demand series."""
    sc = load_model(path, ServeScenario)
    return sc, demand_series(sc, path.parent)
