"""The CPU ONNX Runtime request path, end to end, on 127.0.0.1.

A tiny MLP is built with the ``onnx`` helpers (no download, no torch), laid out
as a Triton model repository by ``workloads/scripts/triton_repo.py`` (its
config.pbtxt parsed with Triton's own ``inference.ModelConfig`` schema, as
shipped in the tritonclient wheel), served by ``workloads/scripts/onnx_server.py``
and queried with our KServe v2 client and with Triton's official HTTP client
(binary and JSON tensors); answers are checked against NumPy. The load test then
writes a calibration file that ``estimate serve`` reads.
"""

from __future__ import annotations

import ast
import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from ailab.costs.serve_calibration import load_serve_calibration  # noqa: E402
from ailab.costs.serve_estimate import estimate_serve  # noqa: E402
from ailab.costs.serve_scenario import ServeScenario  # noqa: E402
from ailab.workloads.scripts import serve_loadtest, triton_repo  # noqa: E402
from ailab.workloads.scripts.kserve_client import KServeClient, KServeError  # noqa: E402

RNG = np.random.default_rng(7)
W1 = (RNG.standard_normal((16, 32)) / 4).astype(np.float32)
B1 = RNG.standard_normal(32).astype(np.float32)
W2 = (RNG.standard_normal((32, 4)) / 4).astype(np.float32)
B2 = RNG.standard_normal(4).astype(np.float32)


def reference(x: np.ndarray) -> np.ndarray:
    return np.maximum(x @ W1 + B1, 0) @ W2 + B2


