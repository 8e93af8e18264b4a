from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailab.core.errors import EstimateError, InputFileError
from ailab.costs.accelerators import get_accelerator
from ailab.costs.catalog import find_price
from ailab.costs.spot import bucket_rate
from ailab.costs.training import (
    Calibration,
    SpotPolicy,
    TrainingJob,
    calibrated_mfu,
    estimate_training,
    flops_per_token,
    gpu_hours,
    load_calibration,
    measured_mfu,
    min_gpus,
    resolve_mfu,
    scaling_efficiency,
    total_flops,
)

CAL = {"gpu": "H100-80GB", "gpus": 1, "params": 124475904, "seq_len": 1024, "layers": 12,
       "d_model": 768, "tokens_per_s": 310000.0}


def test_flops_by_hand() -> None:
    assert flops_per_token(TrainingJob(7e9, 1.0)) == 4.2e10
    assert total_flops(TrainingJob(7e9, 2e12)) == pytest.approx(8.4e22)
    # GPT-2 small: 6 * 124475904 + 12 * 12 * 768 * 1024 = 746855424 + 113246208
    gpt2 = TrainingJob(124475904, 1.0, layers=12, seq_len=1024, d_model=768)
    assert flops_per_token(gpt2) == 860_101_632
    # Without d_model, d = sqrt(N / 12L): N = 12 * 2 * 64^2 -> d = 64
    small = TrainingJob(98304, 1.0, layers=2, seq_len=10)
    assert flops_per_token(small) == 6 * 98304 + 12 * 2 * 64 * 10


def test_gpu_hours_memory_and_scaling_by_hand() -> None:
    h100 = get_accelerator("H100")
    assert gpu_hours(8.4e22, h100, 0.4) == pytest.approx(8.4e22 / (989e12 * 0.4) / 3600)
    # 7e9 * 16 B = 1.12e11 B over 0.8 * 80 GiB = 6.87e10 B per GPU -> 2; 70B -> 17
    assert min_gpus(7e9, 80) == 2
    assert min_gpus(70e9, 80) == 17
    assert min_gpus(1e6, 80) == 1
    assert float(scaling_efficiency(128, 0.97)) == pytest.approx(0.97**7)
    assert float(scaling_efficiency(1, 0.9)) == 1.0


def test_calibration_mfu_by_hand() -> None:
    cal = Calibration.model_validate(CAL)
    # 310000 tok/s * 860101632 FLOP/tok / 989e12 = 0.26960
    assert measured_mfu(cal) == pytest.approx(310000 * 860_101_632 / 989e12)
    # Same width: unchanged. 7B: d = (128 * 7e9 / 12)^(1/3) = 4211.3 -> e = 0.8916 vs 0.6
    same = TrainingJob(124475904, 1e9, layers=12, seq_len=1024, d_model=768)
    h100 = get_accelerator("h100")
    assert calibrated_mfu(cal, h100, same) == pytest.approx(measured_mfu(cal))
    d = (128 * 7e9 / 12) ** (1 / 3)
    expect = measured_mfu(cal) * (d / (d + 512)) / (768 / (768 + 512))
    assert calibrated_mfu(cal, h100, TrainingJob(7e9, 1e12)) == pytest.approx(expect)
    assert expect == pytest.approx(0.4006, abs=1e-3)


def test_mfu_resolution_errors() -> None:
    h100 = get_accelerator("H100")
    job = TrainingJob(7e9, 1e12)
    assert resolve_mfu(h100, job, None, None) == (0.40, "default for nvlink accelerators")
    with pytest.raises(EstimateError, match="either an MFU or a calibration"):
        resolve_mfu(h100, job, 0.4, Calibration.model_validate(CAL))
    with pytest.raises(EstimateError, match="mfu"):
        resolve_mfu(h100, job, 1.5, None)
    with pytest.raises(EstimateError, match="measured on H100"):
        calibrated_mfu(Calibration.model_validate(CAL), get_accelerator("A100-80GB"), job)


def test_calibration_file_errors(tmp_path: Path) -> None:
    good = tmp_path / "cal.json"
    good.write_text(json.dumps(CAL))
    assert load_calibration(good).tokens_per_s == 310000.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({k: v for k, v in CAL.items() if k != "d_model"}))
    with pytest.raises(InputFileError, match="d_model"):
        load_calibration(bad)
    bad.write_text(json.dumps({**CAL, "extra": 1}))
    with pytest.raises(InputFileError, match="extra"):
        load_calibration(bad)
    bad.write_text("{not json")
    with pytest.raises(InputFileError, match="not valid JSON"):
        load_calibration(bad)
    with pytest.raises(InputFileError, match="file"):
        load_calibration(tmp_path / "missing.json")


def test_estimate_plans_are_priced_and_sorted() -> None:
    result = estimate_training(TrainingJob(7e9, 2e12), "h100-80gb", 64)
    plans = result["plans"]
    assert isinstance(plans, list) and plans
    costs = [p["cost_usd"] for p in plans]
    assert costs == sorted(costs)
    assert all(not p["spot"] for p in plans)
    for p in plans:
        assert p["cost_usd"] == pytest.approx(p["hourly_usd"] * p["wall_hours"])
        assert p["gpus"] >= 64
    p5 = next(p for p in plans
              if p["instance_type"] == "p5.48xlarge" and p["region"] == "us-east-1")
    p5_hourly = find_price("aws", "p5.48xlarge", "us-east-1").price_usd_hr  # type: ignore
    assert p5["nodes"] == 8 and p5["hourly_usd"] == pytest.approx(8 * p5_hourly)
    # 8 nodes of 8: 0.97^3 scaling; wall = FLOPs / (64 * peak * mfu * eff)
    wall = 8.4e22 / (64 * 989e12 * 0.4 * 0.97**3) / 3600
    assert p5["wall_hours"] == pytest.approx(wall)
    assert result["gpu_hours"] == pytest.approx(wall * 64)


def test_spot_plans_cost_their_expected_time() -> None:
    spot = SpotPolicy(bucket_rate("5-10%"))
    result = estimate_training(TrainingJob(7e9, 2e11), "H100", 16, spot=spot, cloud="aws",
                               region="us-east-2")
    plans = {(p["instance_type"], p["spot"]): p for p in result["plans"]}
    od, sp = plans[("p5.48xlarge", False)], plans[("p5.48xlarge", True)]
    assert sp["wall_hours"] > od["wall_hours"]
    assert sp["hourly_usd"] < od["hourly_usd"]


def test_estimate_errors() -> None:
    with pytest.raises(EstimateError, match="need at least 17"):
        estimate_training(TrainingJob(70e9, 1e12), "H100", 8)
    with pytest.raises(EstimateError, match="offered in"):
        estimate_training(TrainingJob(7e9, 1e12), "H100", 8, cloud="aws", region="mars-1")
    with pytest.raises(EstimateError, match="params: must be a positive"):
        TrainingJob(-1.0, 1e12)


@settings(max_examples=25, deadline=None)
@given(tokens=st.floats(1e9, 1e13), factor=st.floats(1.01, 10.0))
def test_cost_grows_with_tokens(tokens: float, factor: float) -> None:
    def cheapest(t: float) -> float:
        plans = estimate_training(TrainingJob(1e9, t), "A100-80GB", 8, cloud="gcp")["plans"]
        assert isinstance(plans, list)
        return float(plans[0]["cost_usd"])

    assert cheapest(tokens * factor) > cheapest(tokens)
    assert math.isfinite(cheapest(tokens))
