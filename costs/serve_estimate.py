"""``estimate serve`` end to end: size the replica, price replicas and serverless.

:func:`estimate_serve` sizes one replica (``costs.serve_sizing``: a stated
figure, a measured run or the sourced table), prices the replica options
(``costs.serve``), the serverless platforms of the scenario's cloud, the
break-even demand and the recommendation (``costs.serve_breakeven``).
:class:`ServeEstimate` holds the answer; ``as_dict`` is the JSON contract of
``costs.serve_report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ailab.costs.catalog import PriceRow
from ailab.costs.serve import ReplicaOption, replica_options, replica_price
from ailab.costs.serve_breakeven import BreakEven, Recommendation, compare_serverless
from ailab.costs.serve_scenario import ServeScenario
from ailab.costs.serve_sizing import replica_sizing
from ailab.costs.serve_throughput import Sizing
from ailab.costs.serverless import ServerlessResult


@dataclass
class ServeEstimate:
    """Everything ``estimate serve`` answers; ``as_dict`` is the JSON contract."""

    scenario: ServeScenario
    row: PriceRow
    demand_rps: np.ndarray
    step_minutes: float
    policies: list[ReplicaOption]
    sizing: Sizing | None = None
    serverless: list[ServerlessResult] = field(default_factory=list)
    break_even: list[BreakEven] = field(default_factory=list)
    recommendation: Recommendation | None = None

    def as_dict(self) -> dict[str, object]:
        from ailab.costs.serve_report import estimate_dict

        return estimate_dict(self)


def estimate_serve(sc: ServeScenario, demand: np.ndarray) -> ServeEstimate:
    """Size the replica, price the replica options and the serverless platforms."""
    row = replica_price(sc)
    sizing = replica_sizing(sc, row)
    options = replica_options(sc, row, sizing.requests_per_s, demand)
    est = ServeEstimate(sc, row, demand, sc.demand.step_minutes, options, sizing)
    compare_serverless(est)
    return est
