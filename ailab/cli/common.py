"""Shared CLI plumbing: exit codes, errors, JSON documents, tables, progress, notes.

Library code never prints; commands print through these helpers so that every
command behaves the same:

- results go to stdout: one JSON document (``print_json``: the envelope with
  ``schema``, ``schema_version``, ``generated_at`` and ``currency``), a table
  that fits the terminal (``print_table``) or text;
- everything else goes to stderr: progress (``progress``: a rich spinner, only
  on a terminal and never with ``--quiet``), notes and warnings (``note``,
  ``warn``) and errors, one line each (``fail``);
- colour only on a terminal, never with ``NO_COLOR`` or ``--no-color``.

Exit codes (``ailab.core.errors.ExitCode``): 0 ok, 1 policy violation or partial
failure, 2 bad input or usage, 3 lease held, 70 internal error (one line, and
the full traceback in a file under the user log folder), 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ailab.cli.tables import Col
from ailab.core.errors import AilabError

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class Settings:
    """What the global options set for this run."""

    quiet: bool = False
    no_color: bool = False


SETTINGS = Settings()

# --- errors -------------------------------------------------------------------------------

FLAGS: dict[str, str] = {}
"""Fields whose flag is not ``--`` + the field in kebab case (commands add theirs)."""


def flag_for(field: str) -> str:
    """The CLI flag of a library field: ``interruption_bucket`` -> ``--interruption-bucket``."""
    return FLAGS.get(field) or "--" + field.replace("_", "-")


def message_of(exc: AilabError) -> str:
    """The error's line as the CLI shows it: a field named by the library becomes its flag."""
    return f"{flag_for(exc.field)}: {exc.problem}" if exc.field else exc.message


def fail(exc: AilabError) -> None:
    """Print a domain error as one line (plus an optional hint line) and exit."""
    typer.echo(f"error: {message_of(exc)}", err=True)
    if exc.hint:
        typer.echo(f"hint: {exc.hint}", err=True)
    raise SystemExit(exc.exit_code)


# --- stdout -------------------------------------------------------------------------------


def is_tty() -> bool:
    """True when stdout is a terminal: colour, full tables."""
    return sys.stdout.isatty()


def console(stderr: bool = False) -> Console:
    """A rich console on stdout or stderr: the terminal's width (``$COLUMNS`` or 80
    when piped), colour only on a terminal and never with NO_COLOR / --no-color."""
    from rich.console import Console

    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False,
                   no_color=SETTINGS.no_color or None, soft_wrap=False)


def envelope(schema: str, data: dict[str, Any]) -> dict[str, Any]:
    """Every JSON document: its schema name and version, when, and the currency (USD,
    unless the document's own data is in another: a billing export's currency); a
    document built from price tables also carries their dates (``price_tables``)."""
    from ailab.cli.schemas import schema_version
    from ailab.costs import freshness

    head = {"schema": schema, "schema_version": schema_version(schema),
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "currency": data.get("currency") or "USD"}
    tables = freshness.used_json()
    if tables and "price_tables" not in data:
        data = {**data, "price_tables": tables}
    return {**head, **{k: v for k, v in data.items() if k not in head}}


def print_json(data: dict[str, Any], schema: str) -> None:
    """Write one JSON document to stdout (numbers stay numbers, NaN is refused)."""
    typer.echo(json.dumps(envelope(schema, data), indent=2, default=_json_default,
                          allow_nan=False))


def warn_stale_prices() -> None:
    """After a command: one stderr line per price table it used that is over 30 days old
    (shown even with --quiet: it changes what the numbers mean)."""
    from ailab.costs import freshness

    for line in freshness.warnings():
        warn(line)


def _json_default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_table(title: str | None, columns: Sequence[str | Col], rows: Iterable[Sequence[Any]],
                footer: str | None = None) -> None:
    """A table that fits the terminal (``ailab.cli.tables``), then an optional footer."""
    from ailab.cli.tables import build_table

    out = console()
    out.print(build_table(title, columns, rows, out.width))
    if footer:
        out.print(footer, markup=False)


# --- stderr -------------------------------------------------------------------------------


def note(message: str) -> None:
    """A note for people on stderr (not with --quiet)."""
    if not SETTINGS.quiet:
        typer.echo(message, err=True)


def warn(message: str) -> None:
    """A warning on stderr (shown even with --quiet)."""
    typer.echo(message, err=True)


class Progress:
    """What a long step reports: ``update("scanning us-east-1 (3/12)")``."""

    def __init__(self, status: Any = None) -> None:
        self._status = status

    def update(self, message: str) -> None:
        if self._status is not None:
            self._status.update(message)


@contextmanager
def progress(message: str) -> Iterator[Progress]:
    """A spinner with a message on stderr while a step runs (more than ~2 s); nothing
    when stderr is not a terminal or with --quiet, so logs and pipes stay clean."""
    if SETTINGS.quiet or not sys.stderr.isatty():
        yield Progress()
        return
    with console(stderr=True).status(message) as status:
        yield Progress(status)


# --- files ------------------------------------------------------------------------------


def input_file(path: Path) -> Path:
    """An input file as given, else the project's or the packaged copy (with a note)."""
    from ailab.core.project import resolve_input

    found, why = resolve_input(path)
    if why:
        note(f"note: {why}")
    return found


def output_files(**paths: Path | None) -> None:
    """Check every output path before any work (one error naming the flag)."""
    from ailab.core.outputs import check_output_path

    for field, path in paths.items():
        if path is not None:
            check_output_path(path, field)


def write_file(path: Path, data: str | bytes) -> None:
    """Write an output file whole (temporary file, then rename) and say where."""
    from ailab.core.outputs import write_atomic

    write_atomic(path, data)
    note(f"wrote {path}")


def write_file_with(path: Path, writer: Callable[[str], None]) -> None:
    """Write an output file through a library that wants a file name (matplotlib's
    ``savefig``): to a temporary file beside it, then renamed; and say where."""
    from ailab.core.outputs import write_atomic_with

    write_atomic_with(path, writer)
    note(f"wrote {path}")


def charts_ready() -> None:
    """On the first chart ever, matplotlib builds its font cache (several seconds):
    say so instead of sitting silent."""
    import matplotlib

    if not any(Path(matplotlib.get_cachedir()).glob("fontlist-*.json")):
        note("note: building matplotlib's font cache (first chart only, a few seconds)")
