"""A CPU ONNX Runtime model server speaking Triton's HTTP API (KServe v2).

Serves a model repository in Triton's layout (``<repo>/<model>/<version>/model.onnx``,
the newest numeric version, ``config.pbtxt`` beside it is Triton's and ignored
here) with ONNX Runtime's CPU execution provider, so the request path of the
Triton variants can run, and be tested, without a GPU:

- ``GET /v2/health/live``, ``GET /v2/health/ready`` (the readiness probe),
  ``GET /v2`` (server metadata), ``GET /v2/models/<m>[/versions/<v>]`` (model
  metadata from the ONNX graph), ``GET /v2/models/<m>/ready``;
- ``POST /v2/models/<m>[/versions/<v>]/infer``: JSON tensors, or the binary
  tensor extension (``Inference-Header-Content-Length``), answered the same way
  (binary outputs when asked with ``binary_data`` / ``binary_data_output``, as
  Triton does). Errors are ``{"error": "..."}`` with status 400 or 404.

Run: ``AILAB_MODEL_REPO=/models python -m uvicorn
ailab.workloads.scripts.onnx_server:app --port 8000`` (the ``onnx-cpu`` serve
variant does this), or ``create_app(repo)`` in-process.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from ailab.workloads.scripts.kserve_client import (
    DATATYPES,
    HEADER_LENGTH,
    KServeError,
    decode_tensor,
    encode_tensor,
    split_binary,
)

ORT_TYPES = {"tensor(bool)": "BOOL", "tensor(uint8)": "UINT8", "tensor(uint16)": "UINT16",
             "tensor(uint32)": "UINT32", "tensor(uint64)": "UINT64", "tensor(int8)": "INT8",
             "tensor(int16)": "INT16", "tensor(int32)": "INT32", "tensor(int64)": "INT64",
             "tensor(float16)": "FP16", "tensor(float)": "FP32", "tensor(double)": "FP64"}


@dataclass
class LoadedModel:
    name: str
    version: str
    session: Any  # onnxruntime.InferenceSession
    load_s: float

    def tensors(self, which: str) -> list[dict[str, Any]]:
        nodes = self.session.get_inputs() if which == "inputs" else self.session.get_outputs()
        return [{"name": n.name, "datatype": ORT_TYPES.get(n.type, n.type),
                 "shape": [d if isinstance(d, int) else -1 for d in n.shape]} for n in nodes]


def load_repository(repo: Path) -> dict[str, LoadedModel]:
    """Every model of a Triton-layout repository, newest version, on the CPU provider."""
    import onnxruntime as ort

    models = {}
    for model_dir in sorted(p for p in repo.iterdir() if p.is_dir()):
        versions = sorted((p for p in model_dir.iterdir()
                           if p.is_dir() and p.name.isdigit() and (p / "model.onnx").exists()),
                          key=lambda p: int(p.name))
        if not versions:
            continue
        start = time.perf_counter()
        session = ort.InferenceSession(str(versions[-1] / "model.onnx"),
                                       providers=["CPUExecutionProvider"])
        models[model_dir.name] = LoadedModel(model_dir.name, versions[-1].name, session,
                                             time.perf_counter() - start)
    if not models:
        raise FileNotFoundError(f"{repo}: no <model>/<version>/model.onnx")
    return models


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _parse(body: bytes, header_length: str | None) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The request JSON and its input arrays (JSON data or binary extension)."""
    if header_length is None:
        doc = json.loads(body)
        return doc, [decode_tensor(t) for t in doc.get("inputs", [])]
    doc, blobs = split_binary(body, int(header_length))
    arrays, it = [], iter(blobs)
    for tensor in doc.get("inputs", []):
        binary = (tensor.get("parameters") or {}).get("binary_data_size") is not None
        arrays.append(decode_tensor(tensor, next(it) if binary else None))
    return doc, arrays


