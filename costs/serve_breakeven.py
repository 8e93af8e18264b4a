"""Serverless beside replicas: the demand where their costs cross, and a recommendation.

Break-even: the scenario's demand profile is scaled by ``k`` (same shape, every
step times ``k``) and each priced serverless platform is compared with the
cheapest replica option at the same ``k``. Ceilings are lifted for this search
(``autoscaling.max_replicas``, the platforms' concurrency limits): the question
is what serving that demand costs, not what an undersized setup would bill.
``k`` is scanned on a log grid from 1/1000 to 1000 and the crossing nearest to
the scenario (``k = 1``) is refined by bisection. The answer is a multiple of
this demand, its mean requests/s and requests per month (730 hours).

Recommendation: the cheapest option (replica or serverless) whose overload
minutes stay within ``slo.max_overload_minutes`` (no bound when not given).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ailab.costs.serve import replica_options
from ailab.costs.serve_sizing import l4_capacity, model_facts
from ailab.costs.serverless import ServerlessResult
from ailab.costs.serverless_pricing import PRICERS, Demand, Inputs, price_serverless, scaled

if TYPE_CHECKING:
    from ailab.costs.serve_estimate import ServeEstimate

GRID = np.geomspace(1e-3, 1e3, 25)
BISECTIONS = 30
HOURS_PER_MONTH = 730.0
NO_CEILING = 10**9


@dataclass(frozen=True)
class BreakEven:
    """Where one serverless platform and the replicas cost the same."""

    platform: str
    scale: float | None  # multiple of the scenario's demand; None: no crossing in the grid
    serverless_cheaper_below: bool
    mean_rps: float | None
    requests_per_month: float | None
    summary: str

    def as_dict(self) -> dict[str, object]:
        return {"platform": self.platform,
                "scale": None if self.scale is None else round(self.scale, 6),
                "serverless_cheaper_below": self.serverless_cheaper_below,
                "mean_rps": None if self.mean_rps is None else round(self.mean_rps, 6),
                "requests_per_month": None if self.requests_per_month is None
                else round(self.requests_per_month), "summary": self.summary}


@dataclass(frozen=True)
class Recommendation:
    name: str
    cost_usd: float
    overload_minutes: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "cost_usd": round(self.cost_usd, 2),
                "overload_minutes": round(self.overload_minutes, 2), "reason": self.reason}


def _inputs(est: ServeEstimate) -> Inputs:
    sc = est.scenario
    assert est.sizing is not None
    gpu_rps, reason = l4_capacity(sc, est.row, est.sizing)
    return Inputs(sc.region, model_facts(sc), Demand(est.demand_rps, est.step_minutes * 60),
                  est.row.accelerator, gpu_rps, reason, sc.autoscaling.max_replicas)


def compare_serverless(est: ServeEstimate) -> None:
    """Fill the estimate's serverless options, break-evens and recommendation."""
    sc = est.scenario
    inp = _inputs(est)
    platforms = sc.serverless.platforms if sc.serverless is not None else None
    est.serverless = price_serverless(sc.cloud, platforms, inp)
    unbounded = _unbounded(inp)
    est.break_even = [break_even(est, res, unbounded) for res in est.serverless if res.priced]
    est.recommendation = recommend(est)


def _unbounded(inp: Inputs) -> Inputs:
    f = inp.facts
    facts = type(f)(f.request_s, f.memory_gib, f.model_load_s, f.gpu_requests_per_s,
                    f.payload_kb, NO_CEILING, f.keep_warm_s)
    return Inputs(inp.region, facts, inp.demand, inp.replica_gpu, inp.gpu_rps, inp.gpu_reason,
                  NO_CEILING)


def _replica_cost(est: ServeEstimate) -> Callable[[float], float]:
    sc = est.scenario
    auto = sc.autoscaling.model_copy(update={"max_replicas": NO_CEILING})
    free = sc.model_copy(update={"autoscaling_block": auto, "policy": None})
    assert est.sizing is not None
    cap = est.sizing.requests_per_s
    return lambda k: min(o.cost_usd for o in replica_options(free, est.row, cap,
                                                            est.demand_rps * k))


def break_even(est: ServeEstimate, res: ServerlessResult, inp: Inputs) -> BreakEven:
    """The demand multiple where ``res``'s platform and the replicas cost the same."""
    replicas = _replica_cost(est)
    pricer = PRICERS[res.platform]

    def gap(k: float) -> float:
        return pricer(scaled(inp, k)).cost_usd - replicas(k)

    values = [gap(float(k)) for k in GRID]
    pairs = [(i, i + 1) for i in range(len(GRID) - 1)
             if (values[i] < 0) != (values[i + 1] < 0)]
    if not pairs:
        return _no_crossing(res.platform, values[0] < 0)
    lo_i, hi_i = min(pairs, key=lambda p: abs(math.log(GRID[p[0]] * GRID[p[1]]) / 2))
    lo, hi, below = float(GRID[lo_i]), float(GRID[hi_i]), values[lo_i] < 0
    for _ in range(BISECTIONS):
        mid = math.sqrt(lo * hi)
        if (gap(mid) < 0) == below:
            lo = mid
        else:
            hi = mid
    k = math.sqrt(lo * hi)
    mean = float(est.demand_rps.mean()) * k
    monthly = mean * 3600 * HOURS_PER_MONTH
    side = "below" if below else "above"
    other = "above" if below else "below"
    return BreakEven(res.platform, k, below, mean, monthly,
                     f"{res.platform} costs less than replicas {side} {k:.3g}x this demand "
                     f"(mean {mean:.3g} requests/s, {monthly:,.0f} requests a month); "
                     f"replicas cost less {other}")


def _no_crossing(platform: str, cheaper: bool) -> BreakEven:
    span = f"from {GRID[0]:g}x to {GRID[-1]:g}x this demand"
    text = (f"{platform} costs less than replicas at every demand {span}" if cheaper
            else f"{platform} never costs less than replicas {span}")
    return BreakEven(platform, None, cheaper, None, None, text)


def recommend(est: ServeEstimate) -> Recommendation:
    """The cheapest option within the overload bound, with the break-even said."""
    bound = est.scenario.slo.max_overload_minutes
    options = [(o.name, o.cost_usd, o.overload_minutes) for o in est.policies]
    options += [(s.name, s.cost_usd, s.overload_minutes) for s in est.serverless if s.priced]
    fits = [o for o in options if bound is None or o[2] <= bound + 1e-9]
    note = "; ".join(b.summary for b in est.break_even)
    if not fits:
        name, cost, over = min(options, key=lambda o: (o[2], o[1]))
        return Recommendation(name, cost, over, f"no option stays within "
                              f"slo.max_overload_minutes {bound:g}; {name} overloads least"
                              + (f"; {note}" if note else ""))
    name, cost, over = min(fits, key=lambda o: o[1])
    within = "" if bound is None else f" within {bound:g} overload minutes"
    return Recommendation(name, cost, over, f"{name} is the cheapest option{within}"
                          + (f"; {note}" if note else ""))
