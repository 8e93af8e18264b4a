"""Reading input files so that every problem is one ``InputFileError`` line.

Calibration, bench-results and stack-output files are JSON; plans, baselines
and previews are checked with pydantic models. These helpers keep the wording
of "unreadable", "not JSON" and "first invalid field" the same everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ailab.core.errors import InputFileError


def read_json(path: Path, hint: str | None = None, show_line: bool = False) -> Any:
    """Parse a JSON file; an unreadable file or bad JSON is one line (field ``file``/``json``)."""
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise InputFileError(str(path), "file", exc.strerror or "cannot be read") from None
    except json.JSONDecodeError as exc:
        where = f", line {exc.lineno}" if show_line else ""
        raise InputFileError(str(path), "json", f"not valid JSON ({exc.msg}{where})",
                             hint=hint) from None


def invalid_field(path: str, exc: ValidationError, hint: str | None = None,
                  root: str = "file") -> InputFileError:
    """The first validation problem, its field as a dotted path (``root`` for the whole file)."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or root
    return InputFileError(path, field, str(err["msg"]).removeprefix("Value error, "), hint=hint)
