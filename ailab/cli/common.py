"""Shared CLI plumbing: error reporting, JSON output and tables.

Library code never prints; commands print through these helpers so that every
command behaves the same: ``--json`` writes one JSON document to stdout, tables
go to people, and errors are one line on stderr with a hint.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import typer

from ailab.core.errors import AilabError


def run_app(app: typer.Typer) -> None:
    """Run the Typer app; AilabError becomes ``error: ...`` and its exit code."""
    try:
        app()
    except AilabError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        raise SystemExit(130) from None


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


def is_tty() -> bool:
    """True when stdout is a terminal: show colour, tables and progress bars."""
    return sys.stdout.isatty()


def print_json(data: Any) -> None:
    """Write one JSON document to stdout (numbers stay numbers, NaN is refused).

    A document built from price tables carries their dates (``price_tables``)."""
    from ailab.costs import freshness

    tables = freshness.used_json()
    if tables and isinstance(data, dict) and "price_tables" not in data:
        data = {**data, "price_tables": tables}
    typer.echo(json.dumps(data, indent=2, default=_json_default, allow_nan=False))


def warn_stale_prices() -> None:
    """After a command: one stderr line per price table it used that is over 30 days old."""
    from ailab.costs import freshness

    for line in freshness.warnings():
        typer.echo(line, err=True)


def _json_default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    footer: str | None = None,
) -> None:
    """Print a rich table to stdout (plain text when not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*["" if cell is None else str(cell) for cell in row])
    console = Console(no_color=not is_tty(), width=None if is_tty() else 200)
    console.print(table)
    if footer:
        console.print(footer)
