"""``ailab preview STACK``: the offline resource inventory of a stack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ailab.cli import options
from ailab.cli.common import print_json, print_table, progress
from ailab.cli.options import Format
from ailab.cli.tables import Col

EXAMPLES = options.examples(
    "ailab preview aws-h100-cluster",
    "ailab preview gcp-a3-cluster --json",
    "ailab preview aws-gpu-lab --cost --all",
    "ailab preview aws-gpu-lab --usage examples/usage/aws-gpu-lab.yaml",
    "ailab preview aws-gpu-lab --cost --json > out/base.json",
    "ailab preview aws-gpu-lab --compare-to out/base.json --format markdown",
    "ailab preview aws-gpu-lab --policy")


def preview(
    stack: options.Stack,
    as_json: options.Json = False,
    fmt: options.FormatTJM = None,
    stacks_dir: options.StacksDir = None,
    policy: Annotated[bool, typer.Option(
        "--policy", help="Also evaluate the guardrail rules (ailab policy list); exit 1 on "
        "mandatory violations.")] = False,
    cost: Annotated[bool, typer.Option(
        "--cost", help="Price every resource: monthly and hourly, per component and "
        "stack.")] = False,
    usage: options.UsageFile = None,
    compare_to: Annotated[Path | None, typer.Option(
        "--compare-to", metavar="FILE", help="Baseline JSON from `ailab preview STACK --cost "
        "--json`: per-resource and per-component differences. Implies --cost.")] = None,
    show_all: options.ShowAll = False,
) -> None:
    """Run a stack's Pulumi program offline (under mocks) and list every resource.

    Nothing is sent to any cloud: the program runs with the stack's config and a
    local engine that records each declared resource. --usage, --compare-to and
    --format markdown imply --cost.
    """
    from ailab.core.tokens import display_name
    from ailab.infra.preview import preview_stack
    from ailab.infra.summary import summarize

    out = options.output_format(as_json, fmt)
    with progress(f"previewing {stack}: its Pulumi program under mocks"):
        inventory = preview_stack(stack, stacks_dir)
    priced = None
    if cost or usage or compare_to or out is Format.markdown:
        from ailab.cli.priced import priced_preview

        priced = priced_preview(inventory, usage, compare_to)
    verdict = None
    if policy:
        from ailab.cli.policy import evaluate_preview

        verdict = evaluate_preview(inventory)
    if out is Format.json:
        doc = inventory.to_json()
        if priced is not None:
            doc = priced.document(doc)
        if verdict is not None:
            doc["policy"] = verdict
        print_json(doc, "preview")
    elif priced is not None:
        priced.print(out, show_all)
    else:
        rows = sorted((display_name(r.type), r.name,
                       summarize(r.type, r.inputs, bool(r.retain_on_delete)))
                      for r in inventory.resources if r.custom)
        components = sum(1 for r in inventory.resources if not r.custom)
        print_table(f"{stack} ({inventory.cloud} {inventory.region})",
                    [Col("type", "name"), Col("name", "name"), Col("key settings", "text")],
                    rows, footer=f"{len(rows)} resources in {components} components")
    if verdict is not None:
        from ailab.cli.policy import fail_on_mandatory, print_violations

        if out is not Format.json:
            print_violations(stack, verdict)
        fail_on_mandatory(stack, verdict)


def register(app: typer.Typer) -> None:
    """Add ``preview`` to the root app."""
    app.command("preview", epilog=EXAMPLES)(preview)
