"""The ``ailab`` command line.

Each command group lives in its own module under ``ailab/cli/`` and exposes
``register(app)``. Modules import heavy libraries (pulumi providers, SkyPilot,
cloud SDKs, matplotlib) inside the command functions, never at module level, so
``ailab --help`` and light commands start fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from ailab import __version__
from ailab.cli import options
from ailab.cli.common import SETTINGS, warn_stale_prices

app = typer.Typer(
    name="ailab",
    help="Infrastructure as code for AI compute: labs, workloads, costs and a janitor.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command modules, in help order. Each defines register(app: typer.Typer).
COMMAND_MODULES = [
    "doctor",
    "preview",
    "estimate",
    "catalog",
    "compare",
    "janitor",
    "policy",
    "cost",
    "workloads",
    "usage",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ailab {__version__}")
        raise typer.Exit()


EXIT_CODES = ("Exit codes: 0 ok, 1 policy violation or partial failure, 2 bad input or "
              "usage, 3 another janitor run holds the lease, 70 internal error (one line; "
              "the traceback is written to a file), 130 interrupted.")


@app.callback(epilog=options.examples(
    "ailab doctor", "ailab preview aws-gpu-lab --cost", "ailab estimate train --params 7e9 "
    "--tokens 2e12 --gpu H100 --gpus 256", "ailab --install-completion") + "\n\n" + EXIT_CODES)
def _root(
    ctx: typer.Context,
    quiet: options.Quiet = False,
    no_color: options.NoColor = False,
    project_dir: options.ProjectDir = None,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Infrastructure as code for AI compute: labs, workloads, costs and a janitor."""
    from ailab.core.project import set_project_dir
    from ailab.costs import freshness

    SETTINGS.quiet = quiet
    SETTINGS.no_color = no_color
    set_project_dir(project_dir)
    freshness.reset()
    ctx.call_on_close(warn_stale_prices)


for _name in COMMAND_MODULES:
    importlib.import_module(f"ailab.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point: run the app; every outcome is one exit code
    (``ailab.cli.runner``)."""
    from ailab.cli.runner import run

    raise SystemExit(run(app, sys.argv[1:]))
