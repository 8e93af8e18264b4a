"""The JSON contract and the chart of ``estimate serve``.

JSON keys (stable): ``policies`` (the replica options: ``name``,
``replica_hours``, ``cost_usd``, ``overload_minutes``, savings against fixed
peak...), ``replica`` (the requests/s one replica serves and where it came
from: ``given``, ``table`` with the table row, or ``calibration``), ``serverless``
(each platform of the cloud: priced with cost, cold starts, overload minutes,
prices and their status, or ``priced: false`` with the reason), ``break_even``,
``recommendation``, ``warnings``, ``skyserve_replica_policy`` (SkyServe's
``replica_policy`` for this sizing: ``target_qps_per_replica`` = requests/s per
replica x target utilization), ``price`` (source and as_of) and a downsampled
``timeline``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ailab.costs.serve_estimate import ServeEstimate

TIMELINE_POINTS = 2016  # at most this many points per series in JSON (a week at 5 min)


def estimate_dict(est: ServeEstimate) -> dict[str, object]:
    """The stable JSON document of one estimate."""
    peak = est.policies[0].cost_usd
    step_s = est.step_minutes * 60
    requests = float(est.demand_rps.sum() * step_s)
    stride = max(1, math.ceil(len(est.demand_rps) / TIMELINE_POINTS))
    warnings = list(est.sizing.warnings) if est.sizing else []
    warnings += [f"{s.name}: uses {', '.join(s.uncertain)} that are not confirmed prices or "
                 "limits" for s in est.serverless if s.priced and s.uncertain]
    return {
        "scenario": est.scenario.name,
        "cloud": est.row.cloud, "region": est.row.region,
        "instance_type": est.row.instance_type, "accelerator": est.row.accelerator,
        "price": {"on_demand_usd_hr": est.row.price_usd_hr, "spot_usd_hr": est.row.spot_usd_hr,
                  "source": est.row.source, "as_of": est.row.as_of},
        "replica": est.sizing.as_dict() if est.sizing else None,
        "step_minutes": est.step_minutes,
        "horizon_hours": len(est.demand_rps) * est.step_minutes / 60,
        "demand": {"peak_rps": float(est.demand_rps.max()),
                   "mean_rps": float(est.demand_rps.mean()), "requests": requests},
        "policies": [{
            "name": p.name, "replica_hours": round(p.replica_hours, 3),
            "ondemand_hours": round(p.ondemand_hours, 3),
            "spot_hours": round(p.spot_hours, 3), "cost_usd": round(p.cost_usd, 2),
            "overload_minutes": round(p.overload_minutes, 2),
            "saving_vs_peak_usd": round(peak - p.cost_usd, 2),
            "saving_vs_peak_pct": round(100 * (peak - p.cost_usd) / peak, 2) if peak else 0.0,
            "usd_per_million_requests": round(p.cost_usd / requests * 1e6, 4)
            if requests else None,
        } for p in est.policies],
        "serverless": [s.as_dict() for s in est.serverless],
        "break_even": [b.as_dict() for b in est.break_even],
        "recommendation": est.recommendation.as_dict() if est.recommendation else None,
        "skyserve_replica_policy": replica_policy(est),
        "warnings": warnings,
        "timeline": {
            "step_minutes": est.step_minutes * stride,
            "demand_rps": _coarse(est.demand_rps, stride),
            "replicas": {p.name: _coarse(p.replicas, stride) for p in est.policies},
        },
    }


def replica_policy(est: ServeEstimate) -> dict[str, object]:
    """SkyServe's ``service.replica_policy`` for this sizing, to paste into the task."""
    sc, auto = est.scenario, est.scenario.autoscaling
    cap = est.sizing.requests_per_s if est.sizing else sc.replica.given_rps or 0.0
    policy: dict[str, object] = {
        "min_replicas": auto.min_replicas, "max_replicas": auto.max_replicas,
        "target_qps_per_replica": round(cap * auto.target_utilization, 4),
        "upscale_delay_seconds": int(auto.scale_up_delay_s),
        "downscale_delay_seconds": int(auto.scale_down_delay_s)}
    if sc.spot.share > 0:
        policy["base_ondemand_fallback_replicas"] = sc.spot.base_ondemand_replicas
        policy["dynamic_ondemand_fallback"] = sc.spot.dynamic_ondemand_fallback
    return policy


def _coarse(series: np.ndarray, stride: int) -> list[float]:
    """Max over each block of ``stride`` steps (peaks survive downsampling)."""
    pad = (-len(series)) % stride
    padded = np.concatenate([series, np.full(pad, series[-1])]) if pad else series
    return [round(float(v), 3) for v in padded.reshape(-1, stride).max(axis=1)]


def serve_chart(est: ServeEstimate, path: str) -> None:
    """Demand against the capacity of each replica option over time, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = np.arange(len(est.demand_rps)) * est.step_minutes / 60.0
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    top.plot(hours, est.demand_rps, color="black", lw=1, label="demand")
    for pol, style in zip(est.policies, ("-", "-", ":"), strict=False):
        top.step(hours, pol.capacity_rps, style, where="post", lw=1,
                 label=f"{pol.name} capacity")
        bottom.step(hours, pol.replicas, style, where="post", lw=1,
                    label=f"{pol.name}: ${pol.cost_usd:,.0f}")
    top.set_ylabel("requests/s")
    bottom.set_ylabel("replicas billed")
    bottom.set_xlabel("hours")
    top.set_title(f"{est.scenario.name}: {est.row.instance_type} in {est.row.region}")
    top.legend(fontsize="small")
    bottom.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
