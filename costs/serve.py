"""Inference serving: replicas over time and what they cost, beside serverless.

Three replica options over the same demand series, each replica serving the
requests/s of ``costs.serve_sizing`` (a stated figure, a measured run or the
sourced throughput table):

- ``fixed-peak``: enough on-demand replicas for the peak at the target load, all day.
- ``autoscaled``: a SkyServe-style request-rate autoscaler. Each step the desired
  count is ``ceil(demand / (capacity * target_utilization))`` within min/max; the
  target follows it once the gap has lasted the scale-up (or scale-down) delay.
  New replicas are billed from launch and serve after the cold start; scaling
  down removes still-booting replicas first.
- ``autoscaled-spot``: the same replica trajectory, ``spot.share`` of it on spot
  (keeping ``base_ondemand_replicas`` on demand). A share of spot capacity can be
  unobtainable (``unavailable_fraction``): with dynamic on-demand fallback those
  replicas run on demand, otherwise they are missing. Preempted spot replicas
  serve nothing while a replacement boots: with rate ``r`` per hour and cold
  start ``c`` hours a spot slot is serving ``1 / (1 + r c)`` of the time.

The scenario's ``autoscaling`` block (formerly ``policy``) drives the
autoscaler. Overload minutes are the steps where demand exceeded the serving
capacity (replicas ready, at full per-replica capacity). Prices come from the
shared catalog (``costs.catalog.find_price``) with their source and date.
``costs.serve_estimate`` puts it together: the sizing, these options, the
serverless platforms of the scenario's cloud (``costs.serverless``), the
break-even demand and a recommendation (``costs.serve_breakeven``).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from ailab.core.errors import CatalogError, EstimateError
from ailab.costs.catalog import PriceRow, find_price, load_prices, regions_for
from ailab.costs.serve_scenario import ServeScenario


@dataclass
class ReplicaOption:
    """One way to provision replicas (fixed peak, autoscaled, autoscaled with spot)."""

    name: str
    replicas: np.ndarray  # replicas billed per step
    capacity_rps: np.ndarray  # requests/s the ready replicas can serve per step
    ondemand_hours: float
    spot_hours: float
    cost_usd: float
    overload_minutes: float

    @property
    def replica_hours(self) -> float:
        return self.ondemand_hours + self.spot_hours


def replica_price(sc: ServeScenario) -> PriceRow:
    """The catalog row for the replica: named instance type, or cheapest with the GPU."""
    if sc.instance_type is not None:
        row = find_price(sc.cloud, sc.instance_type, sc.region)
        if row is None:
            offered = ", ".join(regions_for(sc.cloud, sc.instance_type)) or "nowhere"
            raise CatalogError(f"{sc.cloud} {sc.instance_type} has no price in {sc.region}; "
                               f"offered in: {offered}")
        return row
    frame = load_prices()
    hits = frame[(frame["cloud"] == sc.cloud) & (frame["region"] == sc.region)
                 & (frame["accelerator"] == sc.accelerator)
                 & (frame["accelerator_count"] == sc.accelerator_count)]
    if hits.empty:
        raise CatalogError(f"no {sc.cloud} instance with {sc.accelerator_count:g}x "
                           f"{sc.accelerator} in {sc.region}",
                           hint="name an instance_type, or see `ailab catalog show`")
    best = hits.sort_values(["price_usd_hr", "instance_type"]).iloc[0]
    row = find_price(sc.cloud, str(best["instance_type"]), sc.region)
    assert row is not None
    return row


def _capacity(sc: ServeScenario, cap: float | None) -> float:
    """The per-replica requests/s: the sized figure, else the one the scenario states."""
    value = cap if cap is not None else sc.replica.given_rps
    if value is None:
        raise EstimateError("no per-replica throughput; size the replica first "
                            "(costs.serve_sizing.replica_sizing)", field="replica")
    return value


def desired_replicas(demand: np.ndarray, sc: ServeScenario,
                     cap: float | None = None) -> np.ndarray:
    """Replicas needed per step at the target load, within min/max."""
    auto = sc.autoscaling
    per = _capacity(sc, cap) * auto.target_utilization
    need = np.ceil(demand / per - 1e-9).astype(np.int64)
    return np.clip(need, auto.min_replicas, auto.max_replicas)


def fixed_peak_replicas(demand: np.ndarray, sc: ServeScenario, cap: float | None = None) -> int:
    """Peak provisioning: enough replicas for the highest step, never fewer than min."""
    per = _capacity(sc, cap) * sc.autoscaling.target_utilization
    return max(sc.autoscaling.min_replicas, math.ceil(float(demand.max()) / per - 1e-9))


def autoscale(desired: np.ndarray, step_s: float, up_delay_s: float, down_delay_s: float,
              cold_start_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Billed and ready replicas per step under delayed scaling and cold starts."""
    steps = len(desired)
    billed = np.empty(steps, dtype=np.int64)
    ready_out = np.empty(steps, dtype=np.int64)
    cold_steps = math.ceil(cold_start_s / step_s - 1e-9)
    target = ready = int(desired[0])  # the service starts warm at its first desired size
    pending: deque[int] = deque()  # step at which each booting replica becomes ready
    gap_since, gap_up = -1, False  # when the current desired-vs-target gap opened
    for t, want in enumerate(desired.tolist()):
        if want == target:
            gap_since = -1
        else:
            up = want > target
            if gap_since < 0 or up != gap_up:
                gap_since, gap_up = t, up
            delay = up_delay_s if up else down_delay_s
            if (t - gap_since) * step_s >= delay - 1e-9:
                if up:
                    pending.extend([t + cold_steps] * (want - target))
                else:
                    drop = target - want
                    while drop and pending:
                        pending.pop()
                        drop -= 1
                    ready -= drop
                target, gap_since = want, -1
        while pending and pending[0] <= t:
            pending.popleft()
            ready += 1
        billed[t], ready_out[t] = target, ready
    return billed, ready_out


