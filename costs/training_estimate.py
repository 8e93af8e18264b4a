"""The estimate behind ``ailab estimate train``: headline figures, their range, and every plan.

The headline (GPU-hours, wall time, MFU) is the cluster that trains the job in
the fewest GPU-hours among the plans that could run it (the best fabric and the
largest nodes the table offers for that accelerator). Beside each point
estimate stands a P10-P90 range from ``costs.efficiency.spread`` and the name of
the assumption that dominates it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ailab.core.errors import EstimateError
from ailab.costs import efficiency
from ailab.costs.accelerators import Accelerator, get_accelerator
from ailab.costs.training import (
    Calibration,
    MfuChoice,
    TrainingJob,
    flops_per_token,
    hidden_size,
    min_gpus,
    resolve_mfu,
    total_flops,
)
from ailab.costs.training_plans import SpotPolicy, evaluate_candidates, priced_rows


def _rows_for(acc: Accelerator, gpus: int, cloud: str | None, region: str | None,
              prices: pd.DataFrame | None) -> pd.DataFrame:
    rows = priced_rows(prices)
    rows = rows[rows["gpu"] == acc.name]
    if cloud is not None:
        rows = rows[rows["cloud"] == cloud]
    if region is not None:
        offered = sorted(set(rows["region"]))
        rows = rows[rows["region"] == region]
        if rows.empty:
            where = f" on {cloud}" if cloud else ""
            raise EstimateError(f"{acc.name} is not offered in {region!r}{where}; "
                                f"offered in: {', '.join(offered) or 'nowhere'}", field="region")
    if rows.empty:
        raise EstimateError(f"no instance type with {acc.name} in the price table"
                            + (f" for {cloud}" if cloud else ""), field="gpu",
                            hint="see `ailab catalog show --gpu " + acc.name + "`")
    # Instances with more accelerators than asked for are not candidates, unless nothing fits.
    small = rows[rows["accelerator_count"] <= gpus]
    return small if not small.empty else rows


def plan_shape(plan: dict[str, Any], job: TrainingJob) -> efficiency.Shape:
    """The efficiency model's view of one plan."""
    acc = get_accelerator(str(plan["gpu"]))
    return efficiency.Shape(
        family=acc.family, d_model=hidden_size(job), seq_len=job.seq_len, chips=int(plan["gpus"]),
        units=int(plan["nodes"]), is_tpu=acc.is_tpu, precision=job.precision, moe=job.moe,
        in_node_pcie=plan["in_node"] == "PCIe" and int(plan["gpus_per_node"]) > 1,
        slow_network=bool(plan["warning"]))


def _spread(plan: dict[str, Any], job: TrainingJob, choice: MfuChoice) -> dict[str, Any]:
    shape = plan_shape(plan, job)
    p = efficiency.load_params()
    if choice.given is not None:
        # A given MFU: only failures remain uncertain.
        shape = efficiency.Shape(family=shape.family, d_model=efficiency.REFERENCE_D_MODEL,
                                 seq_len=None, chips=shape.chips, units=1)
        return efficiency.spread(p, shape, base=choice.given)
    return efficiency.spread(p, shape, base=choice.base)


def _with_ranges(plans: pd.DataFrame, job: TrainingJob, choice: MfuChoice) -> pd.DataFrame:
    """P10/P90 wall hours and cost per plan (one spread per distinct cluster shape)."""
    keys = ["gpu", "instance_type", "nodes"]
    factors: dict[tuple[Any, ...], tuple[float, float]] = {}
    for rec in plans.drop_duplicates(subset=keys).to_dict("records"):
        s = _spread(rec, job, choice)
        factors[tuple(rec[k] for k in keys)] = (s["p10_factor"], s["p90_factor"])
    pairs = [factors[key] for key in plans[keys].itertuples(index=False, name=None)]
    lo = np.array([f[0] for f in pairs]) if pairs else np.empty(0)
    hi = np.array([f[1] for f in pairs]) if pairs else np.empty(0)
    return plans.assign(wall_hours_p10=plans["wall_hours"] * lo,
                        wall_hours_p90=plans["wall_hours"] * hi,
                        cost_usd_p10=plans["cost_usd"] * lo, cost_usd_p90=plans["cost_usd"] * hi)


