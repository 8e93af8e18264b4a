from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[[list[str]], tuple[int, str, str]]


CAL = {"gpu": "H100-80GB", "gpus": 1, "params": 124475904, "seq_len": 1024, "layers": 12,
       "d_model": 768, "tokens_per_s": 310000.0}
BASE = ["estimate", "train", "--params", "7e9", "--tokens", "2e12"]


def test_json_contract(cli: Cli) -> None:
    code, out, _ = cli([*BASE, "--gpu", "A100-80GB", "--gpus", "1024", "--mfu", "0.4",
                        "--spot", "--cloud", "aws", "--json"])
    assert code == 0
    data = json.loads(out)
    for key in ("total_flops", "gpu_hours", "wall_hours", "mfu", "plans"):
        assert key in data
    assert data["mfu"] == 0.4 and data["total_flops"] == pytest.approx(8.4e22)
    keys = {"cloud", "region", "instance_type", "nodes", "spot", "hourly_usd", "wall_hours",
            "cost_usd"}
    assert data["plans"] and all(keys <= set(p) for p in data["plans"])
    assert {p["cloud"] for p in data["plans"]} == {"aws"}
    assert {p["spot"] for p in data["plans"]} == {True, False}
    costs = [p["cost_usd"] for p in data["plans"]]
    assert costs == sorted(costs)
    assert data["gpu_hours_p10"] < data["gpu_hours"] < data["gpu_hours_p90"]
    assert data["dominant_assumption"] and "fabric" in data["plans"][0]
    assert all(p["fabric"] == "EFA" for p in data["plans"] if p["nodes"] > 1)


def test_mixture_of_experts_and_precision_flags(cli: Cli) -> None:
    code, out, _ = cli(["estimate", "train", "--params", "671e9", "--active-params", "37e9",
                        "--tokens", "14.8e12", "--gpu", "H100", "--gpus", "2048",
                        "--precision", "fp8", "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["total_flops"] == pytest.approx(6 * 37e9 * 14.8e12)
    assert data["mfu_terms"]["moe"] < 1 < data["mfu_terms"]["precision"]


def test_calibration_flag(tmp_path: Path, cli: Cli) -> None:
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps(CAL))
    code, out, _ = cli([*BASE, "--gpu", "h100", "--gpus", "64", "--calibration", str(cal),
                        "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["mfu_source"] == "calibration" and data["mfu"] == pytest.approx(0.3165, abs=2e-3)


def test_table_output(cli: Cli) -> None:
    code, out, _ = cli([*BASE, "--gpu", "H100", "--gpus", "16", "--top", "3"])
    assert code == 0
    assert "GPU-hours" in out and "Cheapest 3 of" in out and "cost USD" in out
    assert "P10-P90" in out and "GPUs/node" in out and "fabric" in out and "dominated by" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--gpu", "Z100", "--gpus", "8"], "unknown accelerator 'Z100'; known: A100-40GB"),
     (["--gpu", "H100", "--gpus", "8", "--cloud", "azure"], "--cloud: unknown cloud 'azure'"),
     (["--gpu", "H100", "--gpus", "8", "--mfu", "0"], "--mfu: must be in (0, 1]"),
     (["--gpu", "H100", "--gpus", "0"], "--gpus: must be >= 1"),
     (["--gpu", "H100", "--gpus", "8", "--spot", "--interruption-bucket", "50%"],
      "--interruption-bucket: unknown bucket"),
     (["--gpu", "H100", "--gpus", "8", "--region", "nowhere-1"], "not offered in 'nowhere-1'"),
     (["--gpu", "H100", "--gpus", "8", "--precision", "int4"], "--precision: unknown precision"),
     (["--gpu", "H100", "--gpus", "8", "--active-params", "8e9"], "--active-params: must be"),
     (["--gpu", "H100", "--gpus", "64", "--cloud", "lambda"], "--gpus: no instance type")],
)
def test_flag_errors_are_one_line(extra: list[str], message: str, cli: Cli) -> None:
    code, out, err = cli([*BASE, *extra])
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err.splitlines()[0]
    assert "Traceback" not in err


def test_bad_calibration_file(tmp_path: Path, cli: Cli) -> None:
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({**CAL, "tokens_per_s": -1}))
    code, _, err = cli([*BASE, "--gpu", "H100", "--gpus", "8", "--calibration", str(cal)])
    assert code == 2 and "tokens_per_s" in err.splitlines()[0]
