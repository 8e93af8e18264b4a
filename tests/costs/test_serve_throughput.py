"""Replica sizing from the sourced throughput table and from load-test calibrations.

Expected figures are the published numbers of the rows (serving_throughput
research notes: TensorRT-LLM perf-overview, MLPerf v3.1, NVIDIA
DeepLearningExamples), divided by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ailab.core.errors import EstimateError, InputFileError
from ailab.costs.accelerators import accelerators
from ailab.costs.catalog import load_prices
from ailab.costs.serve import replica_price
from ailab.costs.serve_calibration import calibrated_sizing, load_serve_calibration
from ailab.costs.serve_scenario import ServeScenario
from ailab.costs.serve_sizing import l4_capacity, replica_sizing
from ailab.costs.serve_throughput import (
    UNITS,
    VARIANT_RUNTIMES,
    Lookup,
    load_table,
    runtime_for,
    size_from_table,
)

NOT_IN_CATALOG = {"A100-80GB-PCIe", "A100-unspecified", "A40"}


def test_every_row_is_well_formed_and_sourced() -> None:
    rows = load_table()
    catalog = set(load_prices()["accelerator"]) | set(accelerators())
    assert len(rows) > 80
    for r in rows:
        assert r.unit in UNITS and r.mode in ("offline", "online") and r.scope in (
            "replica", "per_gpu")
        assert r.value > 0 and r.accelerator_count >= 1 and r.source and r.as_of
        assert r.accelerator in catalog | NOT_IN_CATALOG, r
        assert r.mode == "offline" or r.concurrency or r.latency_ms, r


def test_offline_only_rows_are_refused_unless_allowed() -> None:
    q = Lookup("tensorrt-llm", "llm-8b", "H100", 1, precision="fp8", shape="1000/1000")
    with pytest.raises(EstimateError) as err:
        size_from_table(q)
    assert err.value.field == "replica.allow_offline" and "offline" in err.value.problem
    s = size_from_table(Lookup(**{**q.__dict__, "allow_offline": True}))
    # TRT-LLM 1.0 (PyTorch backend) 15,220 out tok/s beats v0.14's 14,108; OSL 1000
    assert s.requests_per_s == pytest.approx(15220 / 1000)
    assert s.row is not None and s.row.runtime_version == "1.0" and s.warnings


def test_ambiguous_precision_lists_the_choices() -> None:
    with pytest.raises(EstimateError, match="fp16, fp8") as err:
        size_from_table(Lookup("tensorrt-llm", "llm-8b", "H100", 1, allow_offline=True))
    assert err.value.field == "replica.precision"


def test_per_gpu_figures_count_every_gpu() -> None:
    s = size_from_table(Lookup("tensorrt-llm", "llm-70b", "H100", 2, precision="fp8",
                               shape="128/128", allow_offline=True))
    # TRT-LLM 0.9: 3,214 tok/s per GPU x 2 GPUs = 6,428 > 6,378 (1.0) > 5,195 (0.14)
    assert s.requests_per_s == pytest.approx(3214 * 2 / 128)
    assert s.row is not None and s.row.scope == "per_gpu"


def test_online_rows_by_concurrency_and_latency() -> None:
    base = Lookup("vllm", "llm-8b", "H100", 1, output_tokens=200)
    assert size_from_table(base).requests_per_s == pytest.approx(1384 / 200)  # best online
    tight = Lookup(**{**base.__dict__, "max_latency_ms": 30})  # TTFT p50 14 and 23 ms
    assert size_from_table(tight).requests_per_s == pytest.approx(580 / 200)
    c64 = Lookup(**{**base.__dict__, "concurrency": 64})
    assert size_from_table(c64).requests_per_s == pytest.approx(1312 / 200)
    with pytest.raises(EstimateError, match="1, 4, 16, 64"):
        size_from_table(Lookup(**{**base.__dict__, "concurrency": 8}))
    with pytest.raises(EstimateError) as err:  # short-chat rows do not fix the output length
        size_from_table(Lookup("vllm", "llm-8b", "H100", 1))
    assert err.value.field == "replica.output_tokens"


def test_l4_has_only_the_mlperf_server_row() -> None:
    s = size_from_table(Lookup("tensorrt-llm", "llm-8b", "L4", 1))
    assert s.requests_per_s == pytest.approx(0.89) and s.row is not None
    assert s.row.latency_ms == 8400 and "MLCommons inference_results_v3.1" in s.row.source


def test_missing_accelerator_refuses_and_says_what_exists() -> None:
    with pytest.raises(EstimateError) as err:
        size_from_table(Lookup("vllm", "llm-8b", "A10G", 1, output_tokens=100))
    text = err.value.problem
    assert "no row for vllm, llm-8b on 1x A10G" in text
    assert "1x A100, 1x A40, 1x H100" in text and err.value.hint


def test_items_per_request_divides_image_throughput() -> None:
    q = Lookup("triton-onnxruntime", "resnet50", "A100-80GB", 1, max_latency_ms=25)
    assert size_from_table(q).requests_per_s == pytest.approx(5412)  # conc 128, p50 23.9 ms
    four = Lookup(**{**q.__dict__, "items_per_request": 4})
    assert size_from_table(four).requests_per_s == pytest.approx(5412 / 4)


def test_unknown_variant_lists_the_valid_ones() -> None:
    with pytest.raises(EstimateError, match="valid: vllm, tensorrt-llm") as err:
        runtime_for("tgi")
    assert err.value.field == "replica.variant"
    assert set(VARIANT_RUNTIMES) >= {"vllm", "tensorrt-llm", "triton-onnx", "triton-trt"}


def _scenario(replica: dict[str, object], **kw: object) -> ServeScenario:
    base: dict[str, object] = {"cloud": "aws", "region": "us-east-1", "instance_type": "g6.xlarge",
                               "replica": replica, "demand": {"requests_per_s": [1.0]}}
    base.update(kw)
    return ServeScenario.model_validate(base)


def test_runtime_override_is_a_warned_fallback() -> None:
    sc = _scenario({"variant": "triton-trt", "model_class": "bert-large", "runtime": "tensorrt",
                    "allow_offline": True})
    s = replica_sizing(sc, replica_price(sc))
    assert s.requests_per_s == pytest.approx(1029)  # MLPerf v3.1 BERT-99 on L4, offline
    assert any("not triton-tensorrt" in w for w in s.warnings)


def _calibration(tmp_path: Path, **kw: object) -> Path:
    doc: dict[str, object] = {
        "schema": "ailab.serve-calibration/1", "variant": "tensorrt-llm", "model_class": "llm-8b",
        "accelerator": "L4", "accelerator_count": 1, "cpus": None, "protocol": "openai",
        "concurrency": 8, "requests": 400, "errors": 0, "duration_s": 200.0,
        "requests_per_s": 2.0, "request_s": 1.5, "latency_p50_ms": 3900.0,
        "latency_p99_ms": 7000.0, "output_tokens_per_s": 256.0,
        "measured_at": "2026-12-01T00:00:00+00:00", "target": "http://10.0.0.5:8000"}
    doc.update(kw)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(doc))
    return path


def test_calibration_replaces_the_table_figure(tmp_path: Path) -> None:
    cal = _calibration(tmp_path)
    sc = _scenario({"variant": "tensorrt-llm", "model_class": "llm-8b", "calibration": str(cal)})
    s = replica_sizing(sc, replica_price(sc))
    assert (s.source, s.requests_per_s) == ("calibration", 2.0)
    assert l4_capacity(sc, replica_price(sc), s) == (2.0, "")  # Cloud Run L4 reuses it


def test_calibration_on_other_hardware_is_refused(tmp_path: Path) -> None:
    cal = load_serve_calibration(_calibration(tmp_path, accelerator="H100"))
    with pytest.raises(EstimateError, match="measured on 1x H100, the replica has 1x L4"):
        calibrated_sizing(cal, tmp_path / "cal.json", "L4", 1, 4, None, None)
    with pytest.raises(EstimateError, match="measured variant 'tensorrt-llm'"):
        calibrated_sizing(load_serve_calibration(_calibration(tmp_path)), tmp_path / "c",
                          "L4", 1, 4, "vllm", None)


def test_cpu_calibration_scales_only_when_asked(tmp_path: Path) -> None:
    cal = load_serve_calibration(_calibration(tmp_path, accelerator="", accelerator_count=0,
                                              cpus=2, errors=3, requests_per_s=600.0))
    with pytest.raises(EstimateError) as err:
        calibrated_sizing(cal, tmp_path / "c.json", "", 0, 8, None, None)
    assert err.value.hint is not None and "cpu_scaling: linear" in err.value.hint
    s = calibrated_sizing(cal, tmp_path / "c.json", "", 0, 8, None, None, "linear")
    assert s.requests_per_s == pytest.approx(600.0 * 8 / 2)
    assert any("scaled linearly" in w for w in s.warnings)
    assert any("3 of 400 requests failed" in w for w in s.warnings)


def test_bad_calibration_file_is_one_line(tmp_path: Path) -> None:
    path = _calibration(tmp_path, requests_per_s=-1)
    with pytest.raises(InputFileError) as err:
        load_serve_calibration(path)
    assert "requests_per_s" in str(err.value) and "\n" not in str(err.value)
