"""Autoscaled inference: hand-computed autoscaler steps, costs and properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailab.core.errors import CatalogError, EstimateError, InputFileError
from ailab.costs.catalog import find_price, price
from ailab.costs.serve import autoscale, desired_replicas, fixed_peak_replicas
from ailab.costs.serve_estimate import estimate_serve
from ailab.costs.serve_scenario import (
    ServeScenario,
    load_serve_scenario,
    read_demand_csv,
    synthetic_demand,
)

G6 = price("aws", "g6.xlarge", "us-east-1")
G6_SPOT = G6.spot_usd_hr or 0.0
assert G6_SPOT > 0


def scenario(**kw: Any) -> ServeScenario:
    base: dict[str, Any] = {
        "cloud": "aws", "region": "us-east-1", "instance_type": "g6.xlarge",
        "replica": {"requests_per_s": 4}, "demand": {"step_minutes": 60,
                                                    "requests_per_s": [10.0]},
        "autoscaling": {"target_utilization": 0.5, "min_replicas": 1, "max_replicas": 20,
                        "scale_up_delay_s": 0, "scale_down_delay_s": 0, "cold_start_s": 0},
    }
    if "policy" in kw:  # the old spelling of autoscaling
        base.pop("autoscaling")
    base.update(kw)
    return ServeScenario.model_validate(base)


def by_name(est: Any) -> dict[str, Any]:
    return {p.name: p for p in est.policies}


def test_fixed_peak_hand_computed() -> None:
    sc = scenario()
    demand = np.array([2.0, 10.0, 6.0])
    # 10 rps / (4 rps * 0.5) = 5 replicas for 3 hours
    assert fixed_peak_replicas(demand, sc) == 5
    res = by_name(estimate_serve(sc, demand))
    assert res["fixed-peak"].replica_hours == 15
    assert res["fixed-peak"].cost_usd == pytest.approx(15 * G6.price_usd_hr)
    # autoscaled with no delays follows 1, 5, 3
    assert list(res["autoscaled"].replicas) == [1, 5, 3]
    assert res["autoscaled"].cost_usd == pytest.approx(9 * G6.price_usd_hr)
    assert res["autoscaled"].overload_minutes == 0


def test_min_max_clamp() -> None:
    sc = scenario(autoscaling={"target_utilization": 1.0, "min_replicas": 2, "max_replicas": 3,
                               "scale_up_delay_s": 0, "scale_down_delay_s": 0,
                               "cold_start_s": 0})
    assert list(desired_replicas(np.array([0.0, 4.0, 40.0]), sc)) == [2, 2, 3]
    res = by_name(estimate_serve(sc, np.array([0.0, 4.0, 40.0])))
    # capped at 3 replicas = 12 rps while 40 rps arrive for one hour
    assert res["autoscaled"].overload_minutes == 60
    assert res["fixed-peak"].overload_minutes == 0


def test_scale_up_delay() -> None:
    desired = np.array([1, 3, 3, 3, 3])
    billed, ready = autoscale(desired, 60, up_delay_s=120, down_delay_s=0, cold_start_s=0)
    # the gap opens at step 1 and has lasted 120 s at step 3
    assert list(billed) == [1, 1, 1, 3, 3]
    assert list(ready) == [1, 1, 1, 3, 3]


def test_scale_down_delay_and_reset() -> None:
    desired = np.array([4, 1, 1, 4, 1, 1, 1, 1])
    billed, _ = autoscale(desired, 60, up_delay_s=0, down_delay_s=180, cold_start_s=0)
    # the first dip (2 steps) is shorter than the delay; the second lasts 3 steps
    assert list(billed) == [4, 4, 4, 4, 4, 4, 4, 1]


def test_cold_start_delays_capacity_not_billing() -> None:
    desired = np.array([1, 3, 3, 3, 3])
    billed, ready = autoscale(desired, 60, up_delay_s=0, down_delay_s=0, cold_start_s=120)
    assert list(billed) == [1, 3, 3, 3, 3]
    assert list(ready) == [1, 1, 1, 3, 3]


def test_scale_down_drops_booting_replicas_first() -> None:
    desired = np.array([2, 4, 3, 3, 3])
    billed, ready = autoscale(desired, 60, up_delay_s=0, down_delay_s=0, cold_start_s=180)
    assert list(billed) == [2, 4, 3, 3, 3]
    assert list(ready) == [2, 2, 2, 2, 3]


def test_overload_minutes_during_cold_start() -> None:
    sc = scenario(demand={"step_minutes": 5, "requests_per_s": [2.0, 10.0, 10.0, 10.0]},
                  policy={"target_utilization": 0.5, "min_replicas": 1, "max_replicas": 20,
                          "scale_up_delay_s": 0, "scale_down_delay_s": 0,
                          "cold_start_s": 600})
    res = by_name(estimate_serve(sc, np.array(sc.demand.requests_per_s or [])))
    # 1 ready replica (4 rps) until the 4 new ones are ready two steps later: 10 minutes
    assert res["autoscaled"].overload_minutes == 10


def test_spot_split_and_cost() -> None:
    sc = scenario(spot={"share": 0.5, "base_ondemand_replicas": 1,
                        "preemptions_per_replica_hour": 0.0})
    demand = np.array([16.0, 16.0])  # 8 replicas each hour
    res = by_name(estimate_serve(sc, demand))["autoscaled-spot"]
    assert (res.ondemand_hours, res.spot_hours) == (8, 8)
    assert res.cost_usd == pytest.approx(8 * G6.price_usd_hr + 8 * G6_SPOT)
    assert res.overload_minutes == 0


def test_spot_base_ondemand_floor() -> None:
    sc = scenario(spot={"share": 1.0, "base_ondemand_replicas": 2,
                        "preemptions_per_replica_hour": 0.0})
    res = by_name(estimate_serve(sc, np.array([4.0])))["autoscaled-spot"]  # 2 replicas
    assert (res.ondemand_hours, res.spot_hours) == (2, 0)


def test_spot_unavailable_with_and_without_fallback() -> None:
    spot = {"share": 1.0, "base_ondemand_replicas": 0, "preemptions_per_replica_hour": 0.0,
            "unavailable_fraction": 0.25}
    demand = np.array([8.0])  # 4 replicas at 2 rps each
    with_fb = by_name(estimate_serve(scenario(spot=spot), demand))["autoscaled-spot"]
    assert (with_fb.ondemand_hours, with_fb.spot_hours) == (1, 3)
    assert with_fb.overload_minutes == 0
    no_fb = by_name(estimate_serve(scenario(spot={**spot, "dynamic_ondemand_fallback": False}),
                                   demand))["autoscaled-spot"]
    assert (no_fb.ondemand_hours, no_fb.spot_hours) == (0, 3)
    assert no_fb.capacity_rps[0] == pytest.approx(12.0)  # 3 replicas x 4 rps >= 8: no overload
    assert no_fb.overload_minutes == 0


def test_preemption_reduces_serving_capacity() -> None:
    sc = scenario(spot={"share": 1.0, "base_ondemand_replicas": 0,
                        "preemptions_per_replica_hour": 1.0},
                  policy={"target_utilization": 1.0, "min_replicas": 1, "max_replicas": 20,
                          "scale_up_delay_s": 0, "scale_down_delay_s": 0,
                          "cold_start_s": 3600})
    res = by_name(estimate_serve(sc, np.array([8.0])))["autoscaled-spot"]
    # 2 spot replicas, each serving 1 / (1 + 1 * 1) of the time: 4 rps < 8 rps
    assert res.capacity_rps[0] == pytest.approx(4.0)
    assert res.overload_minutes == 60


def test_no_spot_market_is_a_clear_error() -> None:
    sc = scenario(region="us-east-1", instance_type="p5.4xlarge", spot={"share": 0.5})
    assert find_price("aws", "p5.4xlarge", "us-east-1").spot_usd_hr is None  # type: ignore
    with pytest.raises(EstimateError, match="no spot market"):
        estimate_serve(sc, np.array([1.0]))
    res = estimate_serve(scenario(region="us-east-1", instance_type="p5.4xlarge"),
                         np.array([1.0]))
    assert [p.name for p in res.policies] == ["fixed-peak", "autoscaled"]


def test_accelerator_picks_cheapest_instance() -> None:
    sc = scenario(instance_type=None, accelerator="L4")
    est = estimate_serve(sc, np.array([1.0]))
    assert est.row.instance_type == "g6.xlarge"  # cheapest 1x L4 in us-east-1
    with pytest.raises(CatalogError, match="no aws instance with 1x B999"):
        estimate_serve(scenario(instance_type=None, accelerator="B999"), np.array([1.0]))


def test_unknown_instance_lists_regions() -> None:
    with pytest.raises(CatalogError, match="offered in"):
        estimate_serve(scenario(region="mars-1"), np.array([1.0]))


def test_synthetic_diurnal_shape() -> None:
    syn = ServeScenario.model_validate({
        "cloud": "aws", "region": "us-east-1", "instance_type": "g6.xlarge",
        "replica": {"requests_per_s": 1},
        "demand": {"step_minutes": 60, "synthetic": {"shape": "diurnal", "peak_rps": 100,
                                                     "trough_rps": 10, "days": 7,
                                                     "peak_hour": 14.5,
                                                     "weekend_factor": 0.5}}})
    assert syn.demand.synthetic is not None
    d = synthetic_demand(syn.demand.synthetic, 60)
    assert len(d) == 168
    assert d[14] == pytest.approx(100) and d[2] == pytest.approx(10)
    assert d[5 * 24 + 14] == pytest.approx(50)  # Saturday at half


def test_csv_demand(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("minute,requests_per_s\n0,1.5\n5,2\n")
    assert list(read_demand_csv(path)) == [1.5, 2.0]
    path.write_text("minute,requests_per_s\n0,1.5\n5,lots\n")
    with pytest.raises(InputFileError, match="line 3: requests_per_s"):
        read_demand_csv(path)
    path.write_text("minute,rps\n0,1\n")
    with pytest.raises(InputFileError, match="column missing"):
        read_demand_csv(path)


def test_scenario_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("cloud: aws\nregion: us-east-1\ninstance_type: g6.xlarge\n"
                    "replica: {requests_per_s: 1}\n"
                    "demand: {synthetic: {shape: sawtooth, peak_rps: 3}}\n")
    with pytest.raises(InputFileError, match=r"demand\.synthetic\.shape: .*'diurnal'"):
        load_serve_scenario(path)
    path.write_text("cloud: aws\nregion: us-east-1\ninstance_type: g6.xlarge\n"
                    "replica: {requests_per_s: 1}\ndemand: {requests_per_s: [1]}\n"
                    "policy: {min_replicas: 5, max_replicas: 2}\n")
    with pytest.raises(InputFileError, match="policy: min_replicas must not exceed"):
        load_serve_scenario(path)


def test_policy_is_the_old_name_of_autoscaling(tmp_path: Path) -> None:
    old = scenario(policy={"min_replicas": 3, "max_replicas": 5})
    new = scenario(autoscaling={"min_replicas": 3, "max_replicas": 5})
    assert old.autoscaling == new.autoscaling and new.autoscaling.min_replicas == 3
    assert scenario(autoscaling=None).autoscaling.max_replicas == 10  # defaults
    path = tmp_path / "s.yaml"
    path.write_text("cloud: aws\nregion: us-east-1\ninstance_type: g6.xlarge\n"
                    "replica: {requests_per_s: 1}\ndemand: {requests_per_s: [1]}\n"
                    "policy: {min_replicas: 1}\nautoscaling: {min_replicas: 2}\n")
    with pytest.raises(InputFileError, match="policy is the old name of autoscaling"):
        load_serve_scenario(path)


def test_replica_needs_one_throughput_source() -> None:
    with pytest.raises(ValueError, match="give requests_per_s, tokens_per_s"):
        scenario(replica={"precision": "fp8"})
    with pytest.raises(ValueError, match="not both"):
        scenario(replica={"requests_per_s": 2, "variant": "vllm", "model_class": "llm-8b"})
    sized = estimate_serve(scenario(replica={"variant": "tensorrt-llm",
                                             "model_class": "llm-8b"}), np.array([1.0]))
    assert sized.sizing is not None and sized.sizing.source == "table"
    assert sized.sizing.requests_per_s == pytest.approx(0.89)  # MLPerf v3.1 Server, L4


@settings(max_examples=60, deadline=None)
@given(
    demand=st.lists(st.floats(0, 500, allow_nan=False), min_size=1, max_size=200),
    cap=st.floats(0.5, 50),
    util=st.floats(0.1, 1.0),
    min_r=st.integers(0, 4),
    extra=st.integers(0, 40),
    cold=st.sampled_from([0, 60, 600, 3600]),
)
def test_autoscaled_never_dearer_than_peak_without_delays(
        demand: list[float], cap: float, util: float, min_r: int, extra: int,
        cold: int) -> None:
    sc = scenario(replica={"requests_per_s": cap},
                  demand={"step_minutes": 5, "requests_per_s": demand},
                  autoscaling={"target_utilization": util, "min_replicas": min_r,
                               "max_replicas": max(1, min_r + extra), "scale_up_delay_s": 0,
                               "scale_down_delay_s": 0, "cold_start_s": cold})
    res = by_name(estimate_serve(sc, np.array(demand)))
    assert res["autoscaled"].cost_usd <= res["fixed-peak"].cost_usd + 1e-9


@pytest.mark.parametrize("util", [1e-308, 0.001])
def test_a_vanishing_target_utilization_is_refused_by_name(util: float, tmp_path: Path) -> None:
    """Found by the hostile-input tests: 1e-308 made the replica count infinite."""
    path = tmp_path / "serve.yaml"
    path.write_text(f"cloud: aws\nregion: us-east-1\ninstance_type: g6.xlarge\n"
                    f"replica: {{requests_per_s: 4}}\n"
                    f"demand: {{step_minutes: 60, requests_per_s: [10.0]}}\n"
                    f"autoscaling: {{target_utilization: {util}}}\n")
    with pytest.raises(InputFileError, match=r"autoscaling\.target_utilization"):
        load_serve_scenario(path)
