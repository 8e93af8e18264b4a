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
    policy: bool = typer.Option(False, "--policy", help="Also evaluate the guardrail rules "
                                "(ailab policy list); exit 1 on mandatory violations."),
) -> None:
    """Run a stack's Pulumi program offline (under mocks) and list every resource.

    Nothing is sent to any cloud: the program runs with the stack's config and a
    local engine that records each declared resource.
    """
    from infra.preview import preview_stack
    from infra.summary import short_type, summarize

    inventory = preview_stack(stack, stacks_dir)
    if policy:
        from ailab.cli.policy import evaluate_preview, fail_on_mandatory, print_violations

        verdict = evaluate_preview(inventory)
    if json_out:
        doc = inventory.to_json()
        if policy:
            doc["policy"] = verdict
        print_json(doc)
        if policy:
            fail_on_mandatory(stack, verdict)
        return
    rows = [(short_type(r.type), r.name, summarize(r.type, r.inputs, r.retain_on_delete))
            for r in inventory.resources if r.custom]
    rows.sort(key=lambda row: (row[0], row[1]))
    components = sum(1 for r in inventory.resources if not r.custom)
    print_table(f"{stack} ({inventory.cloud} {inventory.region})",
                ["type", "name", "key settings"], rows,
                footer=f"{len(rows)} resources in {components} components")
    if policy:
        print_violations(stack, verdict)
        fail_on_mandatory(stack, verdict)


def register(app: typer.Typer) -> None:
    """Add ``preview`` to the root app."""
    app.command("preview")(preview)
