"""Plan files and ``ailab compare``: rank cloud, on-prem and hybrid ways to meet a demand.

A plan file (YAML, schema below, unknown keys rejected) gives one accelerator,
a horizon in months, the demand (a GPU-hour profile per month and/or training
jobs, which become GPU-hours through ``costs.training`` and run at full size from
their start month until done), the cloud options (cloud, region and optionally
instance type; else the cheapest type with that accelerator there), the spot
policy, an on-prem server model and a hybrid split. Cloud prices come from the
embedded table per GPU-hour (instance price / accelerators per instance); spot
prices are inflated by their expected restart overhead (``costs.spot``, for a job
on ``spot.nodes`` instances). See ``examples/plans/`` for two complete files.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError, model_validator

from ailab.core.errors import AilabError, EstimateError, InputFileError
from ailab.core.inputs import invalid_field, read_yaml
from ailab.costs import hybrid, onprem, spot, training
from ailab.costs.accelerators import canonical_name
from ailab.costs.catalog import HOURS_PER_MONTH, with_accelerators

MAX_MONTHS = 120
MAX_GPU_HOURS = 1e8
"""Largest monthly demand taken: 100 million GPU-hours, about 137,000 GPUs busy all
month. The bounds keep every figure finite and the base-size search short."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Job(_Strict):
    name: str = Field(max_length=200)
    params: FiniteFloat = Field(gt=0, le=training.MAX_PARAMS)
    tokens: FiniteFloat = Field(gt=0, le=training.MAX_TOKENS)
    gpus: int = Field(gt=0, le=training.MAX_GPUS)
    start_month: int = Field(1, ge=1, le=MAX_MONTHS)
    mfu: FiniteFloat | None = Field(None, ge=training.MIN_MFU, le=1)
    layers: int | None = Field(None, gt=0, le=training.MAX_SHAPE)
    seq_len: int | None = Field(None, gt=0, le=training.MAX_SHAPE)


class Demand(_Strict):
    profile_gpu_hours: list[Annotated[FiniteFloat, Field(le=MAX_GPU_HOURS)]] | None = Field(
        None, max_length=MAX_MONTHS)
    jobs: list[Job] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _some(self) -> Demand:
        if not self.jobs and not self.profile_gpu_hours:
            raise ValueError("give profile_gpu_hours, jobs, or both")
        if self.profile_gpu_hours and min(self.profile_gpu_hours) < 0:
            raise ValueError("profile_gpu_hours must be >= 0")
        return self


class CloudOption(_Strict):
    cloud: Literal["aws", "gcp", "lambda", "nebius"]
    region: str
    instance_type: str | None = None


class SpotPolicyModel(_Strict):
    policy: Literal["on-demand", "spot", "both"] = "both"
    interruption_bucket: str = spot.DEFAULT_BUCKET
    interruption_rate_per_instance_h: FiniteFloat | None = Field(None, ge=0, le=100)
    checkpoint_minutes: FiniteFloat = Field(5.0, ge=0, le=525_600)
    restart_minutes: FiniteFloat = Field(15.0, ge=0, le=525_600)
    nodes: int = Field(8, gt=0, le=100_000,
                       description="instances per job, for the job's interruption rate")

    @model_validator(mode="after")
    def _bucket(self) -> SpotPolicyModel:
        if self.interruption_bucket not in spot.BUCKETS:
            raise ValueError(f"interruption_bucket must be one of: {', '.join(spot.BUCKETS)}")
        return self


class OnPrem(_Strict):
    server: onprem.OnPremServer
    servers: int | None = Field(None, gt=0, le=hybrid.MAX_SERVERS,
                                description="fleet size; default: sized for peak")


class Hybrid(_Strict):
    base_servers: Annotated[int, Field(ge=0, le=hybrid.MAX_SERVERS)] | Literal["auto"] = "auto"
    burst: Literal["spot", "on-demand", "both"] = "both"


class Plan(_Strict):
    name: str = Field(max_length=200)
    gpu: str = Field(max_length=100)
    horizon_months: int = Field(gt=0, le=MAX_MONTHS)
    demand: Demand
    cloud: list[CloudOption] = Field(min_length=1)
    spot: SpotPolicyModel = Field(default_factory=lambda: SpotPolicyModel.model_validate({}))
    onprem: OnPrem | None = None
    hybrid: Hybrid | None = None