def _respond(model: LoadedModel, doc: dict[str, Any], names: list[str],
             values: list[np.ndarray]) -> Response:
    """JSON outputs, or binary ones where the request asked for them."""
    wanted = {o["name"]: o for o in doc.get("outputs", [])}
    binary_all = bool((doc.get("parameters") or {}).get("binary_data_output"))
    outputs, blobs = [], []
    for name, value in zip(names, values, strict=True):
        asked = (wanted.get(name, {}).get("parameters") or {}).get("binary_data")
        tensor = encode_tensor(name, np.asarray(value))
        if asked or (asked is None and binary_all):
            raw = np.ascontiguousarray(value).tobytes()
            tensor.pop("data")
            tensor["parameters"] = {"binary_data_size": len(raw)}
            blobs.append(raw)
        outputs.append(tensor)
    head = {"model_name": model.name, "model_version": model.version, "outputs": outputs}
    if "id" in doc:
        head["id"] = doc["id"]
    if not blobs:
        return JSONResponse(head)
    header = json.dumps(head).encode()
    return Response(header + b"".join(blobs), media_type="application/octet-stream",
                    headers={HEADER_LENGTH: str(len(header))})


def create_app(repo: Path) -> FastAPI:
    """The server over one repository (models load at start: ready means loaded)."""
    models = load_repository(repo)
    app = FastAPI(title="ailab ONNX Runtime (KServe v2)")

    def find(name: str, version: str | None) -> LoadedModel | JSONResponse:
        model = models.get(name)
        if model is None or (version is not None and version != model.version):
            return _error(404, f"unknown model: {name!r}"
                          + (f" version {version!r}" if version else ""))
        return model

    @app.get("/v2/health/live")
    @app.get("/v2/health/ready")
    def health() -> dict[str, Any]:
        return {}

    @app.get("/v2")
    def server() -> dict[str, Any]:
        return {"name": "ailab-onnxruntime", "version": "1",
                "extensions": ["binary_tensor_data"]}

    @app.get("/v2/models/{name}")
    @app.get("/v2/models/{name}/versions/{version}")
    def metadata(name: str, version: str | None = None) -> Any:
        model = find(name, version)
        if isinstance(model, JSONResponse):
            return model
        return {"name": model.name, "versions": [model.version], "platform": "onnxruntime_onnx",
                "inputs": model.tensors("inputs"), "outputs": model.tensors("outputs")}

    @app.get("/v2/models/{name}/ready")
    def model_ready(name: str) -> Any:
        model = find(name, None)
        return model if isinstance(model, JSONResponse) else {}

    @app.post("/v2/models/{name}/infer")
    @app.post("/v2/models/{name}/versions/{version}/infer")
    async def infer(name: str, request: Request, version: str | None = None) -> Response:
        model = find(name, version)
        if isinstance(model, JSONResponse):
            return model
        try:
            doc, arrays = _parse(await request.body(), request.headers.get(HEADER_LENGTH))
            feeds = _feeds(model, doc, arrays)
            names = [o["name"] for o in doc.get("outputs", [])] or [
                o.name for o in model.session.get_outputs()]
            values = model.session.run(names, feeds)
        except (KServeError, ValueError, KeyError, TypeError) as exc:
            return _error(400, str(exc))
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types
            return _error(400, f"inference failed: {exc}")
        return _respond(model, doc, names, values)

    return app


def _feeds(model: LoadedModel, doc: dict[str, Any], arrays: list[np.ndarray]
           ) -> dict[str, np.ndarray]:
    """Inputs by name, checked against the graph's names and datatypes."""
    expected = {t["name"]: t["datatype"] for t in model.tensors("inputs")}
    feeds = {}
    for tensor, array in zip(doc.get("inputs", []), arrays, strict=True):
        name = tensor.get("name")
        if name not in expected:
            raise KServeError(f"unexpected input {name!r}; the model takes "
                              f"{', '.join(expected)}")
        if expected[name] in DATATYPES and tensor.get("datatype") != expected[name]:
            raise KServeError(f"input {name!r}: datatype {tensor.get('datatype')}, the model "
                              f"expects {expected[name]}")
        feeds[name] = array
    missing = set(expected) - set(feeds)
    if missing:
        raise KServeError(f"missing inputs: {', '.join(sorted(missing))}")
    return feeds


def _app_from_env() -> FastAPI | None:
    repo = os.environ.get("AILAB_MODEL_REPO")
    return create_app(Path(repo)) if repo else None


app = _app_from_env()
