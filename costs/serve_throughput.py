"""Replica throughput from published figures, not a constant.

``costs/data/serve_throughput.csv`` holds one row per published operating point:
runtime (``tensorrt-llm``, ``vllm``, ``sglang``, ``triton-onnxruntime``,
``triton-tensorrt``, ``tensorrt`` for MLPerf's own harness...), model size class,
accelerator and count, precision, mode (``offline``: a saturated throughput run;
``online``: a latency-bound run at a stated concurrency), the workload shape
(``ISL/OSL`` for LLM rows, or the data set), the figure and its unit
(``output_tokens_per_s``, ``requests_per_s`` or ``items_per_s``), the latency
measured with it, the source, its commit or date, and when it was read.

Model classes: ``llm-8b`` (6-9 B parameters), ``llm-13b`` (10-15 B), ``llm-70b``
(65-75 B), ``resnet50``, ``bert-large``. A serve variant maps to the runtime
whose rows size it (:data:`VARIANT_RUNTIMES`); ``replica.runtime`` names another
runtime explicitly, and the answer then carries a warning saying so.

Selection (:func:`size_from_table`), with every step explicit:

1. rows of (runtime, model class, accelerator, accelerator count); none: refuse
   and say which accelerators and runtimes the table does have;
2. ``precision`` and ``shape`` filter when given (among the online rows first,
   all rows when the online ones lack them); when the rows left differ in them,
   refuse and list the choices (a different precision or workload shape is a
   different figure);
3. operating point: ``concurrency`` picks that row; ``max_latency_ms`` picks
   the highest-throughput row whose latency is within it; otherwise the
   highest-throughput ``online`` row. Offline (saturated) rows are used only
   with ``allow_offline: true`` and then carry a warning: a latency-bound
   service gets far less than a saturated benchmark.

Requests/s = the figure (x accelerators when published per GPU) divided by the
output tokens per request (LLM rows: the shape's OSL, or ``output_tokens``) or
by the items per request (images, sequences). Nothing is interpolated or scaled
from another accelerator: a missing row is a refusal, never a guess.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ailab.core.errors import EstimateError

THROUGHPUT_CSV = Path(__file__).parent / "data" / "serve_throughput.csv"
VARIANT_RUNTIMES = {
    "vllm": "vllm",
    "tensorrt-llm": "tensorrt-llm",
    "triton-onnx": "triton-onnxruntime",
    "triton-trt": "triton-tensorrt",
    "onnx-cpu": "onnxruntime-cpu",
    "fastapi": "fastapi",
}
UNITS = ("output_tokens_per_s", "requests_per_s", "items_per_s")


@dataclass(frozen=True)
class ThroughputRow:
    """One published operating point (a line of the CSV)."""

    runtime: str
    runtime_version: str
    model_class: str
    model: str
    accelerator: str
    accelerator_count: int
    precision: str
    mode: str
    shape: str
    batch: int | None
    concurrency: int | None
    value: float
    unit: str
    scope: str
    latency_ms: float | None
    latency_stat: str
    source: str
    source_ref: str
    published: str
    as_of: str
    note: str

    @property
    def replica_value(self) -> float:
        """The figure for the whole replica (per-GPU figures times the GPUs)."""
        return self.value * self.accelerator_count if self.scope == "per_gpu" else self.value

    @property
    def output_tokens(self) -> float | None:
        """OSL of an ``ISL/OSL`` shape, else None."""
        head, sep, tail = self.shape.partition("/")
        return float(tail) if sep and head.isdigit() and tail.isdigit() else None

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Sizing:
    """Requests/s one replica serves at the operating point, and where it came from."""

    requests_per_s: float
    source: str  # "given", "table" or "calibration"
    detail: str
    row: ThroughputRow | None = None
    warnings: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {"requests_per_s": round(self.requests_per_s, 6), "source": self.source,
                "detail": self.detail, "row": self.row.as_dict() if self.row else None,
                "warnings": list(self.warnings)}


def _int(text: str) -> int | None:
    return int(text) if text else None


@lru_cache(maxsize=2)
def load_table(path: Path = THROUGHPUT_CSV) -> tuple[ThroughputRow, ...]:
    """Every row of the table; a malformed row is a bug in the shipped data."""
    rows = []
    with path.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            rows.append(ThroughputRow(
                rec["runtime"], rec["runtime_version"], rec["model_class"], rec["model"],
                rec["accelerator"], int(rec["accelerator_count"]), rec["precision"], rec["mode"],
                rec["shape"], _int(rec["batch"]), _int(rec["concurrency"]), float(rec["value"]),
                rec["unit"], rec["scope"],
                float(rec["latency_ms"]) if rec["latency_ms"] else None, rec["latency_stat"],
                rec["source"], rec["source_ref"], rec["published"], rec["as_of"], rec["note"]))
    return tuple(rows)


@dataclass(frozen=True)
class Lookup:
    """What a scenario asks the table (see the module docstring for each field)."""

    runtime: str
    model_class: str
    accelerator: str
    accelerator_count: int
    precision: str | None = None
    shape: str | None = None
    concurrency: int | None = None
    max_latency_ms: float | None = None
    allow_offline: bool = False
    output_tokens: float | None = None
    items_per_request: float = 1.0


def runtime_for(variant: str) -> str:
    """The table's runtime for a serve variant; an unknown variant lists the valid ones."""
    if variant not in VARIANT_RUNTIMES:
        raise EstimateError(f"{variant!r} is not a serve variant; valid: "
                            f"{', '.join(VARIANT_RUNTIMES)}", field="replica.variant")
    return VARIANT_RUNTIMES[variant]


