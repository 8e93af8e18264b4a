"""Hybrid capacity: whole jobs on an on-prem base, whole jobs burst to the cloud.

A training job runs on one site: its GPUs talk over one fabric, so it is never
split between on-prem servers and cloud nodes. The hybrid plan therefore
assigns **jobs**:

- jobs are taken in start order (larger first on the same month); a job goes
  on-prem when the fleet has ``job.gpus`` accelerators free in every month it
  runs there (on-prem it runs at ``gpus x 730 h x availability`` GPU-hours a
  month, so it may take longer than in the cloud), else the whole job bursts to
  the cloud at the burst price per GPU-hour (spot already inflated by its
  expected restart overhead, see ``costs.spot``);
- the monthly base load (``profile``: many small jobs, e.g. fine-tuning and
  evaluation) is divisible: each month it fills the on-prem GPU-hours the jobs
  left free and the rest bursts.

On-prem pays its fixed share every month (the capital annuity, or the whole
capital in month 1 when bought outright, plus colocation, staff and idle power;
``costs.onprem``) whether used or not, plus energy for the GPU-hours it serves.
``servers = 0`` is all-cloud. The best base tries every fleet size from 0 to the
one that serves everything on-prem.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ailab.core.errors import EstimateError
from ailab.costs.catalog import HOURS_PER_MONTH
from ailab.costs.onprem import OnPremServer


@dataclass(frozen=True)
class JobDemand:
    """One training job: it runs whole, on one site."""

    name: str
    gpus: int
    gpu_hours: float
    start_month: int = 1

    def months(self, gpu_hours_per_month: float) -> int:
        """Months the job spans at a per-GPU monthly throughput."""
        return max(1, math.ceil(self.gpu_hours / (self.gpus * gpu_hours_per_month) - 1e-9))


@dataclass(frozen=True)
class Placement:
    """Where one job runs and why."""

    job: str
    gpus: int
    gpu_hours: float
    site: str
    months: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class MonthlyCosts:
    """Per-month dollars, how the demand was served, and where each job ran."""

    usd: np.ndarray
    onprem_gpu_hours: np.ndarray
    cloud_gpu_hours: np.ndarray
    placements: tuple[Placement, ...] = field(default=())

    @property
    def total_usd(self) -> float:
        return float(self.usd.sum())


def _profile(profile: Sequence[float] | np.ndarray | None, months: int) -> np.ndarray:
    demand = np.zeros(months) if profile is None else np.asarray(profile, dtype=float)
    bad = demand.ndim != 1 or demand.size != months or not np.all(np.isfinite(demand))
    if bad or (demand < 0).any():
        raise EstimateError(f"needs {months} finite GPU-hour figures >= 0", field="profile")
    return demand


def _spread(hours: float, per_month: float, start: int, months: int,
            name: str = "a job") -> np.ndarray:
    """A job's GPU-hours laid out month by month from ``start`` (0-based)."""
    out = np.zeros(months)
    span = max(1, math.ceil(hours / per_month - 1e-9))
    if start + span > months:
        raise EstimateError(f"{name} needs {span} month(s) from month {start + 1}, past the "
                            f"{months}-month horizon", field="horizon_months")
    for m in range(span):
        out[start + m] = min(per_month, hours - m * per_month)
    return out


def cloud_monthly(profile: Sequence[float] | np.ndarray | None, jobs: Sequence[JobDemand],
                  months: int, usd_per_gpu_hour: float) -> MonthlyCosts:
    """Everything in the cloud: each job at ``gpus x 730`` GPU-hours a month."""
    hours = _profile(profile, months).copy()
    placements = []
    for job in jobs:
        laid = _spread(job.gpu_hours, job.gpus * HOURS_PER_MONTH, job.start_month - 1, months,
                       job.name)
        hours += laid
        placements.append(Placement(job.name, job.gpus, job.gpu_hours, "cloud",
                                    tuple(int(m) + 1 for m in np.flatnonzero(laid)),
                                    "cloud-only plan"))
    return MonthlyCosts(hours * usd_per_gpu_hour, np.zeros(months), hours, tuple(placements))


