"""Hybrid capacity: on-prem base plus cloud burst over a monthly GPU-hour demand profile.

Each month, on-prem serves demand up to its capacity (servers x GPUs x 730 h x
availability) and the rest bursts to the cloud at a price per GPU-hour (spot,
already inflated by its expected restart overhead, or on-demand). On-prem costs
its fixed share every month (amortisation, colocation, staff, idle power; see
``costs.onprem``) whether used or not, plus energy for the GPU-hours it serves.
``servers = 0`` is all-cloud; servers sized for the peak month is all-on-prem.
The best base is found by trying every size from 0 to the peak size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ailab.core.errors import EstimateError
from ailab.costs.catalog import HOURS_PER_MONTH
from ailab.costs.onprem import OnPremServer


@dataclass(frozen=True)
class MonthlyCosts:
    """Per-month dollars and how the demand was served."""

    usd: np.ndarray
    onprem_gpu_hours: np.ndarray
    cloud_gpu_hours: np.ndarray

    @property
    def total_usd(self) -> float:
        return float(self.usd.sum())


def _demand(profile: np.ndarray | list[float]) -> np.ndarray:
    demand = np.asarray(profile, dtype=float)
    bad = demand.ndim != 1 or demand.size == 0 or not np.all(np.isfinite(demand))
    if bad or (demand < 0).any():
        raise EstimateError("demand profile: needs one or more finite GPU-hour figures >= 0")
    return demand


def capacity_per_month(server: OnPremServer, servers: int) -> float:
    """GPU-hours a fleet can serve in a month."""
    return servers * server.gpus_per_server * HOURS_PER_MONTH * server.availability


MAX_SERVERS = 100_000
"""Largest on-prem fleet sized or searched (the base-size search tries each size)."""


def servers_for_peak(profile: np.ndarray | list[float], server: OnPremServer) -> int:
    """Fewest servers that serve the peak month alone (at most ``MAX_SERVERS``)."""
    peak = float(_demand(profile).max())
    needed = peak / capacity_per_month(server, 1) if peak > 0 else 0.0
    if needed > MAX_SERVERS:
        raise EstimateError(f"demand: the peak month ({peak:,.0f} GPU-hours) needs "
                            f"{needed:,.0f} servers; the limit is {MAX_SERVERS:,}")
    return math.ceil(needed)


def cloud_monthly(profile: np.ndarray | list[float], usd_per_gpu_hour: float) -> MonthlyCosts:
    """All demand in the cloud."""
    demand = _demand(profile)
    return MonthlyCosts(demand * usd_per_gpu_hour, np.zeros_like(demand), demand)


def hybrid_monthly(profile: np.ndarray | list[float], server: OnPremServer, servers: int,
                   burst_usd_per_gpu_hour: float | None) -> MonthlyCosts:
    """On-prem base of ``servers`` plus cloud burst; None burst means demand must fit on-prem."""
    if servers < 0:
        raise EstimateError(f"servers: must be >= 0, got {servers}")
    demand = _demand(profile)
    used = np.minimum(demand, capacity_per_month(server, servers))
    burst = demand - used
    if burst_usd_per_gpu_hour is None and (burst > 1e-9).any():
        raise EstimateError(f"{servers} on-prem servers cannot serve the peak month "
                            f"({demand.max():.0f} GPU-hours) without cloud burst")
    fixed = servers * server.fixed_usd_per_year / 12.0
    usd = fixed + used * server.variable_usd_per_gpu_hour + burst * (burst_usd_per_gpu_hour or 0.0)
    return MonthlyCosts(usd, used, burst)


def best_base(profile: np.ndarray | list[float], server: OnPremServer,
              burst_usd_per_gpu_hour: float) -> tuple[int, MonthlyCosts]:
    """The on-prem base size (0..peak size) with the lowest hybrid total."""
    best: tuple[int, MonthlyCosts] | None = None
    for servers in range(servers_for_peak(profile, server) + 1):
        costs = hybrid_monthly(profile, server, servers, burst_usd_per_gpu_hour)
        if best is None or costs.total_usd < best[1].total_usd - 1e-9:
            best = (servers, costs)
    assert best is not None
    return best
