"""The benchmark's results file and the calibration file it derives.

Results: one JSON object per run (schema ``ailab-bench/1``), validated with
pydantic on write and on read. Calibration: the contract of
``ailab estimate train --calibration`` (see ``costs/training.py``), written from
the GPT measurement when the run's accelerator is in the accelerator table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SCHEMA: Literal["ailab-bench/1"] = "ailab-bench/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Hardware(_Strict):
    kind: Literal["cpu", "gpu", "tpu"]
    name: str = Field(max_length=200)
    accelerator: str | None = Field(default=None, min_length=1, max_length=100)
    count: int = Field(ge=1, le=100_000)
    cpu: str = Field(max_length=200)
    cores: int = Field(ge=1, le=100_000)
    instance_type: str | None = Field(default=None, min_length=1, max_length=100)


class Software(_Strict):
    backend: Literal["numpy", "torch", "torch_xla"]
    python: str
    numpy: str
    torch: str | None = None
    device: str
    dtype: str


class ModelResult(_Strict):
    """One model's measurement; an "epoch" is ``epoch_examples`` examples."""

    model: Literal["cnn", "gpt"]
    params: int = Field(gt=0, le=10**15)
    steps: int = Field(gt=0, le=10**9)
    warmup_steps: int = Field(ge=0, le=10**9)
    batch_size: int = Field(gt=0, le=10**9)
    seq_len: int | None = Field(default=None, gt=0, le=10**9)
    layers: int | None = Field(default=None, gt=0, le=10**6)
    d_model: int | None = Field(default=None, gt=0, le=10**7)
    heads: int | None = Field(default=None, gt=0, le=10**6)
    vocab: int | None = Field(default=None, gt=0, le=10**9)
    epoch_examples: int = Field(gt=0, le=10**12)
    step_time_s: float = Field(ge=1e-9, le=1e9)
    examples_per_s: float = Field(gt=0, le=1e12)
    tokens_per_s: float | None = Field(default=None, ge=0, le=1e15)
    time_per_epoch_s: float = Field(ge=1e-9, le=1e12)
    flops_per_example: float = Field(gt=0, le=1e30)
    achieved_flops: float = Field(gt=0, le=1e21)
    peak_flops: float | None = Field(default=None, gt=0, le=1e21)
    mfu: float | None = Field(default=None, ge=0, le=10)
    loss_first: float
    loss_last: float


class BenchResults(_Strict):
    schema_: Literal["ailab-bench/1"] = Field(SCHEMA, alias="schema")
    created: str
    hardware: Hardware
    software: Software
    cnn: ModelResult
    gpt: ModelResult
    calibration: str | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


def write_results(results: BenchResults, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results.model_dump(by_alias=True), indent=2) + "\n")


def load_results(path: Path) -> BenchResults:
    """Read and validate a results file; problems become one InputFileError line."""
    from ailab.core.inputs import invalid_field, read_json

    raw = read_json(path)
    try:
        return BenchResults.model_validate(raw)
    except ValidationError as exc:
        raise invalid_field(str(path), exc,
                            hint="results files are written by `python -m ailab.workloads.bench`"
                            ) from None


def calibration(results: BenchResults) -> dict[str, object] | None:
    """The ``estimate train --calibration`` object, or None without a known accelerator."""
    gpt = results.gpt
    if results.hardware.accelerator is None or gpt.tokens_per_s is None:
        return None
    return {"gpu": results.hardware.accelerator, "gpus": results.hardware.count,
            "params": gpt.params, "seq_len": gpt.seq_len, "layers": gpt.layers,
            "d_model": gpt.d_model, "tokens_per_s": gpt.tokens_per_s}