def _missing(q: Lookup, rows: tuple[ThroughputRow, ...]) -> EstimateError:
    """No row for (runtime, class, accelerator): say what the table does have."""
    here = sorted({f"{r.accelerator_count}x {r.accelerator}" for r in rows
                   if r.runtime == q.runtime and r.model_class == q.model_class})
    others = sorted({r.runtime for r in rows if r.model_class == q.model_class
                     and r.accelerator == q.accelerator
                     and r.accelerator_count == q.accelerator_count})
    have = f"{q.runtime} {q.model_class} is published for: {', '.join(here) or 'nothing'}"
    alt = f"; other runtimes on this accelerator: {', '.join(others)}" if others else ""
    return EstimateError(
        f"the throughput table has no row for {q.runtime}, {q.model_class} on "
        f"{q.accelerator_count}x {q.accelerator or 'CPU'}; {have}{alt}", field="replica",
        hint="measure it (a load-test calibration file), give replica.requests_per_s, or "
             "name another runtime with replica.runtime")


def _narrow(rows: list[ThroughputRow], attr: str, wanted: str | None,
            label: str) -> list[ThroughputRow]:
    """Filter on a field; refuse when the rows differ in it and the scenario did not say."""
    values = sorted({getattr(r, attr) for r in rows})
    if wanted is not None:
        kept = [r for r in rows if getattr(r, attr) == wanted]
        if not kept:
            raise EstimateError(f"{wanted!r} has no row here; the table has: "
                                f"{', '.join(values)}", field=f"replica.{label}")
        return kept
    if len(values) > 1:
        raise EstimateError(f"the table has several for this runtime, model and accelerator: "
                            f"{', '.join(values)}; name one", field=f"replica.{label}")
    return rows


def _candidates(rows: list[ThroughputRow], q: Lookup) -> list[ThroughputRow]:
    """Rows of the asked precision and shape: online rows first, all rows when the
    online ones do not have them."""
    online = [r for r in rows if r.mode == "online"]
    pools = [online, rows] if online and len(online) < len(rows) else [rows]
    for pool in pools:
        try:
            kept = _narrow(pool, "precision", q.precision, "precision")
            return _narrow(kept, "shape", q.shape, "shape")
        except EstimateError:
            if pool is pools[-1]:
                raise
    raise AssertionError("unreachable")


def _operating_point(rows: list[ThroughputRow], q: Lookup) -> tuple[ThroughputRow, list[str]]:
    """Concurrency, latency target or best online row; offline only when allowed."""
    if q.concurrency is not None:
        hits = [r for r in rows if r.concurrency == q.concurrency]
        if not hits:
            have = sorted({r.concurrency for r in rows if r.concurrency is not None})
            raise EstimateError(f"no row at concurrency {q.concurrency}; the table has: "
                                f"{', '.join(map(str, have)) or 'none'}",
                                field="replica.concurrency")
        rows = hits
    if q.max_latency_ms is not None:
        rows = [r for r in rows if r.latency_ms is not None and r.latency_ms <= q.max_latency_ms]
        if not rows:
            raise EstimateError(f"no row with a latency within {q.max_latency_ms:g} ms",
                                field="replica.max_latency_ms")
    online = [r for r in rows if r.mode == "online"]
    if online:
        return max(online, key=lambda r: r.replica_value), []
    if not q.allow_offline:
        raise EstimateError(
            "the table has only offline (saturated) figures here; a latency-bound service "
            "gets far less", field="replica.allow_offline",
            hint="set replica.allow_offline: true to size from the saturated figure anyway, "
                 "or measure the service (a load-test calibration file)")
    best = max(rows, key=lambda r: r.replica_value)
    return best, [f"sized from an offline (saturated) figure ({best.source}): a latency-bound "
                  "service serves less per replica; calibrate with a load test"]


def size_from_table(q: Lookup, table: tuple[ThroughputRow, ...] | None = None) -> Sizing:
    """Requests/s per replica from the table (see the module docstring)."""
    rows_all = load_table() if table is None else table
    rows = [r for r in rows_all if r.runtime == q.runtime and r.model_class == q.model_class
            and r.accelerator == q.accelerator and r.accelerator_count == q.accelerator_count]
    if not rows:
        raise _missing(q, rows_all)
    row, warnings = _operating_point(_candidates(rows, q), q)
    rps = row.replica_value / _per_request(row, q)
    name = " ".join(p for p in (row.runtime, row.runtime_version, row.model) if p)
    detail = (f"{name} on {row.accelerator_count}x {row.accelerator} {row.precision}, "
              f"{row.mode} {row.shape}"
              + (f", concurrency {row.concurrency}" if row.concurrency else "")
              + (f", batch {row.batch}" if row.batch else "")
              + f": {row.replica_value:,.6g} {row.unit.replace('_per_s', '/s').replace('_', ' ')}")
    return Sizing(rps, "table", detail, row, tuple(warnings))


def _per_request(row: ThroughputRow, q: Lookup) -> float:
    """Divisor from the row's unit to requests: output tokens or items per request."""
    if row.unit == "requests_per_s":
        return 1.0
    if row.unit == "items_per_s":
        return q.items_per_request
    tokens = q.output_tokens or row.output_tokens
    if tokens is None:
        raise EstimateError(f"the row's workload shape {row.shape!r} does not fix the output "
                            "length; give the output tokens per request",
                            field="replica.output_tokens")
    return tokens


def check_positive(value: float, name: str) -> float:
    """A sizing must end in a finite, positive rate."""
    if not (value > 0 and math.isfinite(value)):
        raise EstimateError(f"must be a finite number > 0, got {value}", field=name)
    return value
