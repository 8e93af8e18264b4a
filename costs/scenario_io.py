"""Read a scenario YAML into a pydantic model, failing with one line per problem.

Scenario files (serve, storage) are schema-checked with ``extra="forbid"``
models; a ValidationError becomes an InputFileError naming the first bad field
so the CLI prints ``error: FILE: field: problem`` instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ailab.core.errors import InputFileError
from ailab.core.inputs import read_mapping

ModelT = TypeVar("ModelT", bound=BaseModel)


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('policy', 'max_replicas')`` -> ``policy.max_replicas``; list items as ``[i]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def validation_error(path: str, exc: ValidationError) -> InputFileError:
    """The first validation problem as a one-line InputFileError."""
    first = exc.errors()[0]
    problem = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        problem = "unknown field; check the spelling against the example scenarios"
    return InputFileError(path, field_path(tuple(first["loc"])), problem)


def load_model(path: Path, model: type[ModelT], context: dict[str, object] | None = None
               ) -> ModelT:
    """Read and validate a YAML scenario; relative paths inside resolve via ``context``."""
    data = read_mapping(path)
    try:
        return model.model_validate(data, context=context or {"base_dir": path.parent})
    except ValidationError as exc:
        raise validation_error(str(path), exc) from None
