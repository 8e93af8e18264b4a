"""``ailab preview STACK``: the offline resource inventory of a stack."""

from __future__ import annotations

from pathlib import Path

import typer

from ailab.cli.common import print_json, print_table
from ailab.cli.cost import FORMAT_HELP, USAGE_HELP, OutputFormat, priced_preview


def preview(
    stack: str = typer.Argument(..., help="Stack name: stacks/Pulumi.<STACK>.yaml."),
    json_out: bool = typer.Option(False, "--json", help="Print the inventory as JSON."),
    stacks_dir: Path = typer.Option(None, "--stacks-dir", help="Folder of stack files "
                                    "(default: the project's stacks/)."),
    policy: bool = typer.Option(False, "--policy", help="Also evaluate the guardrail rules "
                                "(ailab policy list); exit 1 on mandatory violations."),
    cost: bool = typer.Option(False, "--cost", help="Price every resource: monthly and "
                              "hourly, per component and stack."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help=FORMAT_HELP
                                     + " Implies --cost."),
    usage: Path = typer.Option(None, "--usage", help=USAGE_HELP + " Implies --cost."),
    compare_to: Path = typer.Option(None, "--compare-to", help="Baseline JSON from `ailab "
                                    "preview STACK --cost --json`: per-resource cost "
                                    "differences and the total delta. Implies --cost."),
) -> None:
    """Run a stack's Pulumi program offline (under mocks) and list every resource.

    Nothing is sent to any cloud: the program runs with the stack's config and a
    local engine that records each declared resource.
    """
    from ailab.core.tokens import display_name
    from ailab.infra.preview import preview_stack
    from ailab.infra.summary import summarize

    inventory = preview_stack(stack, stacks_dir)
    priced = priced_preview(inventory.to_json(), cost, fmt, usage, compare_to)
    if policy:
        from ailab.cli.policy import evaluate_preview, fail_on_mandatory, print_violations

        verdict = evaluate_preview(inventory)
    if json_out:
        doc = inventory.to_json()
        if priced is not None:
            doc = priced.document(doc)
        if policy:
            doc["policy"] = verdict
        print_json(doc, "preview")
        if policy:
            fail_on_mandatory(stack, verdict)
        return
    rows = [(display_name(r.type), r.name, summarize(r.type, r.inputs, bool(r.retain_on_delete)))
            for r in inventory.resources if r.custom]
    rows.sort(key=lambda row: (row[0], row[1]))
    components = sum(1 for r in inventory.resources if not r.custom)
    if priced is not None:
        priced.print()
    else:
        print_table(f"{stack} ({inventory.cloud} {inventory.region})",
                    ["type", "name", "key settings"], rows,
                    footer=f"{len(rows)} resources in {components} components")
    if policy:
        print_violations(stack, verdict)
        fail_on_mandatory(stack, verdict)


def register(app: typer.Typer) -> None:
    """Add ``preview`` to the root app."""
    app.command("preview")(preview)