def _overload_minutes(demand: np.ndarray, capacity: np.ndarray, step_minutes: float) -> float:
    return float(np.count_nonzero(demand > capacity * (1 + 1e-9)) * step_minutes)


def replica_options(sc: ServeScenario, row: PriceRow, cap: float,
                    demand: np.ndarray) -> list[ReplicaOption]:
    """Fixed-peak, autoscaled and (if spot.share > 0) autoscaled-with-spot."""
    if sc.spot.share > 0 and row.spot_usd_hr is None:
        raise EstimateError(
            f"spot.share is {sc.spot.share:g} but {row.instance_type} has no spot market in "
            f"{row.region}", hint="set spot.share: 0 or pick an instance type with spot prices")
    step_min, auto = sc.demand.step_minutes, sc.autoscaling
    peak = np.full(len(demand), fixed_peak_replicas(demand, sc, cap), dtype=np.int64)
    results = [_on_demand("fixed-peak", peak, peak, demand, row, cap, step_min)]
    billed, ready = autoscale(desired_replicas(demand, sc, cap), step_min * 60,
                              auto.scale_up_delay_s, auto.scale_down_delay_s, auto.cold_start_s)
    results.append(_on_demand("autoscaled", billed, ready, demand, row, cap, step_min))
    if sc.spot.share > 0:
        results.append(_with_spot(sc, row, cap, demand, billed, ready, step_min / 60.0))
    return results


def _on_demand(name: str, billed: np.ndarray, ready: np.ndarray, demand: np.ndarray,
               row: PriceRow, cap: float, step_min: float) -> ReplicaOption:
    hours = float(billed.sum()) * step_min / 60.0
    capacity = ready * cap
    return ReplicaOption(name, billed, capacity, hours, 0.0, hours * row.price_usd_hr,
                         _overload_minutes(demand, capacity, step_min))


def _with_spot(sc: ServeScenario, row: PriceRow, cap: float, demand: np.ndarray,
               billed: np.ndarray, ready: np.ndarray, step_h: float) -> ReplicaOption:
    spot_cfg = sc.spot
    assert row.spot_usd_hr is not None
    spot = np.minimum(np.maximum(billed - spot_cfg.base_ondemand_replicas, 0),
                      np.floor(billed * spot_cfg.share + 0.5)).astype(float)
    ondemand = billed - spot
    q = spot_cfg.unavailable_fraction
    fallback = spot_cfg.dynamic_ondemand_fallback
    cold_h = sc.autoscaling.cold_start_s / 3600
    serving = 1.0 / (1.0 + spot_cfg.preemptions_per_replica_hour * cold_h)
    spot_running = spot * (1 - q)
    fallback_od = spot * q if fallback else np.zeros_like(spot)
    od_hours = float((ondemand + fallback_od).sum()) * step_h
    spot_hours = float(spot_running.sum()) * step_h
    cost = od_hours * row.price_usd_hr + spot_hours * row.spot_usd_hr
    share_ready = np.divide(ready, billed, out=np.zeros(len(billed)), where=billed > 0)
    effective = ondemand + fallback_od + spot_running * serving
    capacity = share_ready * effective * cap
    return ReplicaOption("autoscaled-spot", billed, capacity, od_hours, spot_hours, cost,
                             _overload_minutes(demand, capacity, step_h * 60))
