"""Autoscaled inference over a year at 1-minute steps (525,600 steps), all policies.

Times ``costs.serve.estimate_serve`` (fixed peak, autoscaled with delays and
cold starts, autoscaled with spot) on a synthetic diurnal year with weekends.
The autoscaler is a stateful per-step loop; the peer in the same run is one
week at 1-minute steps, so the ratio year/week should stay near 52 (linear in
steps). Also prints steps per second.

    uv run --no-sync python bench/bench_serve.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from ailab.costs.serve import estimate_serve
from ailab.costs.serve_scenario import ServeScenario, synthetic_demand


def _scenario(days: int) -> ServeScenario:
    return ServeScenario.model_validate({
        "name": f"bench-{days}d", "cloud": "aws", "region": "us-east-1",
        "instance_type": "g6.xlarge", "replica": {"requests_per_s": 4},
        "demand": {"step_minutes": 1, "synthetic": {
            "shape": "diurnal", "peak_rps": 120, "trough_rps": 6, "days": days,
            "weekend_factor": 0.5}},
        "policy": {"target_utilization": 0.7, "min_replicas": 1, "max_replicas": 60,
                   "scale_up_delay_s": 120, "scale_down_delay_s": 900,
                   "cold_start_s": 300},
        "spot": {"share": 0.5, "base_ondemand_replicas": 2},
    })


def _time(days: int, repeat: int) -> tuple[float, int]:
    sc = _scenario(days)
    assert sc.demand.synthetic is not None
    demand = synthetic_demand(sc.demand.synthetic, sc.demand.step_minutes)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        estimate_serve(sc, demand)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), len(demand)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    year, steps = _time(365, args.repeat)
    week, week_steps = _time(7, args.repeat)
    print(f"year at 1-minute steps ({steps:,} steps, 3 policies): {year * 1000:.0f} ms, "
          f"{steps / year / 1e6:.2f} M steps/s")
    print(f"peer: week at 1-minute steps ({week_steps:,} steps): {week * 1000:.1f} ms, "
          f"ratio year/week = {year / week:.1f} (steps ratio {steps / week_steps:.1f})")


if __name__ == "__main__":
    main()
