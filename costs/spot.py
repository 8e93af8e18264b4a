"""Spot capacity: expected run time and cost under interruptions, with checkpoints.

Interruptions are a Poisson process. A job on ``n`` instances is interrupted
when any of them is, so its rate is ``n x`` the per-instance rate. The AWS Spot
Instance Advisor publishes buckets of "frequency of interruption" (the share of
instances interrupted over a month); a bucket's midpoint ``p`` becomes a
per-instance-hour rate ``-ln(1 - p) / 730``.

Expected wall time (Daly 2006, "A higher order estimate of the optimum checkpoint
interval for restart dumps", exponential failures with mean time between them
``M``): for ``W`` hours of work checkpointed every ``tau`` hours of work, each
checkpoint costing ``delta`` hours and each restart ``R`` hours,

    T = M * exp(R / M) * (exp((tau + delta) / M) - 1) * W / tau

which tends to ``W * (1 + delta / tau)`` as ``M`` grows. The optimal interval is
Young's ``sqrt(2 * delta * M)`` (Young 1974), refined by Daly:
``sqrt(2 delta M) * (1 + sqrt(delta / 2M) / 3 + (delta / 2M) / 9) - delta`` for
``delta < 2M``, else ``M``. With no interruptions no checkpoints are needed, so
the expected time is the work itself. All functions accept numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ailab.core.errors import EstimateError
from ailab.costs.catalog import HOURS_PER_MONTH

# Spot Instance Advisor buckets and the monthly interruption share assumed for each.
BUCKETS: dict[str, float] = {
    "<5%": 0.025,
    "5-10%": 0.075,
    "10-15%": 0.125,
    "15-20%": 0.175,
    ">20%": 0.25,
}
DEFAULT_BUCKET = "5-10%"


def monthly_to_hourly(share: float) -> float:
    """Per-instance-hour rate from the share of instances interrupted in a month."""
    if not 0.0 <= share < 1.0:
        raise EstimateError(f"interruption share {share} must be in [0, 1)")
    return -math.log1p(-share) / HOURS_PER_MONTH


def bucket_rate(bucket: str) -> float:
    """Per-instance-hour interruption rate for a Spot Advisor bucket label."""
    if bucket not in BUCKETS:
        raise EstimateError(
            f"unknown bucket {bucket!r}; known: {', '.join(BUCKETS)}", field="interruption_bucket"
        )
    return monthly_to_hourly(BUCKETS[bucket])


def young_interval(checkpoint_h: float, mtbf_h: float) -> float:
    """Young's first-order optimal checkpoint interval, hours of work."""
    return math.sqrt(2.0 * checkpoint_h * mtbf_h)


def daly_interval(checkpoint_h: Any, mtbf_h: Any) -> Any:
    """Daly's higher-order optimal checkpoint interval (hours); inf when mtbf is inf."""
    delta = np.asarray(checkpoint_h, dtype=float)
    m = np.asarray(mtbf_h, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = delta / (2.0 * m)
        tau = np.sqrt(2.0 * delta * m) * (1.0 + np.sqrt(ratio) / 3.0 + ratio / 9.0) - delta
    out = np.where(delta < 2.0 * m, tau, m)
    return out if out.ndim else float(out)


def expected_hours(
    work_h: Any,
    rate_per_h: Any,
    checkpoint_h: Any,
    restart_h: Any,
    interval_h: Any = None,
) -> Any:
    """Expected wall hours for ``work_h`` of work under job-level interruption rate.

    ``interval_h`` None means Daly's optimum. A zero rate with no interval given
    means no checkpoints, so the work itself.
    """
    work = np.asarray(work_h, dtype=float)
    rate = np.asarray(rate_per_h, dtype=float)
    delta = np.asarray(checkpoint_h, dtype=float)
    restart = np.asarray(restart_h, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mtbf = np.where(rate > 0, 1.0 / np.where(rate > 0, rate, 1.0), np.inf)
        tau = daly_interval(delta, mtbf) if interval_h is None else np.asarray(interval_h, float)
        tau = np.minimum(np.asarray(tau, dtype=float), np.maximum(work, 1e-12))
        # A free checkpoint makes Daly's interval 0: take the limit (tau -> 0), not 0/0.
        tau = np.maximum(tau, 1e-9)
        # expm1 keeps precision when (tau + delta) / M is tiny.
        failing = mtbf * np.exp(restart / mtbf) * np.expm1((tau + delta) / mtbf) * work / tau
        calm = work if interval_h is None else work * (1.0 + delta / tau)
        out = np.where(rate > 0, failing, calm)
    return out if out.ndim else float(out)


@dataclass(frozen=True)
class SpotEstimate:
    """Spot against on-demand for one run, with the checkpoint plan."""

    work_hours: float
    expected_hours: float
    checkpoint_interval_hours: float | None
    expected_interruptions: float
    on_demand_cost_usd: float
    spot_cost_usd: float
    savings_usd: float
    savings_pct: float
    recommendation: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def spot_estimate(
    work_h: float,
    on_demand_hourly: float,
    spot_hourly: float,
    rate_per_h: float,
    checkpoint_h: float,
    restart_h: float,
    interval_h: float | None = None,
) -> SpotEstimate:
    """Expected time, cost and savings of running ``work_h`` on spot; recommend one."""
    for name, value in (("work hours", work_h), ("interruption rate", rate_per_h),
                        ("checkpoint time", checkpoint_h), ("restart time", restart_h)):
        if value < 0 or not math.isfinite(value):
            raise EstimateError(f"{name} must be a finite number >= 0, got {value}")
    if interval_h is not None and interval_h <= 0:
        raise EstimateError(f"checkpoint interval must be > 0 hours, got {interval_h}")
    hours = float(expected_hours(work_h, rate_per_h, checkpoint_h, restart_h, interval_h))
    if interval_h is None and rate_per_h > 0:
        interval: float | None = min(float(daly_interval(checkpoint_h, 1.0 / rate_per_h)), work_h)
    else:
        interval = interval_h
    od_cost = work_h * on_demand_hourly
    spot_cost = hours * spot_hourly
    savings = od_cost - spot_cost
    pct = 100.0 * savings / od_cost if od_cost > 0 else 0.0
    return SpotEstimate(
        work_hours=work_h,
        expected_hours=hours,
        checkpoint_interval_hours=interval,
        expected_interruptions=rate_per_h * hours,
        on_demand_cost_usd=od_cost,
        spot_cost_usd=spot_cost,
        savings_usd=savings,
        savings_pct=pct,
        recommendation=_recommend(savings, pct, hours, work_h, interval),
    )


def _recommend(savings: float, pct: float, hours: float, work: float,
               interval: float | None) -> str:
    if savings <= 0:
        return "on-demand: spot's expected cost with restarts is not lower"
    every = "" if interval is None else f", checkpoint every {interval * 60:.0f} min"
    slower = (hours / work - 1.0) * 100.0 if work > 0 else 0.0
    return f"spot{every}: saves {pct:.0f}% for {slower:.0f}% longer expected wall time"
