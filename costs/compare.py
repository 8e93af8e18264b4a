"""Plan files and ``ailab compare``: rank cloud, on-prem and hybrid ways to meet a demand.

A plan file (YAML, schema below, unknown keys rejected) gives one accelerator,
a horizon in months, the demand (a GPU-hour profile per month and/or training
jobs, which become GPU-hours through the efficiency model on the best cluster the
price table offers, ``costs.training_estimate``), the cloud options (cloud,
region and optionally instance type; else the cheapest type with that
accelerator there), the spot policy, an on-prem server model (defaults from
``onprem_defaults.csv``) and a hybrid split. Cloud prices come from the embedded
table per GPU-hour (instance price / accelerators per instance); spot prices are
inflated by their expected restart overhead (``costs.spot``, for a job on
``spot.nodes`` instances). A job runs whole on one site: the hybrid plan places
whole jobs on-prem or in the cloud (``costs.hybrid``) and lists where each went.
See ``examples/plans/`` for two complete files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ailab.core.errors import AilabError, EstimateError, InputFileError
from ailab.core.inputs import invalid_field, read_yaml
from ailab.costs import hybrid, onprem, spot, training
from ailab.costs.accelerators import canonical_name
from ailab.costs.training_estimate import job_gpu_hours
from ailab.costs.training_plans import priced_rows


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Job(_Strict):
    name: str
    params: float = Field(gt=0)
    tokens: float = Field(gt=0)
    gpus: int = Field(gt=0)
    start_month: int = Field(1, ge=1)
    mfu: float | None = Field(None, gt=0, le=1, description="at the job's scale")
    layers: int | None = Field(None, gt=0)
    seq_len: int | None = Field(None, gt=0)
    d_model: int | None = Field(None, gt=0)
    active_params: float | None = Field(None, gt=0, description="mixture-of-experts")
    precision: Literal["bf16", "fp16", "fp8"] = "bf16"


class Demand(_Strict):
    profile_gpu_hours: list[float] | None = None
    jobs: list[Job] = Field(default_factory=list)

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
    interruption_rate_per_instance_h: float | None = Field(None, ge=0)
    checkpoint_minutes: float = Field(5.0, ge=0)
    restart_minutes: float = Field(15.0, ge=0)
    nodes: int = Field(8, gt=0, description="instances per job, for the job's interruption rate")

    @model_validator(mode="after")
    def _bucket(self) -> SpotPolicyModel:
        if self.interruption_bucket not in spot.BUCKETS:
            raise ValueError(f"interruption_bucket must be one of: {', '.join(spot.BUCKETS)}")
        return self


class OnPrem(_Strict):
    server: onprem.OnPremServer
    servers: int | None = Field(None, gt=0, description="fleet size; default: sized for peak")


class Hybrid(_Strict):
    base_servers: int | Literal["auto"] = "auto"
    burst: Literal["spot", "on-demand", "both"] = "both"


class Plan(_Strict):
    name: str
    gpu: str
    horizon_months: int = Field(gt=0, le=120)
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

def job_demands(plan: Plan) -> list[hybrid.JobDemand]:
    """Each job with its GPU-hours (the efficiency model on the best cluster for the GPU)."""
    out = []
    for job in plan.demand.jobs:
        acc = training.get_accelerator(plan.gpu)
        need = training.min_gpus(job.params, acc.memory_gib)
        if job.gpus < need:
            raise EstimateError(f"{job.name} needs at least {need} x {acc.name}",
                                field="demand.jobs")
        tjob = training.TrainingJob(job.params, job.tokens, job.layers, job.seq_len, job.d_model,
                                    job.active_params, job.precision)
        hours = job_gpu_hours(tjob, plan.gpu, job.gpus, job.mfu)
        out.append(hybrid.JobDemand(job.name, job.gpus, hours, job.start_month))
    return out


def demand_profile(plan: Plan) -> np.ndarray:
    """GPU-hours per month: the profile plus every job laid out at full size from its start."""
    costs = hybrid.cloud_monthly(plan.demand.profile_gpu_hours, job_demands(plan),
                                 plan.horizon_months, 1.0)
    return costs.cloud_gpu_hours


# --- prices ----------------------------------------------------------------------------------

def _largest_job(plan: Plan) -> int:
    return max((job.gpus for job in plan.demand.jobs), default=1)


def _can_run(row: dict[str, Any], gpus: int) -> bool:
    """One node holds the job, or the type has a multi-node fabric."""
    return bool(gpus <= row["accelerator_count"] or row["multi_node"])


def _cloud_row(plan: Plan, opt: CloudOption, spot: bool) -> dict[str, Any] | None:
    """The option's instance type: given, else the cheapest per GPU that can run every job."""
    rows = priced_rows()
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
    here = here.sort_values("per_gpu", kind="stable")
    largest = _largest_job(plan)
    able = [rec for rec in here.to_dict("records") if _can_run(rec, largest)]
    return dict(able[0] if able else here.iloc[0].to_dict())


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
                "cloud": opt.cloud, "region": opt.region,
                "instance_type": str(row["instance_type"]), "spot": use_spot,
                "usd_per_gpu_hour": per_gpu * (overhead if use_spot else 1.0),
                "list_usd_per_gpu_hour": per_gpu, "gpus_per_node": int(row["accelerator_count"]),
                "fabric": str(row["fabric"]), "multi_node": bool(row["multi_node"]),
                "source": str(row["source"]), "as_of": str(row["as_of"]),
            })
    if not out:
        raise EstimateError("no cloud option has a price for the chosen spot policy")
    return out


