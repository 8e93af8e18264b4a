"""``ailab estimate ...``: the cost-estimate command group.

Each estimate lives in its own module (``estimate_train``, ``estimate_serve``,
``estimate_storage``) that defines ``register_estimate(group)``; this module
only assembles the group.
"""

from __future__ import annotations

import importlib

import typer

# Modules under ailab/cli/ that define register_estimate(group: typer.Typer).
ESTIMATE_MODULES: list[str] = ["estimate_train", "estimate_serve", "estimate_storage"]


def register(app: typer.Typer) -> None:
    """Attach the ``estimate`` group and its commands to the root app."""
    group = typer.Typer(
        help="Estimate what a training run, a service or a storage plan will cost.",
        no_args_is_help=True,
    )
    for name in ESTIMATE_MODULES:
        importlib.import_module(f"ailab.cli.{name}").register_estimate(group)
    app.add_typer(group, name="estimate")