def load_plan(path: Path) -> Plan:
    """Read and validate a plan file; every problem is one line naming the field."""
    raw = read_yaml(path, hint="see examples/plans/ for complete plan files")
    if not isinstance(raw, dict):
        raise InputFileError(str(path), "file", "must be a YAML mapping",
                             hint="see examples/plans/ for complete plan files")
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        raise invalid_field(str(path), exc,
                            hint="see examples/plans/ for complete plan files") from None
    return _checked(plan, path)


def _checked(plan: Plan, path: Path) -> Plan:
    try:
        plan.gpu = canonical_name(plan.gpu)
        if plan.onprem is not None:
            plan.onprem.server.gpu = canonical_name(plan.onprem.server.gpu)
    except AilabError as exc:
        raise InputFileError(str(path), "gpu", exc.problem) from None
    if plan.onprem is not None and plan.onprem.server.gpu != plan.gpu:
        raise InputFileError(str(path), "onprem.server.gpu",
                             f"{plan.onprem.server.gpu} differs from the plan's gpu {plan.gpu}")
    if plan.hybrid is not None and plan.onprem is None:
        raise InputFileError(str(path), "hybrid", "needs an onprem section for its base")
    profile = plan.demand.profile_gpu_hours
    if profile is not None and len(profile) != plan.horizon_months:
        raise InputFileError(str(path), "demand.profile_gpu_hours",
                             f"has {len(profile)} months, horizon_months is {plan.horizon_months}")
    for i, opt in enumerate(plan.cloud):
        try:
            _cloud_row(plan, opt, spot=False)
        except EstimateError as exc:
            raise InputFileError(str(path), f"cloud.{i}", exc.message) from None
    return plan


# --- demand ----------------------------------------------------------------------------------

def demand_profile(plan: Plan) -> np.ndarray:
    """GPU-hours per month: the profile plus every job laid out from its start month."""
    months = plan.horizon_months
    demand = np.zeros(months) if plan.demand.profile_gpu_hours is None else np.array(
        plan.demand.profile_gpu_hours, dtype=float)
    for job in plan.demand.jobs:
        hours = job_gpu_hours(plan, job)
        per_month = job.gpus * HOURS_PER_MONTH
        start = job.start_month - 1
        span = math.ceil(hours / per_month - 1e-9)
        if start + span > months:
            raise EstimateError(f"demand.jobs: {job.name} needs {span} month(s) from month "
                                f"{job.start_month}, past horizon_months {months}")
        for m in range(span):
            demand[start + m] += min(per_month, hours - m * per_month)
    return demand


def job_gpu_hours(plan: Plan, job: Job) -> float:
    acc = training.get_accelerator(plan.gpu)
    tjob = training.TrainingJob(job.params, job.tokens, job.layers, job.seq_len)
    need = training.min_gpus(job.params, acc.memory_gib)
    if job.gpus < need:
        raise EstimateError(f"demand.jobs: {job.name} needs at least {need} x {acc.name}")
    rows = with_accelerators()
    counts = rows.loc[rows["gpu"] == acc.name, "accelerator_count"]
    per_node = int(counts[counts <= job.gpus].max()) if (counts <= job.gpus).any() else 1
    eff = float(training.scaling_efficiency(math.ceil(job.gpus / per_node),
                                            acc.scaling_per_doubling))
    return training.gpu_hours(training.total_flops(tjob), acc, job.mfu or acc.default_mfu, eff)


# --- prices ----------------------------------------------------------------------------------

def _cloud_row(plan: Plan, opt: CloudOption, spot: bool) -> dict[str, Any] | None:
    rows = with_accelerators()
    rows = rows[(rows["cloud"] == opt.cloud) & (rows["gpu"] == plan.gpu)]
    if opt.instance_type is not None:
        rows = rows[rows["instance_type"] == opt.instance_type]
    here = rows[rows["region"] == opt.region]
    if here.empty:
        what = opt.instance_type or f"any {plan.gpu} instance type"
        offered = ", ".join(sorted(set(rows["region"]))) or "no region"
        raise EstimateError(f"{opt.cloud} has {what} not in {opt.region!r}; offered in: {offered}")
    column = "spot_usd_hr" if spot else "price_usd_hr"
    here = here.assign(per_gpu=here[column] / here["accelerator_count"]).dropna(subset=["per_gpu"])
    if here.empty:
        return None
    return dict(here.sort_values("per_gpu", kind="stable").iloc[0].to_dict())


