"""Inference costs over long horizons: replicas, serverless, and the break-even search.

1. ``costs.serve.estimate_serve`` replica options (fixed peak, autoscaled with
   delays and cold starts, autoscaled with spot) on a synthetic diurnal year at
   1-minute steps (525,600 steps); the peer in the same run is one week at
   1-minute steps, so the ratio year/week should stay near 52 (linear in steps).
2. Serverless pricing (Lambda, SageMaker Serverless) over the same year, against
   the replica options of the same run.
3. The break-even search (25-point scan + 30 bisections, each pricing replicas
   and a platform) at 1, 2, 4 and 16 weeks of 5-minute steps: growth should be
   about linear in the steps.

    uv run --no-sync python bench/bench_serve.py [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np
from timing import median_seconds

from ailab.costs.serve import replica_options, replica_price
from ailab.costs.serve_estimate import estimate_serve
from ailab.costs.serve_scenario import ServeScenario, synthetic_demand
from ailab.costs.serverless import ModelFacts
from ailab.costs.serverless_pricing import Demand, Inputs, price_serverless


def _scenario(days: int, step_minutes: float = 1, serverless: bool = False) -> ServeScenario:
    doc: dict[str, object] = {
        "name": f"bench-{days}d", "cloud": "aws", "region": "us-east-1",
        "instance_type": "g6.xlarge", "replica": {"requests_per_s": 4},
        "demand": {"step_minutes": step_minutes, "synthetic": {
            "shape": "diurnal", "peak_rps": 120, "trough_rps": 6, "days": days,
            "weekend_factor": 0.5}},
        "autoscaling": {"target_utilization": 0.7, "min_replicas": 1, "max_replicas": 60,
                        "scale_up_delay_s": 120, "scale_down_delay_s": 900,
                        "cold_start_s": 300},
        "spot": {"share": 0.5, "base_ondemand_replicas": 2},
    }
    if serverless:
        doc["serverless"] = {"platforms": ["lambda"], "request_s": 0.05, "memory_gib": 2}
    return ServeScenario.model_validate(doc)


def _demand(sc: ServeScenario) -> np.ndarray:
    assert sc.demand.synthetic is not None
    return synthetic_demand(sc.demand.synthetic, sc.demand.step_minutes)


def replicas(repeat: int) -> None:
    times = {}
    for days in (7, 28, 112, 365):
        sc = _scenario(days)
        demand, row = _demand(sc), replica_price(sc)
        times[days] = (len(demand), median_seconds(
            lambda sc=sc, d=demand, r=row: replica_options(sc, r, 4.0, d), repeat))
    steps, year = times[365]
    print(f"replicas, year at 1-minute steps ({steps:,} steps, 3 options): "
          f"{year * 1000:.0f} ms, {steps / year / 1e6:.2f} M steps/s")
    for days in (7, 28, 112):
        n, took = times[days]
        print(f"  peer: {days:>3} days ({n:,} steps): {took * 1000:.1f} ms, ratio year/peer = "
              f"{year / took:.1f} (steps ratio {steps / n:.1f})")
    year_d = _demand(_scenario(365))
    facts = ModelFacts(0.05, 2.0, 1.0, None, 0.0, None, None)
    inp = Inputs("us-east-1", facts, Demand(year_d, 60.0), "", None, "", 60)
    serverless = median_seconds(lambda: price_serverless("aws", None, inp), repeat)
    print(f"serverless, same year (lambda + sagemaker-serverless): {serverless * 1000:.0f} ms, "
          f"ratio to the replica options = {serverless / year:.2f}")


def break_even(repeat: int) -> None:
    base = None
    for weeks in (1, 2, 4, 16):
        sc = _scenario(7 * weeks, step_minutes=5, serverless=True)
        demand = _demand(sc)
        took = median_seconds(lambda sc=sc, demand=demand: estimate_serve(sc, demand), repeat)
        base = base or took
        print(f"estimate with break-even, {weeks:>2} week(s) at 5-minute steps "
              f"({len(demand):,} steps): {took * 1000:.0f} ms, growth x{took / base:.1f} "
              f"for x{weeks} the steps")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    replicas(args.repeat)
    break_even(args.repeat)


if __name__ == "__main__":
    main()
