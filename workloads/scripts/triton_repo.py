"""Lay out an ONNX model as a Triton Inference Server model repository.

    python3 workloads/scripts/triton_repo.py --onnx model.onnx --repo /models \\
        --name model --backend onnxruntime --max-batch 64 --queue-delay-us 500

writes ``/models/model/config.pbtxt`` and ``/models/model/1/model.onnx`` (ONNX
Runtime backend) or ``/models/model/1/model.plan`` (TensorRT backend: the engine
is built with ``trtexec``, which Triton's NGC image ships, with an optimization
profile from batch 1 to ``--max-batch``). The config takes its inputs and outputs
from the ONNX graph: names, Triton data types and dims; when every tensor's first
dim is dynamic the model batches (``max_batch_size``, dims without the batch dim)
and gets ``dynamic_batching`` with preferred sizes and a queue delay. ``--ort-trt``
adds the TensorRT execution accelerator to the ONNX Runtime backend (FP16).

Standard library and the ``onnx`` package only: it runs inside the Triton
container, before the server starts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRTEXEC = "/usr/src/tensorrt/bin/trtexec"
BACKENDS = ("onnxruntime", "tensorrt")
TRITON_TYPES = {
    "FLOAT": "TYPE_FP32", "FLOAT16": "TYPE_FP16", "DOUBLE": "TYPE_FP64", "BFLOAT16": "TYPE_BF16",
    "INT8": "TYPE_INT8", "INT16": "TYPE_INT16", "INT32": "TYPE_INT32", "INT64": "TYPE_INT64",
    "UINT8": "TYPE_UINT8", "UINT16": "TYPE_UINT16", "UINT32": "TYPE_UINT32",
    "UINT64": "TYPE_UINT64", "BOOL": "TYPE_BOOL", "STRING": "TYPE_STRING",
}


class RepoError(Exception):
    """The model cannot be laid out as asked; the message says why and what to do."""


@dataclass(frozen=True)
class TensorSpec:
    name: str
    data_type: str  # Triton TYPE_*
    dims: tuple[int, ...]  # -1 for a dynamic dim, batch dim included


def tensor_specs(model_path: Path) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """Inputs (initializers excluded) and outputs of an ONNX graph."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    graph = model.graph
    initializers = {i.name for i in graph.initializer}

    def spec(value: Any) -> TensorSpec:
        ttype = value.type.tensor_type
        name = onnx.TensorProto.DataType.Name(ttype.elem_type)
        if name not in TRITON_TYPES:
            raise RepoError(f"tensor {value.name!r}: ONNX type {name} has no Triton data type")
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in ttype.shape.dim)
        return TensorSpec(value.name, TRITON_TYPES[name], dims)

    inputs = [spec(v) for v in graph.input if v.name not in initializers]
    return inputs, [spec(v) for v in graph.output]


def batches(specs: list[TensorSpec]) -> bool:
    """Triton batching needs a dynamic first dim on every input and output."""
    return all(s.dims and s.dims[0] == -1 for s in specs)


def preferred_sizes(max_batch: int) -> list[int]:
    """Powers of two up to the maximum (dynamic batching tries these first)."""
    sizes, size = [], 4
    while size <= max_batch:
        sizes.append(size)
        size *= 2
    return sizes or [max_batch]


def _tensor_block(kind: str, specs: list[TensorSpec], batched: bool) -> str:
    items = []
    for s in specs:
        dims = s.dims[1:] if batched else s.dims
        items.append(f'  {{\n    name: "{s.name}"\n    data_type: {s.data_type}\n'
                     f'    dims: [ {", ".join(str(d) for d in dims)} ]\n  }}')
    return f"{kind} [\n" + ",\n".join(items) + "\n]\n"