def spot_overhead(policy: SpotPolicyModel) -> float:
    """Expected wall time per hour of work on spot (>= 1), for a long job."""
    rate = (policy.interruption_rate_per_instance_h
            if policy.interruption_rate_per_instance_h is not None
            else spot.bucket_rate(policy.interruption_bucket))
    work = 10_000.0
    hours = spot.expected_hours(work, rate * policy.nodes, policy.checkpoint_minutes / 60.0,
                                policy.restart_minutes / 60.0)
    return float(hours) / work


def cloud_rates(plan: Plan) -> list[dict[str, Any]]:
    """Each cloud option x purchase mode with its effective USD per GPU-hour."""
    modes = {"on-demand": [False], "spot": [True], "both": [False, True]}[plan.spot.policy]
    overhead = spot_overhead(plan.spot)
    out = []
    for opt in plan.cloud:
        for use_spot in modes:
            row = _cloud_row(plan, opt, use_spot)
            if row is None:
                continue
            price = row["spot_usd_hr"] if use_spot else row["price_usd_hr"]
            per_gpu = price / row["accelerator_count"]
            out.append({
                "cloud": opt.cloud, "region": opt.region, "instance_type": row["instance_type"],
                "spot": use_spot, "usd_per_gpu_hour": per_gpu * (overhead if use_spot else 1.0),
                "list_usd_per_gpu_hour": per_gpu, "source": row["source"],
                "as_of": row["as_of"],
            })
    if not out:
        raise EstimateError("no cloud option has a price for the chosen spot policy")
    return out


# --- compare ---------------------------------------------------------------------------------

def _label(rate: dict[str, Any]) -> str:
    mode = "spot" if rate["spot"] else "on-demand"
    return f"{rate['cloud']} {rate['region']} {rate['instance_type']} {mode}"


def _entry(name: str, kind: str, costs: hybrid.MonthlyCosts, **details: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "total_usd": costs.total_usd,
            "monthly_usd": [float(v) for v in costs.usd],
            "onprem_gpu_hours": float(costs.onprem_gpu_hours.sum()),
            "cloud_gpu_hours": float(costs.cloud_gpu_hours.sum()), "details": details}


def compare(plan: Plan) -> dict[str, Any]:
    """Every candidate plan with its total and per-month cost, cheapest first."""
    demand = demand_profile(plan)
    rates = cloud_rates(plan)
    ranked = [_entry(f"cloud: {_label(r)}", "cloud", hybrid.cloud_monthly(demand,
                                                                          r["usd_per_gpu_hour"]),
                     **r) for r in rates]
    if plan.onprem is not None:
        ranked += _onprem_plans(plan, demand, rates)
    ranked.sort(key=lambda p: p["total_usd"])
    for i, entry in enumerate(ranked, start=1):
        entry["rank"] = i
    return {"plan": plan.name, "gpu": plan.gpu, "horizon_months": plan.horizon_months,
            "demand_gpu_hours": [float(v) for v in demand],
            "spot_overhead": spot_overhead(plan.spot), "plans": ranked}


def _onprem_plans(plan: Plan, demand: np.ndarray, rates: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    assert plan.onprem is not None
    server = plan.onprem.server
    fleet = plan.onprem.servers or hybrid.servers_for_peak(demand, server)
    cheapest = min(r["usd_per_gpu_hour"] for r in rates)
    hours = fleet * server.gpus_per_server * HOURS_PER_MONTH * len(demand)
    util = float(demand.sum()) / hours if hours else 0.0
    out = [_entry(f"on-prem: {fleet} x {server.gpus_per_server} {plan.gpu} servers", "onprem",
                  hybrid.hybrid_monthly(demand, server, fleet, None), servers=fleet,
                  utilisation=util,
                  break_even_utilisation=onprem.break_even_utilisation(server, cheapest),
                  vs_usd_per_gpu_hour=cheapest, source=server.source, as_of=server.as_of)]
    if plan.hybrid is None:
        return out
    burst_modes = {"spot": [True], "on-demand": [False], "both": [False, True]}[plan.hybrid.burst]
    for rate in (r for r in rates if r["spot"] in burst_modes):
        if plan.hybrid.base_servers == "auto":
            base, costs = hybrid.best_base(demand, server, rate["usd_per_gpu_hour"])
        else:
            base = plan.hybrid.base_servers
            costs = hybrid.hybrid_monthly(demand, server, base, rate["usd_per_gpu_hour"])
        if base == 0:
            continue  # no on-prem base: the same as the cloud-only plan already listed
        out.append(_entry(f"hybrid: {base} on-prem servers + burst {_label(rate)}", "hybrid",
                          costs, base_servers=base, **rate))
    return out
