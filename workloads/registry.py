"""The workloads we ship: which template, how SkyPilot runs it, which variants.

Rules as data: an unknown workload or variant name fails loudly and lists the
valid ones. Templates are plain SkyPilot task YAML, valid on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ailab.core.errors import WorkloadError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
TEMPLATES = PACKAGE_DIR / "templates"
ONPREM = PACKAGE_DIR / "onprem"


@dataclass(frozen=True)
class Workload:
    """``kind``: cluster (``sky.launch``), job (``sky jobs launch``), service (SkyServe)."""

    name: str
    kind: str
    description: str
    templates: dict[str, Path]  # variant -> template; the first is the default
    accelerated: bool = True
    checkpoints: bool = True

    @property
    def variants(self) -> list[str]:
        return list(self.templates)

    def template(self, variant: str | None) -> tuple[str, Path]:
        chosen = variant or self.variants[0]
        if chosen not in self.templates:
            raise WorkloadError(f"{chosen!r} is not a variant of {self.name}; "
                                f"valid: {', '.join(self.variants)}", field="variant")
        return chosen, self.templates[chosen]


_DDP = TEMPLATES / "train-ddp.yaml"
WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload("train-ddp", "cluster",
             "multi-node PyTorch DDP (torchrun / accelerate / DeepSpeed), checkpoints in the "
             "lab bucket, EFA when the type has it",
             {"torchrun": _DDP, "accelerate": _DDP, "deepspeed": _DDP}),
    Workload("train-spot", "job",
             "the training run as a managed job: spot first, on-demand fallback, recovery",
             {"torchrun": TEMPLATES / "train-spot.yaml"}),
    Workload("serve", "service",
             "SkyServe inference: vLLM or TensorRT-LLM (OpenAI API), Triton Inference Server "
             "(ONNX Runtime or TensorRT backend, KServe v2), ONNX Runtime on CPU, or a small "
             "FastAPI model server",
             {"vllm": TEMPLATES / "serve-vllm.yaml",
              "tensorrt-llm": TEMPLATES / "serve-trtllm.yaml",
              "triton-onnx": TEMPLATES / "serve-triton-onnx.yaml",
              "triton-trt": TEMPLATES / "serve-triton-trt.yaml",
              "onnx-cpu": TEMPLATES / "serve-onnx-cpu.yaml",
              "fastapi": TEMPLATES / "serve-fastapi.yaml"},
             checkpoints=False),
    Workload("bench", "job",
             "train a small CNN and GPT for a fixed number of steps; results + calibration",
             {"default": TEMPLATES / "bench.yaml"}),
    Workload("train-hybrid", "cluster",
             "training on owned machines first (SSH pool, Kubernetes), overflow to the cloud",
             {"torchrun": ONPREM / "hybrid.yaml"}),
)}
LAUNCHER_VARIANTS = ("torchrun", "accelerate", "deepspeed")


def get_workload(name: str) -> Workload:
    if name not in WORKLOADS:
        raise WorkloadError(f"workload {name!r} is unknown; valid: {', '.join(WORKLOADS)}",
                            hint="`ailab workloads` lists them")
    return WORKLOADS[name]


def load_template(path: Path) -> dict[str, Any]:
    """A template as a dict (a fresh copy each call: the builder edits it)."""
    doc = yaml.safe_load(path.read_text())
    if not isinstance(doc, dict):
        raise WorkloadError(f"{path.name}: a SkyPilot task YAML must be a mapping")
    return doc


def shipped_task_yamls() -> list[Path]:
    """Every shipped SkyPilot *task* YAML (the on-prem config files are not tasks)."""
    return sorted(TEMPLATES.glob("*.yaml")) + [ONPREM / "hybrid.yaml"]