def _place(job: JobDemand, server: OnPremServer, free: np.ndarray, months: int
           ) -> tuple[np.ndarray | None, str]:
    """The job's on-prem GPU-hours per month if it fits whole, else None and why."""
    if job.gpus > free.max(initial=0):
        return None, f"needs {job.gpus} GPUs at once, on-prem has {int(free.max(initial=0))} free"
    per_month = job.gpus * HOURS_PER_MONTH * server.availability
    start = job.start_month - 1
    span = max(1, math.ceil(job.gpu_hours / per_month - 1e-9))
    if start + span > months:
        return None, f"on-prem it would run {span} month(s), past the horizon"
    if (free[start:start + span] < job.gpus).any():
        return None, f"{job.gpus} GPUs are not free on-prem in every month it would run"
    return _spread(job.gpu_hours, per_month, start, months), "fits on the on-prem fleet"


def hybrid_monthly(profile: Sequence[float] | np.ndarray | None, jobs: Sequence[JobDemand],
                   months: int, server: OnPremServer, servers: int,
                   burst_usd_per_gpu_hour: float | None) -> MonthlyCosts:
    """On-prem base of ``servers`` plus whole-job cloud burst (None: nothing may burst)."""
    if servers < 0:
        raise EstimateError(f"must be >= 0, got {servers}", field="servers")
    base_load = _profile(profile, months)
    free = np.full(months, float(servers * server.gpus_per_server))
    onprem = np.zeros(months)
    cloud = np.zeros(months)
    placements = []
    for job in sorted(jobs, key=lambda j: (j.start_month, -j.gpus, j.name)):
        laid, why = _place(job, server, free, months)
        if laid is not None:
            free -= np.where(laid > 0, job.gpus, 0)
            onprem += laid
            site = "on-prem"
        else:
            laid = _spread(job.gpu_hours, job.gpus * HOURS_PER_MONTH, job.start_month - 1,
                           months, job.name)
            cloud += laid
            site = "cloud"
        placements.append(Placement(job.name, job.gpus, job.gpu_hours, site,
                                    tuple(int(m) + 1 for m in np.flatnonzero(laid)), why))
    room = free * HOURS_PER_MONTH * server.availability
    served = np.minimum(base_load, room)
    onprem += served
    cloud += base_load - served
    if burst_usd_per_gpu_hour is None and (cloud > 1e-9).any():
        raise EstimateError(f"{servers} on-prem servers cannot serve the demand without cloud "
                            "burst", field="servers")
    usd = _fixed_monthly(server, servers, months) + onprem * server.variable_usd_per_gpu_hour
    usd = usd + cloud * (burst_usd_per_gpu_hour or 0.0)
    return MonthlyCosts(usd, onprem, cloud, tuple(placements))


def _fixed_monthly(server: OnPremServer, servers: int, months: int) -> np.ndarray:
    opex = np.full(months, servers * server.opex_fixed_usd_per_year / 12.0)
    if server.capital_recovery == "purchase":
        opex[0] += servers * server.capital_usd
        return opex
    return opex + servers * server.capital_usd_per_year / 12.0


def servers_for_all(profile: Sequence[float] | np.ndarray | None, jobs: Sequence[JobDemand],
                    months: int, server: OnPremServer) -> int:
    """Fewest servers that serve every job whole and the base load, with no burst."""
    load = _profile(profile, months)
    per_server = server.gpus_per_server * HOURS_PER_MONTH * server.availability
    biggest = max((j.gpus for j in jobs), default=0)
    servers = max(math.ceil(biggest / server.gpus_per_server),
                  math.ceil(float(load.max(initial=0.0)) / per_server))
    limit = servers + sum(math.ceil(j.gpus / server.gpus_per_server) for j in jobs) + \
        math.ceil(float(load.sum()) / per_server) + 1
    while servers <= limit:
        if not hybrid_monthly(load, jobs, months, server, servers, 0.0).cloud_gpu_hours.any():
            return servers
        servers += 1
    raise EstimateError("no fleet size serves the demand on-prem within the horizon",
                        field="horizon_months")


def best_base(profile: Sequence[float] | np.ndarray | None, jobs: Sequence[JobDemand],
              months: int, server: OnPremServer, burst_usd_per_gpu_hour: float
              ) -> tuple[int, MonthlyCosts]:
    """The on-prem base size (0 .. all on-prem) with the lowest hybrid total."""
    best: tuple[int, MonthlyCosts] | None = None
    for servers in range(servers_for_all(profile, jobs, months, server) + 1):
        costs = hybrid_monthly(profile, jobs, months, server, servers, burst_usd_per_gpu_hour)
        if best is None or costs.total_usd < best[1].total_usd - 1e-9:
            best = (servers, costs)
    assert best is not None
    return best
