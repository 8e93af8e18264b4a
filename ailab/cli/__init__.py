"""The ``ailab`` command line.

Each command group lives in its own module under ``ailab/cli/`` and exposes
``register(app)``. Modules import heavy libraries (pulumi providers, SkyPilot,
cloud SDKs, matplotlib) inside the command functions, never at module level, so
``ailab --help`` and light commands start fast.
"""

from __future__ import annotations

import importlib

import typer

from ailab import __version__
from ailab.cli.common import run_app, warn_stale_prices

app = typer.Typer(
    name="ailab",
    help="Infrastructure as code for AI compute: labs, workloads, costs and a janitor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command modules, in help order. Each defines register(app: typer.Typer).
COMMAND_MODULES = [
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


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Infrastructure as code for AI compute: labs, workloads, costs and a janitor."""
    from ailab.costs import freshness

    freshness.reset()
    ctx.call_on_close(warn_stale_prices)


for _name in COMMAND_MODULES:
    importlib.import_module(f"ailab.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point: run the app, turning domain errors into one line."""
    run_app(app)