# --- compare ---------------------------------------------------------------------------------

def _label(rate: dict[str, Any]) -> str:
    mode = "spot" if rate["spot"] else "on-demand"
    return f"{rate['cloud']} {rate['region']} {rate['instance_type']} {mode}"


def _placements(costs: hybrid.MonthlyCosts) -> list[dict[str, Any]]:
    return [{"job": p.job, "gpus": p.gpus, "gpu_hours": p.gpu_hours, "site": p.site,
             "months": list(p.months), "reason": p.reason} for p in costs.placements]


def _entry(name: str, kind: str, costs: hybrid.MonthlyCosts, **details: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "total_usd": costs.total_usd,
            "monthly_usd": [float(v) for v in costs.usd],
            "onprem_gpu_hours": float(costs.onprem_gpu_hours.sum()),
            "cloud_gpu_hours": float(costs.cloud_gpu_hours.sum()),
            "jobs": _placements(costs), "details": details}


def compare(plan: Plan) -> dict[str, Any]:
    """Every candidate plan with its total and per-month cost, cheapest first."""
    jobs = job_demands(plan)
    months = plan.horizon_months
    profile = plan.demand.profile_gpu_hours
    rates, rejected = _runnable(cloud_rates(plan), jobs)
    ranked = [_entry(f"cloud: {_label(r)}", "cloud",
                     hybrid.cloud_monthly(profile, jobs, months, r["usd_per_gpu_hour"]), **r)
              for r in rates]
    if plan.onprem is not None:
        ranked += _onprem_plans(plan, jobs, rates)
    ranked.sort(key=lambda p: p["total_usd"])
    for i, entry in enumerate(ranked, start=1):
        entry["rank"] = i
    demand = hybrid.cloud_monthly(profile, jobs, months, 1.0).cloud_gpu_hours
    return {"plan": plan.name, "gpu": plan.gpu, "horizon_months": months,
            "demand_gpu_hours": [float(v) for v in demand],
            "jobs": [{"job": j.name, "gpus": j.gpus, "gpu_hours": j.gpu_hours,
                      "start_month": j.start_month} for j in jobs],
            "spot_overhead": spot_overhead(plan.spot), "plans": ranked, "rejected": rejected,
            "hybrid_rule": "a job runs whole on one site: hybrid plans place whole jobs "
                           "on-prem or burst them to the cloud; only the monthly base load "
                           "is split between sites"}


def _runnable(rates: list[dict[str, Any]], jobs: list[hybrid.JobDemand]
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rates whose instance type can run every job whole; the others with the reason."""
    largest = max(jobs, key=lambda j: j.gpus, default=None)
    keep, rejected = [], []
    for rate in rates:
        if largest is None or _can_run({"accelerator_count": rate["gpus_per_node"],
                                        "multi_node": rate["multi_node"]}, largest.gpus):
            keep.append(rate)
            continue
        rejected.append({"name": _label(rate), "reason": (
            f"{largest.name} needs {largest.gpus} GPUs: more than one {rate['instance_type']} "
            f"node ({rate['gpus_per_node']} GPUs) and that type has no multi-node fabric")})
    if not keep:
        raise EstimateError("no cloud option can run every job: "
                            + "; ".join(r["reason"] for r in rejected), field="cloud")
    return keep, rejected


def _onprem_plans(plan: Plan, jobs: list[hybrid.JobDemand], rates: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    assert plan.onprem is not None
    server = plan.onprem.server
    months = plan.horizon_months
    profile = plan.demand.profile_gpu_hours
    fleet = plan.onprem.servers or hybrid.servers_for_all(profile, jobs, months, server)
    cheapest = min(r["usd_per_gpu_hour"] for r in rates)
    costs = hybrid.hybrid_monthly(profile, jobs, months, server, fleet, None)
    hours = fleet * server.gpus_per_server * 730.0 * months
    even = onprem.break_even(server, cheapest)
    out = [_entry(f"on-prem: {fleet} x {server.gpus_per_server} {plan.gpu} servers", "onprem",
                  costs, servers=fleet,
                  utilisation=float(costs.onprem_gpu_hours.sum()) / hours if hours else 0.0,
                  break_even_utilisation=even.utilisation, break_even_reason=even.reason,
                  vs_usd_per_gpu_hour=cheapest, capital=server.capital_note(months),
                  capital_usd_per_server=server.capital_usd,
                  source=server.source, as_of=server.as_of)]
    if plan.hybrid is None:
        return out
    burst_modes = {"spot": [True], "on-demand": [False], "both": [False, True]}[plan.hybrid.burst]
    for rate in (r for r in rates if r["spot"] in burst_modes):
        if plan.hybrid.base_servers == "auto":
            base, costs = hybrid.best_base(profile, jobs, months, server, rate["usd_per_gpu_hour"])
        else:
            base = plan.hybrid.base_servers
            costs = hybrid.hybrid_monthly(profile, jobs, months, server, base,
                                          rate["usd_per_gpu_hour"])
        if base == 0:  # no on-prem base pays off: the same as the cloud-only plan listed
            out[0]["details"].setdefault("hybrid_without_base", []).append(_label(rate))
            continue
        out.append(_entry(f"hybrid: {base} on-prem servers + burst {_label(rate)}", "hybrid",
                          costs, base_servers=base, capital=server.capital_note(months),
                          **rate))
    return out
