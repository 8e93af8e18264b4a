"""``ailab estimate ...``: the cost-estimate command group.

Each estimate lives in its own module (``estimate_train``, ``estimate_serve``,
``estimate_storage``) that defines ``register_estimate(group)``; this module
only assembles the group.
"""

from __future__ import annotations

import importlib

import typer

from ailab.cli import options

# Modules under ailab/cli/ that define register_estimate(group: typer.Typer).
ESTIMATE_MODULES: list[str] = ["estimate_train", "estimate_serve", "estimate_storage"]


def register(app: typer.Typer) -> None:
    """Attach the ``estimate`` group and its commands to the root app."""
    group = typer.Typer(
        help="Estimate what a training run, a service or a storage plan will cost.",
        no_args_is_help=True,
        epilog=options.examples(
            "ailab estimate train --params 7e9 --tokens 2e12 --gpu H100 --gpus 256",
            "ailab estimate serve examples/serve/chat-l4-diurnal.yaml",
            "ailab estimate storage examples/storage/training-data-s3.yaml"),
    )
    for name in ESTIMATE_MODULES:
        importlib.import_module(f"ailab.cli.{name}").register_estimate(group)
    app.add_typer(group, name="estimate")
