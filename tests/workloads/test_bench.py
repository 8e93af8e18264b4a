"""The benchmark: hand-written gradients, a few real CPU steps, results and calibration files
accepted by `ailab estimate train`, and the report's prices and chart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ailab.cli import app
from ailab.workloads.bench import __main__ as bench_main
from ailab.workloads.bench import hardware
from ailab.workloads.bench import numpy_models as npm
from ailab.workloads.bench.results import load_results

runner = CliRunner()


def _grad_check(loss_grads, params, rng, eps=1e-5):  # type: ignore[no-untyped-def]
    params = {k: v.astype(np.float64) for k, v in params.items()}
    for k in params:
        params[k] += rng.standard_normal(params[k].shape) * 0.3
    _, grads = loss_grads(params)
    for key in params:
        idx = tuple(int(rng.integers(0, s)) for s in params[key].shape)
        old = params[key][idx]
        params[key][idx] = old + eps
        up, _ = loss_grads(params)
        params[key][idx] = old - eps
        down, _ = loss_grads(params)
        params[key][idx] = old
        assert (up - down) / (2 * eps) == pytest.approx(float(grads[key][idx]), rel=1e-3,
                                                        abs=1e-6), key


def test_gpt_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    cfg = npm.GptConfig(vocab=11, seq_len=5, d_model=8, heads=2, layers=2)
    tok, tgt = rng.integers(0, 11, (3, 5)), rng.integers(0, 11, (3, 5))
    _grad_check(lambda p: npm.gpt_loss_grads(p, tok, tgt, cfg), npm.gpt_init(cfg, rng), rng)
    assert npm.gpt_params(cfg) == sum(v.size for v in npm.gpt_init(cfg, rng).values())


def test_cnn_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(1)
    cfg = npm.CnnConfig(c1=2, c2=3, size=8, classes=4)
    x, y = rng.standard_normal((2, 1, 8, 8)), rng.integers(0, 4, 2)
    _grad_check(lambda p: npm.cnn_loss_grads(p, x, y), npm.cnn_init(cfg, rng), rng)


@pytest.mark.parametrize(("device", "expected"), [
    ("NVIDIA H100 80GB HBM3", "H100"), ("NVIDIA A100-SXM4-80GB", "A100-80GB"),
    ("NVIDIA A10G", "A10G"), ("NVIDIA L4", "L4"), ("NVIDIA L40S", "L40S"),
    ("Tesla T4", "T4"), ("AMD EPYC 7R13", None)])
def test_device_names_map_to_accelerators(device: str, expected: str | None) -> None:
    assert hardware.accelerator_for(device) == expected


def _run(out: Path, *extra: str) -> Path:
    assert bench_main.main(["--backend", "numpy", "--out", str(out), "--cnn-steps", "3",
                            "--gpt-steps", "3", "--warmup-steps", "1", *extra]) == 0
    (path,) = out.glob("*.results.json")
    return path


def test_cpu_run_writes_valid_results_without_calibration(tmp_path: Path) -> None:
    res = load_results(_run(tmp_path, "--tag", "cpu"))
    assert res.hardware.kind == "cpu" and res.software.backend == "numpy"
    assert res.calibration is None and not list(tmp_path.glob("*.calibration.json"))
    for m in (res.cnn, res.gpt):
        assert m.time_per_epoch_s > 0 and np.isfinite(m.loss_last) and m.mfu is None
    gpt = res.gpt
    assert gpt.tokens_per_s == pytest.approx(gpt.batch_size * gpt.seq_len / gpt.step_time_s)
    assert gpt.achieved_flops == pytest.approx(
        gpt.tokens_per_s * npm.gpt_flops_per_token(npm.GptConfig()))


def test_training_reduces_the_loss(tmp_path: Path) -> None:
    res = load_results(_run(tmp_path, "--gpt-steps", "30", "--cnn-steps", "30"))
    assert res.gpt.loss_last < res.gpt.loss_first - 0.3
    assert res.cnn.loss_last < res.cnn.loss_first


@pytest.fixture
def as_a10g(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same NumPy run, reported as if the host were a g5 GPU machine (name detection)."""
    hw = hardware.cpu_hardware() | {"kind": "gpu", "name": "NVIDIA A10G",
                                    "accelerator": hardware.accelerator_for("NVIDIA A10G")}
    monkeypatch.setattr(hardware, "cpu_hardware", lambda: dict(hw))


def test_calibration_file_is_accepted_by_estimate_train(tmp_path: Path, as_a10g: None) -> None:
    res = load_results(_run(tmp_path, "--tag", "gpu"))
    cal_path = tmp_path / str(res.calibration)
    cal = json.loads(cal_path.read_text())
    assert set(cal) == {"gpu", "gpus", "params", "seq_len", "layers", "d_model", "tokens_per_s"}
    assert cal["gpu"] == "A10G" and cal["tokens_per_s"] == res.gpt.tokens_per_s
    assert res.gpt.mfu == pytest.approx(res.gpt.achieved_flops / 70e12)
    out = runner.invoke(app, ["estimate", "train", "--params", "1.2e8", "--tokens", "1e9",
                              "--gpu", "A10G", "--gpus", "1", "--calibration", str(cal_path),
                              "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["mfu_source"] == "calibration"


def test_report_prices_results_and_draws_chart(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cpu = _run(tmp_path / "cpu", "--tag", "cpu")
    hw = hardware.cpu_hardware() | {"kind": "gpu", "name": "NVIDIA A10G", "accelerator": "A10G"}
    monkeypatch.setattr(hardware, "cpu_hardware", lambda: dict(hw))
    gpu = _run(tmp_path / "gpu", "--tag", "gpu", "--instance-type", "g5.xlarge")
    chart = tmp_path / "chart.png"
    out = runner.invoke(app, ["bench", "report", str(cpu), str(gpu), "--chart", str(chart),
                              "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["rows"]
    assert {r["instance_type"] for r in rows} == {"m7i.2xlarge", "g5.xlarge"}
    from ailab.costs.catalog import find_price

    for r in rows:
        price = find_price("aws", r["instance_type"], "us-east-1")
        assert price is not None
        assert r["cost_per_epoch_usd"] == pytest.approx(
            price.price_usd_hr * r["time_per_epoch_s"] / 3600)
    assert max(r["speedup"] for r in rows if r["model"] == "cnn") >= 1.0
    assert chart.stat().st_size > 10_000 and chart.read_bytes()[:4] == b"\x89PNG"


def test_report_rejects_a_broken_results_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.results.json"
    bad.write_text(json.dumps({"schema": "ailab-bench/1", "created": "x"}))
    out = runner.invoke(app, ["bench", "report", str(bad)])
    assert out.exit_code != 0
    assert "bad.results.json: hardware: Field required" in str(out.exception)
