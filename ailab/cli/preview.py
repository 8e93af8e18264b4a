"""``ailab preview STACK``: the offline resource inventory of a stack."""

from __future__ import annotations

from pathlib import Path

import typer

from ailab.cli.common import print_json, print_table


def preview(
    stack: str = typer.Argument(..., help="Stack name: stacks/Pulumi.<STACK>.yaml."),
    json_out: bool = typer.Option(False, "--json", help="Print the inventory as JSON."),
    stacks_dir: Path = typer.Option(None, "--stacks-dir", help="Folder of stack files "
                                    "(default: the project's stacks/)."),
) -> None:
    """Run a stack's Pulumi program offline (under mocks) and list every resource.

    Nothing is sent to any cloud: the program runs with the stack's config and a
    local engine that records each declared resource.
    """
    from infra.preview import preview_stack
    from infra.summary import short_type, summarize

    inventory = preview_stack(stack, stacks_dir)
    if json_out:
        doc = inventory.to_json()
        print_json(doc)
        return
    rows = [(short_type(r.type), r.name, summarize(r.type, r.inputs, r.retain_on_delete))
            for r in inventory.resources if r.custom]
    rows.sort(key=lambda row: (row[0], row[1]))
    components = sum(1 for r in inventory.resources if not r.custom)
    print_table(f"{stack} ({inventory.cloud} {inventory.region})",
                ["type", "name", "key settings"], rows,
                footer=f"{len(rows)} resources in {components} components")


def register(app: typer.Typer) -> None:
    """Add ``preview`` to the root app."""
    app.command("preview")(preview)
