"""Documents about money before spending: estimates, comparisons, the catalog."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ailab.cli.schemas.common import Envelope, Open, Quote


class TrainPlan(Quote):
    cloud: str
    region: str
    instance_type: str
    nodes: int
    gpus: int
    spot: bool
    hourly_usd: float
    wall_hours: float
    cost_usd: float


class EstimateTrain(Envelope):
    """``ailab estimate train --json``: the stable contract other tools read."""

    gpu: str
    gpus: int
    params: float
    tokens: float
    total_flops: float
    mfu: float
    mfu_source: str
    nodes: int
    gpu_hours: float
    wall_hours: float
    plans: list[TrainPlan] = Field(description="Cheapest first.")


class ServePolicy(Open):
    name: str
    replica_hours: float
    cost_usd: float
    overload_minutes: float
    saving_vs_peak_usd: float
    saving_vs_peak_pct: float


class EstimateServe(Envelope):
    """``ailab estimate serve --json``."""

    scenario: str
    cloud: str
    region: str
    instance_type: str
    price: Quote
    horizon_hours: float
    policies: list[ServePolicy]
    timeline: dict[str, Any]


class StorageTiering(Open):
    name: str
    kind: str
    total_usd: float
    monthly_usd: list[float]
    breakdown_usd: dict[str, float]
    stack_config: dict[str, Any]


class Recommended(Open):
    name: str
    total_usd: float
    saving_vs_standard_usd: float
    stack_config: dict[str, Any]
    config_yaml: str


class EstimateStorage(Envelope):
    """``ailab estimate storage --json``."""

    scenario: str
    cloud: Literal["aws", "gcp"]
    region: str
    months: int
    tierings: list[StorageTiering]
    recommended: Recommended
    prices: dict[str, Quote]


class ComparePlan(Open):
    rank: int
    name: str
    kind: Literal["cloud", "onprem", "hybrid"]
    total_usd: float
    monthly_usd: list[float]
    onprem_gpu_hours: float
    cloud_gpu_hours: float
    details: dict[str, Any] = Field(description="Prices with source and as_of; on-prem "
                                    "utilisation and break-even utilisation.")


class BreakEven(Open):
    onprem: str
    cloud: str
    utilisation: float | None
    break_even_utilisation: float | None
    crossover_month: int | None = Field(description="First month from which on-prem has "
                                        "cost less in total, for good; None: never.")
    horizon_months: int
    saving_usd: float


class Compare(Envelope):
    """``ailab compare PLAN --json``."""

    plan: str
    gpu: str
    horizon_months: int
    demand_gpu_hours: list[float]
    plans: list[ComparePlan] = Field(description="Cheapest first.")
    break_even: BreakEven | None


class CatalogRow(Quote):
    cloud: str
    instance_type: str
    gpu: str
    accelerator_count: float
    region: str
    price_usd_hr: float
    spot_usd_hr: float | None


class Catalog(Envelope):
    """``ailab catalog show --json``."""

    meta: dict[str, Any]
    rows: list[CatalogRow]


class CatalogIssue(Open):
    check: str
    cloud: str
    instance_type: str
    region: str
    zone: str
    detail: str
    action: str


class CatalogIssues(Envelope):
    """``ailab catalog show --issues --json``: what the checks found building the table."""

    meta: dict[str, Any]
    counts: dict[str, int]
    issues: list[CatalogIssue]


class Accelerator(Open):
    name: str
    peak_bf16_tflops: float
    memory_gib: float
    interconnect: str
    default_mfu: float
    source: str


class Accelerators(Envelope):
    """``ailab catalog accelerators --json``."""

    accelerators: list[Accelerator]


class CatalogRefresh(Envelope):
    """``ailab catalog refresh --json``."""

    output: str
    rows: int
    clouds: dict[str, int]
    sources: list[str]
    as_of: list[str] = Field(description="Oldest and newest row date.")
    checks: dict[str, int] = Field(description="What the catalog checks found, by check.")


class BenchRow(Open):
    file: str
    hardware: str
    backend: str
    model: str
    time_per_epoch_s: float
    speedup: float
    tokens_per_s: float | None
    mfu: float | None
    instance_type: str
    hourly_usd: float
    cost_per_epoch_usd: float
    price_source: str


class BenchReport(Envelope):
    """``ailab bench report --json``."""

    rows: list[BenchRow]
    chart: str | None
