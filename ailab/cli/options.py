"""One option vocabulary for every command: the shared option definitions.

A flag means the same thing wherever it appears:

- ``--json`` prints one JSON document (the same as ``--format json``); every
  document carries ``schema``, ``schema_version``, ``generated_at`` and
  ``currency`` (``docs/schemas/``). ``--format table|json|markdown|html``
  chooses among what a command can print.
- ``--dry-run`` changes nothing and shows what would happen; ``--yes`` acts for
  real without asking. Commands that change or spend something are dry runs
  unless ``--yes``; giving both is a usage error.
- ``--limit N`` rows in a table (JSON always has all); ``--all`` shows the rows
  a table hides by default (free resources, for example).
- ``--chart``/``--html``/``--output FILE`` are checked before any work and
  written whole or not at all.
- Global options, accepted by every command: ``--quiet``, ``--no-color``,
  ``--project-dir DIR``.

Old spellings stay as hidden aliases (``DEPRECATED``): they are rewritten before
parsing, with a one-line warning, on commands that have the new spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ailab.core.errors import AilabError

# --- formats ----------------------------------------------------------------------------


class Format(StrEnum):
    """Every output format a command may offer."""

    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class TableJson(StrEnum):
    table = "table"
    json = "json"


class TableJsonMarkdown(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class AnyFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


_FORMAT_HELP = "Output format ({}); --json is the same as --format json."
FormatTJ = Annotated[TableJson | None, typer.Option(
    "--format", help=_FORMAT_HELP.format("table or json"), show_default=False)]
FormatTJM = Annotated[TableJsonMarkdown | None, typer.Option(
    "--format", help=_FORMAT_HELP.format("table, json or markdown: a pull-request comment"),
    show_default=False)]
FormatAny = Annotated[AnyFormat | None, typer.Option(
    "--format", help=_FORMAT_HELP.format("table, json, markdown or html"), show_default=False)]
Json = Annotated[bool, typer.Option(
    "--json", help="Print one JSON document (schema: docs/schemas/).")]


def output_format(as_json: bool, fmt: StrEnum | None) -> Format:
    """The format asked for by ``--json`` and/or ``--format``; they must agree."""
    chosen = Format(fmt.value) if fmt is not None else None
    if as_json and chosen not in (None, Format.json):
        raise AilabError(f"--json and --format {chosen} contradict each other; give one")
    return Format.json if as_json else chosen or Format.table


# --- acting or not ----------------------------------------------------------------------

DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Change nothing: show what would be done (the default unless --yes).")]
Yes = Annotated[bool, typer.Option(
    "--yes", "-y", help="Act for real, without asking.")]


def usage_problem(message: str) -> AilabError:
    """A usage problem only the command can see (two options that exclude each other)."""
    return AilabError(message)


def acts(dry_run: bool, yes: bool) -> bool:
    """True when the command should act for real (``--yes``), False for a dry run."""
    if dry_run and yes:
        raise AilabError("--dry-run and --yes contradict each other; give one")
    return yes


# --- rows -------------------------------------------------------------------------------

Limit = Annotated[int, typer.Option(
    "--limit", min=1, help="Rows shown in the table (JSON always has every row).")]
ShowAll = Annotated[bool, typer.Option(
    "--all", help="Show every row, including the ones hidden by default.")]

# --- files ------------------------------------------------------------------------------

Chart = Annotated[Path | None, typer.Option(
    "--chart", metavar="FILE", help="Write a PNG chart to FILE (checked before any work).")]
Html = Annotated[Path | None, typer.Option(
    "--html", metavar="FILE", help="Write an HTML report to FILE (checked before any work).")]
Output = Annotated[Path | None, typer.Option(
    "--output", "-o", metavar="FILE", help="Write the result to FILE instead of stdout.")]
UsageFile = Annotated[Path | None, typer.Option(
    "--usage", metavar="FILE", help="Usage file: YAML keyed by resource name or wildcard "
    "(`lab-gpu-*`) with stored_gb, requests, egress_gb, hours_per_month, processed_gb; "
    "`ailab cost usage-file STACK` writes one.")]
StacksDir = Annotated[Path | None, typer.Option(
    "--stacks-dir", metavar="DIR", help="Folder of stack files (default: the project's "
    "stackConfigDir, see `ailab doctor`).")]


def _stack_names(incomplete: str) -> list[str]:
    """Shell completion for stack names (no error when there is no project)."""
    try:
        from ailab.infra.stacks import list_stacks

        return [name for name in list_stacks() if name.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion must never fail the shell
        return []


Stack = Annotated[str, typer.Argument(
    metavar="STACK", help="Stack name: Pulumi.<STACK>.yaml in the project's stack folder.",
    autocompletion=_stack_names)]
Region = Annotated[str | None, typer.Option("--region", help="Only this region.")]
Cloud = Annotated[str | None, typer.Option("--cloud", help="Only this cloud.")]

# --- help -------------------------------------------------------------------------------


def examples(*lines: str) -> str:
    """A help epilog: example command lines (each help page has at least one) and
    the global options."""
    body = "\n".join(f"  {line}" for line in lines)
    return f"Examples:\n\n\b\n{body}\n\n{GLOBAL_HELP}"


# --- global options ---------------------------------------------------------------------

Quiet = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or notes on stderr (errors and warnings stay).")]
NoColor = Annotated[bool, typer.Option(
    "--no-color", help="No colour (also NO_COLOR=1; never when output is not a terminal).")]
ProjectDir = Annotated[Path | None, typer.Option(
    "--project-dir", metavar="DIR", help="Project folder (its Pulumi.yaml, stacks, policies, "
    "examples). Default: the nearest Pulumi.yaml above the current folder, else the "
    "packaged examples.")]
GLOBAL_FLAGS = ("--quiet", "-q", "--no-color")
GLOBAL_VALUED = ("--project-dir",)
GLOBAL_HELP = "Global options, accepted anywhere on the line: --quiet, --no-color, " \
              "--project-dir DIR."


def hoist_globals(args: Sequence[str]) -> list[str]:
    """The global options moved to the front, where the root command reads them, so
    that ``ailab preview STACK --quiet`` works like ``ailab --quiet preview STACK``."""
    front: list[str] = []
    rest: list[str] = []
    it = iter(args)
    for token in it:
        if token == "--":
            rest += [token, *it]
            break
        name = token.partition("=")[0]
        if token in GLOBAL_FLAGS:
            front.append(token)
        elif name in GLOBAL_VALUED:
            front.append(token)
            if "=" not in token:
                front.append(next(it, ""))
        else:
            rest.append(token)
    return front + rest


# --- deprecated spellings ---------------------------------------------------------------

DEPRECATED: dict[str, str] = {
    "--top": "--limit",
    "--dryrun": "--dry-run",
}
"""Old spelling -> new spelling. Rewritten only on commands that have the new
spelling and not the old one, so the same old word can mean something else elsewhere."""


def leaf_command(root: Any, args: Sequence[str]) -> Any:
    """The click command that ``args`` runs (the deepest group or command named)."""
    command = root
    for token in args:
        if token == "--":
            break
        subs = getattr(command, "commands", None)
        if token.startswith("-") or subs is None:
            continue
        if token not in subs:
            break
        command = subs[token]
    return command


DEPRECATED_COMMANDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("cost", "--from-pulumi-preview"): ("cost", "breakdown"),
}
"""(command, first option) -> the command it now belongs to."""


def rewrite_deprecated(root: Any, args: Sequence[str],
                       warn: Callable[[str], None]) -> list[str]:
    """``args`` with deprecated spellings replaced, warning once for each."""
    args = list(args)
    if len(args) > 1:
        new_command = DEPRECATED_COMMANDS.get((args[0], args[1].partition("=")[0]))
        if new_command is not None:
            warn(f"warning: `ailab {args[0]} {args[1].partition('=')[0]}` is deprecated; "
                 f"use `ailab {' '.join(new_command)} {args[1].partition('=')[0]}`")
            args = [*new_command, *args[1:]]
    command = leaf_command(root, args)
    names = {opt for param in command.params for opt in getattr(param, "opts", [])}
    out: list[str] = []
    rest = False
    for token in args:
        rest = rest or token == "--"
        flag, sep, value = token.partition("=")
        new = DEPRECATED.get(flag)
        if not rest and new and new in names and flag not in names:
            warn(f"warning: {flag} is deprecated; use {new}")
            token = new + sep + value
        out.append(token)
    return out