def _no_plan(acc: Accelerator, gpus: int, allow_slow_network: bool) -> EstimateError:
    if allow_slow_network:
        return EstimateError(f"no instance type holds the model on {gpus} x {acc.name}",
                             field="gpus")
    return EstimateError(
        f"no instance type with {acc.name} has a multi-node fabric (EFA, InfiniBand, "
        f"GPUDirect, RDMA) for {gpus} accelerators here", field="gpus",
        hint="ask for fewer accelerators (one node), another region or cloud, or allow "
             "plain-network plans with their penalty")


def estimate_training(job: TrainingJob, gpu: str, gpus: int, *, mfu: float | None = None,
                      calibration: Calibration | None = None, spot: SpotPolicy | None = None,
                      cloud: str | None = None, region: str | None = None,
                      prices: pd.DataFrame | None = None,
                      allow_slow_network: bool = False) -> dict[str, Any]:
    """FLOPs, GPU-hours and wall time with their range, and every plan that could run the job."""
    acc = get_accelerator(gpu)
    if gpus <= 0:
        raise EstimateError(f"must be >= 1, got {gpus}", field="gpus")
    need = min_gpus(job.params, acc.memory_gib)
    if gpus < need:
        raise EstimateError(f"{gpus} x {acc.name} ({acc.memory_gib:g} GiB) cannot hold "
                            f"{job.params:.3g} parameters with Adam states; need at least {need}",
                            field="gpus")
    choice = resolve_mfu(acc, job, mfu, calibration)
    rows = _rows_for(acc, gpus, cloud, region, prices)
    cands = rows.assign(nodes=np.ceil(gpus / rows["accelerator_count"]).astype(np.int64))
    plans = evaluate_candidates(cands, job, spot, choice=choice,
                                allow_slow_network=allow_slow_network)
    if plans.empty:
        raise _no_plan(acc, gpus, allow_slow_network)
    plans = _with_ranges(plans, job, choice)
    od = plans[~plans["spot"]]
    best = (od if not od.empty else plans).sort_values("gpu_hours", kind="stable").iloc[0]
    return _result(job, acc, gpus, need, choice, best.to_dict(), plans, spot)


def _result(job: TrainingJob, acc: Accelerator, gpus: int, need: int, choice: MfuChoice,
            best: dict[str, Any], plans: pd.DataFrame, spot: SpotPolicy | None) -> dict[str, Any]:
    p = efficiency.load_params()
    shape = plan_shape(best, job)
    spread = _spread(best, job, choice)
    terms = (efficiency.breakdown(p, shape, base=choice.base) if choice.given is None
             else {"given": choice.given})
    good = float(efficiency.goodput(shape.chips, p.failure_loss_per_gpu))
    hours = float(best["gpu_hours"])
    return {
        "gpu": acc.name, "gpus": gpus, "params": job.params, "active_params": job.active,
        "tokens": job.tokens, "precision": job.precision,
        "flops_per_token": flops_per_token(job), "total_flops": total_flops(job),
        "peak_tflops": get_accelerator(str(best["gpu"])).peak_bf16_tflops,
        "mfu": float(best["mfu"]), "mfu_source": choice.source, "mfu_terms": terms,
        "goodput": good, "nodes": int(best["nodes"]),
        "gpus_per_node": int(best["gpus_per_node"]), "fabric": str(best["fabric"]),
        "reference_instance_type": f"{best['cloud']} {best['instance_type']}",
        "scaling_efficiency": terms.get("scale", 1.0),
        "gpu_hours": hours, "gpu_hours_p10": hours * spread["p10_factor"],
        "gpu_hours_p90": hours * spread["p90_factor"],
        "wall_hours": float(best["wall_hours"]),
        "wall_hours_p10": float(best["wall_hours"]) * spread["p10_factor"],
        "wall_hours_p90": float(best["wall_hours"]) * spread["p90_factor"],
        "dominant_assumption": spread["dominant"],
        "dominant_assumption_label": spread["dominant_label"],
        "assumption_swings": spread["swings"],
        "min_gpus": need,
        "spot_interruption_rate_per_instance_h": None if spot is None else spot.rate_per_instance_h,
        "plans": plans.drop(columns=["gpu"]).to_dict("records"),
    }


def job_gpu_hours(job: TrainingJob, gpu: str, gpus: int, mfu: float | None = None) -> float:
    """GPU-hours of one job on the best cluster the table offers (for plan files)."""
    result = estimate_training(job, gpu, gpus, mfu=mfu)
    return float(result["gpu_hours"])