def tiny_mlp(path: Path, batch_dim: str | int = "batch") -> Path:
    """relu(x W1 + b1) W2 + b2 as an ONNX graph (opset 17)."""
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h0"]),
             helper.make_node("Add", ["h0", "B1"], ["h1"]),
             helper.make_node("Relu", ["h1"], ["h"]),
             helper.make_node("MatMul", ["h", "W2"], ["y0"]),
             helper.make_node("Add", ["y0", "B2"], ["y"])]
    graph = helper.make_graph(
        nodes, "tiny_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch_dim, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch_dim, 4])],
        [numpy_helper.from_array(a, n) for a, n in ((W1, "W1"), (B1, "B1"), (W2, "W2"),
                                                     (B2, "B2"))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def model_config_class() -> Any:
    """Triton's ``inference.ModelConfig`` from the descriptor in tritonclient's wheel.

    Its generated module pins a newer protobuf runtime than this project's, so the
    serialized descriptor is read from the file and loaded into a fresh pool."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    spec = importlib.util.find_spec("tritonclient")
    assert spec is not None and spec.submodule_search_locations
    source = Path(spec.submodule_search_locations[0]) / "grpc" / "model_config_pb2.py"
    blob = next(node.args[0].value for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "AddSerializedFile")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(descriptor_pb2.FileDescriptorProto.FromString(blob))
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("inference.ModelConfig"))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("onnx")
    onnx_path = tiny_mlp(root / "tiny.onnx")
    out = root / "models"
    triton_repo.write_repository(onnx_path, out, "tiny", "onnxruntime", 32, 200, gpu=False)
    return out


@pytest.fixture(scope="module")
def url(repo: Path) -> Iterator[str]:
    import uvicorn

    from ailab.workloads.scripts.onnx_server import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # loop="asyncio": uvicorn's default installs uvloop's event-loop policy process-wide,
    # which later Pulumi previews in the same test process cannot run under.
    server = uvicorn.Server(uvicorn.Config(create_app(repo), host="127.0.0.1", port=port,
                                           log_level="warning", loop="asyncio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the ONNX Runtime server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_repository_layout_and_config_follow_tritons_schema(repo: Path) -> None:
    from google.protobuf import text_format

    assert (repo / "tiny" / "1" / "model.onnx").is_file()
    cfg = text_format.Parse((repo / "tiny" / "config.pbtxt").read_text(), model_config_class()())
    assert (cfg.name, cfg.platform, cfg.max_batch_size) == ("tiny", "onnxruntime_onnx", 32)
    assert [(i.name, list(i.dims)) for i in cfg.input] == [("x", [16])]
    assert [(o.name, list(o.dims)) for o in cfg.output] == [("y", [4])]
    assert cfg.input[0].data_type == cfg.output[0].data_type == 11  # TYPE_FP32
    assert list(cfg.dynamic_batching.preferred_batch_size) == [4, 8, 16, 32]
    assert cfg.dynamic_batching.max_queue_delay_microseconds == 200
    assert cfg.instance_group[0].kind == 2  # KIND_CPU


def test_gpu_configs_parse_too(tmp_path: Path) -> None:
    from google.protobuf import text_format

    inputs, outputs = triton_repo.tensor_specs(tiny_mlp(tmp_path / "m.onnx"))
    for backend, ort_trt in (("onnxruntime", True), ("tensorrt", False)):
        text = triton_repo.config_pbtxt("m", backend, inputs, outputs, 64, 100, True, ort_trt)
        cfg = text_format.Parse(text, model_config_class()())
        assert cfg.instance_group[0].kind == 1  # KIND_GPU
    accel = cfg.optimization.execution_accelerators.gpu_execution_accelerator  # type: ignore
    assert cfg.platform == "tensorrt_plan" and not accel
    onnx_cfg = text_format.Parse(triton_repo.config_pbtxt(
        "m", "onnxruntime", inputs, outputs, 64, 100, True, True), model_config_class()())
    acc = onnx_cfg.optimization.execution_accelerators.gpu_execution_accelerator[0]
    assert acc.name == "tensorrt" and acc.parameters["precision_mode"] == "FP16"


def test_fixed_batch_models_do_not_batch(tmp_path: Path) -> None:
    inputs, outputs = triton_repo.tensor_specs(tiny_mlp(tmp_path / "m.onnx", batch_dim=1))
    text = triton_repo.config_pbtxt("m", "onnxruntime", inputs, outputs, 64, 100)
    assert "max_batch_size: 0" in text and "dynamic_batching" not in text
    assert "dims: [ 1, 16 ]" in text


def test_trtexec_builds_a_batch_profile(tmp_path: Path) -> None:
    model = tiny_mlp(tmp_path / "m.onnx")
    inputs, _ = triton_repo.tensor_specs(model)
    cmd = triton_repo.trtexec_command(model, tmp_path / "m.plan", inputs, 64)
    assert cmd[0] == "/usr/src/tensorrt/bin/trtexec"
    assert cmd[3:] == ["--minShapes=x:1x16", "--optShapes=x:32x16", "--maxShapes=x:64x16",
                       "--fp16"]
    ragged = [triton_repo.TensorSpec("ids", "TYPE_INT64", (-1, -1))]
    with pytest.raises(triton_repo.RepoError, match="dynamic dims"):
        triton_repo.trtexec_command(model, tmp_path / "m.plan", ragged, 64)
    assert triton_repo.main(["--onnx", str(model), "--repo", str(tmp_path / "r"),
                             "--backend", "tensorrt", "--max-batch", "8"]) == 2  # no trtexec


def test_our_client_gets_the_numpy_answer(url: str) -> None:
    client = KServeClient(url)
    assert client.ready()
    meta = client.metadata("tiny")
    assert meta["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, 16]}]
    x = RNG.standard_normal((5, 16)).astype(np.float32)
    y = client.infer("tiny", {"x": x})["y"]
    assert y.shape == (5, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y, reference(x), rtol=1e-5, atol=1e-5)


def test_tritons_own_client_binary_and_json(url: str) -> None:
    http = pytest.importorskip("tritonclient.http")
    client = http.InferenceServerClient(url.removeprefix("http://"))
    assert client.is_server_ready() and client.is_model_ready("tiny")
    x = RNG.standard_normal((3, 16)).astype(np.float32)
    binary = http.InferInput("x", list(x.shape), "FP32")
    binary.set_data_from_numpy(x)  # binary tensor extension, binary outputs
    np.testing.assert_allclose(client.infer("tiny", [binary]).as_numpy("y"), reference(x),
                               rtol=1e-5, atol=1e-5)
    plain = http.InferInput("x", list(x.shape), "FP32")
    plain.set_data_from_numpy(x, binary_data=False)
    out = client.infer("tiny", [plain], outputs=[http.InferRequestedOutput("y",
                                                                          binary_data=False)])
    np.testing.assert_allclose(out.as_numpy("y"), reference(x), rtol=1e-5, atol=1e-5)
    client.close()


def test_bad_requests_get_kserve_errors(url: str) -> None:
    client = KServeClient(url)
    with pytest.raises(KServeError, match="HTTP 404: unknown model: 'nope'"):
        client.infer("nope", {"x": np.zeros((1, 16), np.float32)})
    with pytest.raises(KServeError, match="unexpected input 'z'"):
        client.infer("tiny", {"z": np.zeros((1, 16), np.float32)})
    with pytest.raises(KServeError, match="datatype FP64, the model expects FP32"):
        client.infer("tiny", {"x": np.zeros((1, 16), np.float64)})
    with pytest.raises(KServeError, match="HTTP 400"):
        client.infer("tiny", {"x": np.zeros((1, 7), np.float32)})


def test_load_test_calibrates_the_estimate(url: str, tmp_path: Path) -> None:
    out = tmp_path / "cal.json"
    code = serve_loadtest.main(["--url", url, "--model", "tiny", "--input", "x:FP32:1x16",
                                "--variant", "onnx-cpu", "--model-class", "tiny-mlp",
                                "--cpus", "8", "--concurrency", "2", "--requests", "60",
                                "--sequential", "10", "--out", str(out)])
    assert code == 0
    cal = load_serve_calibration(out)
    assert cal.errors == 0 and cal.requests == 60 and cal.requests_per_s > 0
    assert cal.request_s > 0 and cal.latency_p99_ms >= cal.latency_p50_ms
    sc = ServeScenario.model_validate({
        "cloud": "aws", "region": "us-east-1", "instance_type": "m7i.2xlarge",
        "replica": {"variant": "onnx-cpu", "model_class": "tiny-mlp", "calibration": str(out)},
        "demand": {"step_minutes": 60, "requests_per_s": [1.0, 2.0]},
        "serverless": {"memory_gib": 0.5}})
    est = estimate_serve(sc, np.array([1.0, 2.0]))
    assert est.sizing is not None and est.sizing.source == "calibration"
    assert est.sizing.requests_per_s == pytest.approx(cal.requests_per_s)
    lam = next(s for s in est.serverless if s.platform == "lambda")
    assert lam.priced and lam.requests == pytest.approx(3 * 3600)  # request_s from the run


def test_load_test_refuses_a_dead_endpoint(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = serve_loadtest.main(["--url", f"http://127.0.0.1:{port}", "--model", "m",
                                "--input", "x:FP32:1x16", "--variant", "onnx-cpu",
                                "--model-class", "m", "--sequential", "2", "--requests", "2",
                                "--out", str(tmp_path / "c.json")])
    assert code == 1 and not (tmp_path / "c.json").exists()
