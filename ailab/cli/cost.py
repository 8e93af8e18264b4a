"""``ailab cost ...`` and ``ailab diff``: price stacks before ``pulumi up``.

- ``cost breakdown STACK...``: several stacks in one run, each priced offline,
  and the grand total; ``--from-pulumi-preview FILE`` prices the JSON that
  ``pulumi preview --json`` writes instead.
- ``cost usage-file STACK``: a commented usage file to fill in.
- ``cost comment --base B --head H``: a pull-request comment from two runs.
- ``diff A B``: two stacks side by side, per resource and per component.

``ailab preview STACK --cost`` shares the printing (``ailab.cli.priced``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ailab.cli import options
from ailab.cli.common import input_file, output_files, print_json, progress, write_file
from ailab.cli.options import Format
from ailab.cli.priced import (
    PricedPreview,
    price_documents,
    print_cost_table,
    print_diff_table,
    print_totals,
    totals_markdown,
)

if TYPE_CHECKING:
    from ailab.core.inventory import Inventory

group = typer.Typer(help="Price stacks before `pulumi up`: several at once, usage files, "
                         "pull-request comments.", no_args_is_help=True,
                    epilog=options.examples(
                        "ailab cost breakdown aws-gpu-lab gcp-gpu-lab",
                        "ailab cost usage-file aws-gpu-lab -o out/usage.yaml",
                        "ailab cost comment --base out/base.json --head out/head.json"))


def _preview(stacks: list[str], stacks_dir: Path | None) -> list[Inventory]:
    from ailab.infra.preview import preview_stack

    out = []
    for i, name in enumerate(stacks, start=1):
        with progress(f"previewing {name} under Pulumi mocks ({i}/{len(stacks)})"):
            out.append(preview_stack(name, stacks_dir))
    return out


@group.command("breakdown", epilog=options.examples(
    "ailab cost breakdown aws-gpu-lab aws-spot-pool gcp-gpu-lab",
    "ailab cost breakdown aws-gpu-lab --usage examples/usage/aws-gpu-lab.yaml --all",
    "ailab cost breakdown aws-gpu-lab gcp-gpu-lab --json > out/head.json",
    "pulumi preview --json > out/preview.json && ailab cost breakdown "
    "--from-pulumi-preview out/preview.json"))
def breakdown(
    stacks: Annotated[list[str] | None, typer.Argument(
        metavar="[STACK]...", help="Stacks to price (stack files in the project).",
        autocompletion=options._stack_names)] = None,
    from_pulumi_preview: Annotated[Path | None, typer.Option(
        "--from-pulumi-preview", metavar="FILE",
        help="Price the JSON of `pulumi preview --json > FILE` instead of stacks.")] = None,
    usage: options.UsageFile = None,
    region: Annotated[str | None, typer.Option(
        "--region", help="With --from-pulumi-preview: the region when its config names "
        "none.")] = None,
    stacks_dir: options.StacksDir = None,
    show_all: options.ShowAll = False,
    as_json: options.Json = False,
    fmt: options.FormatTJM = None,
) -> None:
    """Monthly cost of one or more stacks, per resource and component, and the grand total."""
    from ailab.costs.stack_pricing.comment import grand_total

    out = options.output_format(as_json, fmt)
    if bool(stacks) == bool(from_pulumi_preview):
        raise options.usage_problem("give STACK names or --from-pulumi-preview FILE (one of "
                                    "the two)")
    if from_pulumi_preview is not None:
        _from_pulumi_preview(input_file(from_pulumi_preview), usage, region, out, show_all)
        return
    inventories = _preview(stacks or [], stacks_dir)
    priced = [PricedPreview(cost, None) for cost in price_documents(inventories, usage)]
    if out is Format.json:
        print_json({"stacks": [p.document(inv.to_json())
                               for p, inv in zip(priced, inventories, strict=True)],
                    **grand_total([p.cost for p in priced])}, "cost-breakdown")
        return
    for p in priced:
        p.print(out, show_all)
    if len(priced) > 1:
        if out is Format.markdown:
            typer.echo("\n" + totals_markdown([p.cost for p in priced]), nl=False)
        else:
            print_totals([p.cost for p in priced])


def _from_pulumi_preview(path: Path, usage: Path | None, region: str | None, out: Format,
                         show_all: bool) -> None:
    """The stack after a real update, and the change against the stack as it is."""
    from ailab.costs.pulumi_preview_json import load_preview
    from ailab.costs.stack_pricing import diff_costs, priced_document
    from ailab.costs.stack_pricing.comment import grand_total

    docs = load_preview(path, region)
    after, before = price_documents([docs.after, docs.before], usage)
    diff = diff_costs(before, after) if docs.before.resources else None
    if out is Format.json:
        doc = priced_document(docs.after.to_json(), after)
        for res in doc["resources"]:
            res["op"] = docs.ops.get(res["name"], "")
        if diff is not None:
            doc["cost_diff"] = diff.to_json()
        print_json({"stacks": [doc], **grand_total([after])}, "cost-breakdown")
        return
    if out is Format.markdown:
        PricedPreview(after, diff).print(out, show_all)
        return
    print_cost_table(after, show_all, docs.ops)
    if diff is not None:
        print_diff_table(diff)


@group.command("usage-file", epilog=options.examples(
    "ailab cost usage-file aws-gpu-lab -o out/aws-gpu-lab.usage.yaml",
    "ailab cost usage-file aws-spot-pool --no-wildcards"))
def usage_file(
    stack: options.Stack,
    output: options.Output = None,
    wildcards: Annotated[bool, typer.Option(
        "--wildcards/--no-wildcards", help="One pattern key for numbered siblings "
        "(lab-gpu-*).")] = True,
    stacks_dir: options.StacksDir = None,
) -> None:
    """Write a commented usage file for a stack: every usage-dependent resource and field."""
    from ailab.costs.stack_pricing.registry import usage_fields_for
    from ailab.costs.usage_template import usage_template

    output_files(output=output)
    (inventory,) = _preview([stack], stacks_dir)
    text = usage_template(inventory, usage_fields_for, wildcards=wildcards,
                          generated_at=datetime.now(UTC).date().isoformat())
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_file(output, text)


@group.command("comment", epilog=options.examples(
    "ailab cost breakdown aws-gpu-lab gcp-gpu-lab --json > out/base.json   # on main",
    "ailab cost breakdown aws-gpu-lab gcp-gpu-lab --json > out/head.json   # on the branch",
    "ailab cost comment --base out/base.json --head out/head.json -o out/comment.md"))
def comment(
    base: Annotated[Path, typer.Option("--base", metavar="FILE", help="JSON of the base "
                                       "branch (`ailab cost breakdown ... --json`).")],
    head: Annotated[Path, typer.Option("--head", metavar="FILE", help="JSON of the pull "
                                       "request, same command.")],
    output: options.Output = None,
) -> None:
    """A pull-request comment (Markdown): total change, per stack, component and resource."""
    from ailab.core.inputs import read_json
    from ailab.costs.stack_pricing.comment import (
        comment_markdown,
        sources_from_json,
        stack_costs_from_json,
    )

    output_files(output=output)
    docs = [(read_json(p, show_line=True), str(p)) for p in (input_file(base), input_file(head))]
    sides = [stack_costs_from_json(doc, path) for doc, path in docs]
    text = comment_markdown(sides[0], sides[1], datetime.now(UTC).isoformat(timespec="seconds"),
                            sources_from_json(docs[1][0]))
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_file(output, text)


def diff(
    stack_a: Annotated[str, typer.Argument(metavar="STACK_A", help="Baseline stack.",
                                           autocompletion=options._stack_names)],
    stack_b: Annotated[str, typer.Argument(metavar="STACK_B", help="Changed stack.",
                                           autocompletion=options._stack_names)],
    usage: options.UsageFile = None,
    stacks_dir: options.StacksDir = None,
    as_json: options.Json = False,
    fmt: options.FormatTJM = None,
) -> None:
    """Price two stacks offline: per-resource and per-component differences, the total.

    Resources are matched by name without the stack prefix, so two configs of the
    same program line up; a usage-file key may use either stack's prefix.
    """
    from ailab.costs.stack_pricing import diff_costs, price_inventory
    from ailab.costs.stack_pricing.registry import usage_fields_for
    from ailab.costs.stack_pricing.render import diff_markdown
    from ailab.costs.usage import load_usage, usage_for_pair

    out = options.output_format(as_json, fmt)
    pair = _preview([stack_a, stack_b], stacks_dir)
    usage_a: dict[str, dict[str, Any]] = {}
    usage_b: dict[str, dict[str, Any]] = {}
    if usage is not None:
        path = input_file(usage)
        usage_a, usage_b = usage_for_pair(load_usage(path), str(path), pair[0], pair[1],
                                          usage_fields_for)
    result = diff_costs(price_inventory(pair[0], usage_a), price_inventory(pair[1], usage_b))
    if out is Format.json:
        print_json(result.to_json(), "cost-diff")
    elif out is Format.markdown:
        typer.echo(diff_markdown(result), nl=False)
    else:
        print_diff_table(result)


def register(app: typer.Typer) -> None:
    """Add ``cost`` and ``diff`` to the root app."""
    app.add_typer(group, name="cost")
    app.command("diff", epilog=options.examples(
        "ailab diff aws-gpu-lab aws-h100-cluster",
        "ailab diff aws-gpu-lab aws-spot-pool --format markdown",
        "ailab diff aws-gpu-lab aws-spot-pool --usage examples/usage/aws-gpu-lab.yaml --json"),
    )(diff)