def config_pbtxt(name: str, backend: str, inputs: list[TensorSpec], outputs: list[TensorSpec],
                 max_batch: int, queue_delay_us: int, gpu: bool = True,
                 ort_trt: bool = False) -> str:
    """Triton's model configuration (protobuf text format of ``inference.ModelConfig``)."""
    if backend not in BACKENDS:
        raise RepoError(f"backend {backend!r}: valid: {', '.join(BACKENDS)}")
    batched = batches(inputs + outputs) and max_batch > 0
    platform = "onnxruntime_onnx" if backend == "onnxruntime" else "tensorrt_plan"
    size = max_batch if batched else 0
    text = f'name: "{name}"\nplatform: "{platform}"\nmax_batch_size: {size}\n'
    text += _tensor_block("input", inputs, batched) + _tensor_block("output", outputs, batched)
    if batched:
        sizes = ", ".join(str(s) for s in preferred_sizes(max_batch))
        text += (f"dynamic_batching {{\n  preferred_batch_size: [ {sizes} ]\n"
                 f"  max_queue_delay_microseconds: {queue_delay_us}\n}}\n")
    kind = "KIND_GPU" if gpu else "KIND_CPU"
    text += f"instance_group [\n  {{\n    count: 1\n    kind: {kind}\n  }}\n]\n"
    if ort_trt and backend == "onnxruntime" and gpu:
        text += ('optimization {\n  execution_accelerators {\n    gpu_execution_accelerator : [ {\n'
                 '      name : "tensorrt"\n      parameters { key: "precision_mode" '
                 'value: "FP16" }\n    } ]\n  }\n}\n')
    return text


def _shape(dims: tuple[int, ...], batch: int) -> str:
    return "x".join(str(batch if i == 0 else d) for i, d in enumerate(dims))


def trtexec_command(onnx_path: Path, plan_path: Path, inputs: list[TensorSpec],
                    max_batch: int, fp16: bool = True, trtexec: str = TRTEXEC) -> list[str]:
    """``trtexec`` building an engine with a batch profile 1 / max/2 / max."""
    for s in inputs:
        if any(d == -1 for d in s.dims[1:]):
            raise RepoError(f"input {s.name!r} has dynamic dims {list(s.dims)} beyond the "
                            "batch; TensorRT needs them fixed: export the ONNX with static "
                            "shapes")
    cmd = [trtexec, f"--onnx={onnx_path}", f"--saveEngine={plan_path}"]
    if batches(inputs) and max_batch > 0:
        opt = max(1, max_batch // 2)
        for flag, batch in (("--minShapes", 1), ("--optShapes", opt), ("--maxShapes", max_batch)):
            cmd.append(flag + "=" + ",".join(f"{s.name}:{_shape(s.dims, batch)}" for s in inputs))
    if fp16:
        cmd.append("--fp16")
    return cmd


def write_repository(onnx_path: Path, repo: Path, name: str, backend: str, max_batch: int,
                     queue_delay_us: int, gpu: bool = True, ort_trt: bool = False) -> Path:
    """The model directory with its config and version 1 (the engine built when TensorRT)."""
    inputs, outputs = tensor_specs(onnx_path)
    config = config_pbtxt(name, backend, inputs, outputs, max_batch, queue_delay_us, gpu,
                          ort_trt)
    version = repo / name / "1"
    version.mkdir(parents=True, exist_ok=True)
    if backend == "onnxruntime":
        shutil.copyfile(onnx_path, version / "model.onnx")
    else:
        cmd = trtexec_command(onnx_path, version / "model.plan", inputs, max_batch)
        if not Path(cmd[0]).exists() and shutil.which(cmd[0]) is None:
            raise RepoError(f"{cmd[0]} not found: build the engine inside Triton's NGC image")
        subprocess.run(cmd, check=True)
    (repo / name / "config.pbtxt").write_text(config)
    return repo / name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onnx", type=Path, required=True)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--name", default="model")
    parser.add_argument("--backend", choices=BACKENDS, default="onnxruntime")
    parser.add_argument("--max-batch", type=int, default=64)
    parser.add_argument("--queue-delay-us", type=int, default=500)
    parser.add_argument("--cpu", action="store_true", help="KIND_CPU instances")
    parser.add_argument("--ort-trt", action="store_true", help="TensorRT accelerator in ORT")
    args = parser.parse_args(argv)
    try:
        path = write_repository(args.onnx, args.repo, args.name, args.backend, args.max_batch,
                                args.queue_delay_us, not args.cpu, args.ort_trt)
    except (RepoError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"model repository: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
