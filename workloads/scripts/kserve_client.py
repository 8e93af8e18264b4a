"""A small client for the KServe v2 inference protocol (Triton's HTTP API), NumPy in and out.

The same code talks to Triton Inference Server (the ``triton-onnx`` and
``triton-trt`` serve variants) and to the CPU ONNX Runtime server of
``workloads/scripts/onnx_server.py``: ``GET /v2/health/ready``,
``GET /v2/models/<m>``, ``POST /v2/models/<m>/infer`` with JSON tensors
(``{"name", "shape", "datatype", "data"}``, data flattened in row-major order).
Standard library and NumPy only, so it runs anywhere the load test runs.

The codec functions (:func:`encode_tensor`, :func:`decode_tensor` and the
binary-tensor helpers) are shared with the server.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from typing import Any

import numpy as np

DATATYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype(np.bool_), "UINT8": np.dtype(np.uint8), "UINT16": np.dtype(np.uint16),
    "UINT32": np.dtype(np.uint32), "UINT64": np.dtype(np.uint64), "INT8": np.dtype(np.int8),
    "INT16": np.dtype(np.int16), "INT32": np.dtype(np.int32), "INT64": np.dtype(np.int64),
    "FP16": np.dtype(np.float16), "FP32": np.dtype(np.float32), "FP64": np.dtype(np.float64),
}
HEADER_LENGTH = "Inference-Header-Content-Length"


class KServeError(Exception):
    """The server refused the request; the message is its ``error`` field."""


def datatype_of(array: np.ndarray) -> str:
    """The KServe v2 datatype name of a NumPy array."""
    for name, dtype in DATATYPES.items():
        if array.dtype == dtype:
            return name
    raise KServeError(f"dtype {array.dtype} has no KServe v2 datatype; valid: "
                      f"{', '.join(str(d) for d in DATATYPES.values())}")


def encode_tensor(name: str, array: np.ndarray) -> dict[str, Any]:
    """One tensor as JSON: shape, datatype and the flattened values."""
    return {"name": name, "shape": list(array.shape), "datatype": datatype_of(array),
            "data": array.reshape(-1).tolist()}


def decode_tensor(doc: dict[str, Any], raw: bytes | None = None) -> np.ndarray:
    """A JSON (or binary-extension) tensor back into a NumPy array of its shape."""
    datatype = doc.get("datatype")
    if datatype not in DATATYPES:
        raise KServeError(f"tensor {doc.get('name')!r}: datatype {datatype!r} is not one of "
                          f"{', '.join(DATATYPES)}")
    shape = [int(d) for d in doc.get("shape", [])]
    dtype = DATATYPES[datatype]
    if raw is not None:
        flat = np.frombuffer(raw, dtype=dtype)
    else:
        flat = np.asarray(doc.get("data", []), dtype=dtype).reshape(-1)
    if flat.size != int(np.prod(shape)):
        raise KServeError(f"tensor {doc.get('name')!r}: {flat.size} values for shape {shape}")
    return flat.reshape(shape)


def split_binary(body: bytes, header_length: int) -> tuple[dict[str, Any], list[bytes]]:
    """Binary tensor extension: the JSON header, then each tensor's bytes in order."""
    header = json.loads(body[:header_length])
    rest, blobs, offset = body[header_length:], [], 0
    for tensor in header.get("inputs", header.get("outputs", [])):
        size = (tensor.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            blobs.append(rest[offset:offset + int(size)])
            offset += int(size)
    if offset != len(rest):
        raise KServeError(f"binary data: {len(rest)} bytes after the header, the tensors "
                          f"declare {offset}")
    return header, blobs


class KServeClient:
    """``KServeClient("http://127.0.0.1:8000").infer("model", {"x": array})``."""

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None
              ) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                text = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            with contextlib.suppress(ValueError, AttributeError):
                detail = json.loads(detail).get("error", detail)
            raise KServeError(f"{method} {path}: HTTP {exc.code}: {detail}") from None
        return json.loads(text) if text else {}

    def ready(self) -> bool:
        """``GET /v2/health/ready``: True when the server answers 200."""
        try:
            self._call("GET", "/v2/health/ready")
        except (KServeError, OSError):
            return False
        return True

    def metadata(self, model: str) -> dict[str, Any]:
        return self._call("GET", f"/v2/models/{model}")

    def infer(self, model: str, inputs: dict[str, np.ndarray],
              outputs: list[str] | None = None, request_id: str = "") -> dict[str, np.ndarray]:
        """Run the model; the outputs by name (all of them unless ``outputs`` names some)."""
        body: dict[str, Any] = {"inputs": [encode_tensor(k, v) for k, v in inputs.items()]}
        if request_id:
            body["id"] = request_id
        if outputs:
            body["outputs"] = [{"name": n} for n in outputs]
        doc = self._call("POST", f"/v2/models/{model}/infer", body)
        return {t["name"]: decode_tensor(t) for t in doc.get("outputs", [])}
