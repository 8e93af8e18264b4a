"""Writing output files: checked before any work, written whole or not at all.

A chart, report or refreshed catalog is asked for on the command line before
minutes of work happen; ``check_output_path`` refuses a missing folder or a
directory up front (naming the field), and ``write_atomic`` writes to a
temporary file beside the target and renames it, so an interrupted run never
leaves half a file where the old one was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ailab.core.errors import OutputPathError


def check_output_path(path: Path, field: str) -> Path:
    """``path`` if a file can be written there; else one error naming ``field``."""
    if path.is_dir():
        raise OutputPathError(f"{path} is a directory; give a file name", field=field)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(f"folder {parent} does not exist; create it first", field=field)
    if not os.access(parent, os.W_OK):
        raise OutputPathError(f"folder {parent} is not writable", field=field)
    return path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, mode) as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic_with(path: Path, writer: Callable[[str], None]) -> None:
    """Let ``writer`` write a temporary file beside ``path`` (same suffix, so a
    library that picks the format by extension still does), then rename it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix or ".tmp",
                               dir=path.parent or ".")
    os.close(fd)
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
