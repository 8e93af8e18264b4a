"""A measured serving run replaces the table's figure (like the training calibration).

Contract (written by ``python -m ailab.workloads.scripts.serve_loadtest``, read by
``estimate serve`` through ``replica.calibration`` or ``serverless.calibration``,
path relative to the scenario file), one JSON object, no other keys::

    {"schema": "ailab.serve-calibration/1", "variant": "onnx-cpu",
     "model_class": "tiny-mlp", "accelerator": "", "accelerator_count": 0, "cpus": 2,
     "protocol": "kserve-v2", "concurrency": 4, "requests": 2000, "errors": 0,
     "duration_s": 3.1, "requests_per_s": 645.2, "request_s": 0.0019,
     "latency_p50_ms": 5.9, "latency_p99_ms": 14.0, "output_tokens_per_s": null,
     "measured_at": "2026-12-01T10:00:00+00:00", "target": "http://127.0.0.1:8000"}

``requests_per_s`` is the closed-loop throughput at ``concurrency`` requests in
flight (what one replica serves); ``request_s`` is the mean latency of
sequential requests (what a serverless platform bills per request); the
accelerator is ``""`` with ``accelerator_count: 0`` for a CPU run, which then
records ``cpus``. A calibration applies only to the same accelerator and count
(and, on CPU, the same number of vCPUs) as the replica it sizes; a CPU run on
fewer or more vCPUs is scaled by the vCPU ratio only when the scenario says so
(``replica.cpu_scaling: linear``), and the answer then carries a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ailab.core.errors import EstimateError
from ailab.core.inputs import invalid_field, read_json
from ailab.costs.serve_throughput import Sizing

SCHEMA = "ailab.serve-calibration/1"


class ServeCalibration(BaseModel):
    """One load test of one replica (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["ailab.serve-calibration/1"] = Field(alias="schema")
    variant: str
    model_class: str
    accelerator: str
    accelerator_count: int = Field(ge=0)
    cpus: int | None = Field(default=None, ge=1)
    protocol: Literal["kserve-v2", "openai"]
    concurrency: int = Field(ge=1)
    requests: int = Field(gt=0)
    errors: int = Field(ge=0)
    duration_s: float = Field(gt=0)
    requests_per_s: float = Field(gt=0)
    request_s: float = Field(gt=0)
    latency_p50_ms: float = Field(ge=0)
    latency_p99_ms: float = Field(ge=0)
    output_tokens_per_s: float | None = Field(default=None, gt=0)
    measured_at: str
    target: str

    def as_dict(self) -> dict[str, object]:
        return self.model_dump(by_alias=True)


def load_serve_calibration(path: Path) -> ServeCalibration:
    """Read and validate a calibration file; any problem is one InputFileError line."""
    raw = read_json(path, hint="the calibration file is one JSON object written by the "
                               "serve load test", show_line=True)
    try:
        return ServeCalibration.model_validate(raw)
    except ValidationError as exc:
        raise invalid_field(str(path), exc, hint=f"schema {SCHEMA}: see "
                                                 "costs/serve_calibration.py") from None


def _hardware(accelerator: str, count: int, cpus: int | None) -> str:
    return f"{count}x {accelerator}" if accelerator else f"{cpus or '?'} vCPUs"


def _cpu_scale(cal: ServeCalibration, accelerator: str, vcpus: int,
               cpu_scaling: str) -> tuple[float, list[str]]:
    """1, or the vCPU ratio when both runs are on CPU and the scenario allows scaling."""
    if accelerator or cal.accelerator or cal.cpus in (None, vcpus) or cpu_scaling != "linear":
        return 1.0, []
    assert cal.cpus is not None
    return vcpus / cal.cpus, [f"measured on {cal.cpus} vCPUs, scaled linearly to the "
                              f"replica's {vcpus} (replica.cpu_scaling: linear, an "
                              "assumption): measure on the replica's type to confirm"]


def calibrated_sizing(cal: ServeCalibration, path: Path, accelerator: str, count: int,
                      vcpus: int, variant: str | None, model_class: str | None,
                      cpu_scaling: str = "none") -> Sizing:
    """The measured requests/s, if it was measured on what the replica runs."""
    field = "replica.calibration"
    scale, warnings = _cpu_scale(cal, accelerator, vcpus, cpu_scaling)
    want = _hardware(accelerator, count if accelerator else 0, vcpus)
    got = _hardware(cal.accelerator, cal.accelerator_count, cal.cpus)
    if want != got and scale == 1.0:
        cpu = not accelerator and not cal.accelerator
        raise EstimateError(f"measured on {got}, the replica has {want}; calibrate on the "
                            "same hardware or leave the calibration out", field=field,
                            hint="set replica.cpu_scaling: linear to scale a CPU run by "
                                 "vCPUs (an assumption)" if cpu else None)
    for name, wanted, measured in (("variant", variant, cal.variant),
                                   ("model_class", model_class, cal.model_class)):
        if wanted is not None and wanted != measured:
            raise EstimateError(f"measured {name} {measured!r}, the scenario says {wanted!r}",
                                field=field)
    if cal.errors:
        warnings.append(f"{cal.errors} of {cal.requests} requests failed during the "
                        f"measurement ({path.name})")
    detail = (f"measured {cal.requests_per_s:,.6g} requests/s at concurrency {cal.concurrency} "
              f"on {got} ({cal.variant}, {cal.model_class}, p50 {cal.latency_p50_ms:g} ms, "
              f"{cal.measured_at}, {path.name})"
              + (f", x{scale:g} for {vcpus} vCPUs" if scale != 1.0 else ""))
    return Sizing(cal.requests_per_s * scale, "calibration", detail, None, tuple(warnings))
