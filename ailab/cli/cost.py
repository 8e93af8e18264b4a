"""``ailab cost`` and ``ailab diff``: price a stack before ``pulumi up``.

- ``ailab cost --from-pulumi-preview FILE`` prices the JSON that
  ``pulumi preview --json`` writes (for users with the Pulumi CLI and a backend).
- ``ailab diff STACK_A STACK_B`` prices two stacks offline and shows what differs.

``ailab preview STACK --cost`` uses the helpers here too (``priced_preview``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ailab.cli.common import print_json, print_table

if TYPE_CHECKING:
    from ailab.costs.stack_pricing import CostDiff, StackCost


class OutputFormat(StrEnum):
    """How priced output is printed for people."""

    table = "table"
    markdown = "markdown"


USAGE_HELP = "Usage file: YAML keyed by resource name (stored_gb, requests, egress_gb, " \
             "hours_per_month, processed_gb)."
FORMAT_HELP = "table (terminal) or markdown (a pull-request comment)."


def _usage(path: Path | None, resources: list[dict[str, Any]],
           also_known: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Load and check a usage file against a stack's resources. Names in
    ``also_known`` (the other side of a comparison) are skipped, not refused."""
    if path is None:
        return {}
    from ailab.costs.stack_pricing.registry import usage_fields_for
    from ailab.costs.usage import check_usage, load_usage

    names = {r["name"] for r in resources}
    usage = {k: v for k, v in load_usage(path).items()
             if k in names or k not in (also_known or set())}
    check_usage(usage, str(path), resources, usage_fields_for)
    return usage


def price_document(doc: dict[str, Any], usage_path: Path | None,
                   also_known: set[str] | None = None) -> StackCost:
    """Price an inventory document with an optional usage file."""
    from ailab.costs.stack_pricing import price_inventory

    return price_inventory(doc, _usage(usage_path, doc["resources"], also_known))


def _read_baseline(path: Path) -> StackCost:
    from ailab.core.inputs import read_json
    from ailab.costs.stack_pricing import stack_cost_from_json

    return stack_cost_from_json(read_json(path, show_line=True), str(path))


@dataclass
class PricedPreview:
    """A priced inventory, optionally compared with a baseline, ready to print."""

    cost: StackCost
    diff: CostDiff | None
    fmt: OutputFormat

    def document(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The inventory JSON with a ``cost`` object per resource and the totals."""
        from ailab.costs.stack_pricing import priced_document

        out = priced_document(doc, self.cost)
        if self.diff is not None:
            out["cost_diff"] = self.diff.to_json()
        return out

    def print(self) -> None:
        if self.fmt is OutputFormat.markdown:
            from ailab.costs.stack_pricing.render import diff_markdown, stack_markdown

            typer.echo(stack_markdown(self.cost), nl=False)
            if self.diff is not None:
                typer.echo("\n" + diff_markdown(self.diff), nl=False)
            return
        print_cost_table(self.cost)
        if self.diff is not None:
            print_diff_table(self.diff)


def priced_preview(doc: dict[str, Any], cost: bool, fmt: OutputFormat, usage: Path | None,
                   compare_to: Path | None) -> PricedPreview | None:
    """What ``ailab preview --cost`` adds; None when no cost option was given."""
    if not (cost or fmt is OutputFormat.markdown or usage or compare_to):
        return None
    from ailab.costs.stack_pricing import diff_costs

    priced = price_document(doc, usage)
    diff = diff_costs(_read_baseline(compare_to), priced) if compare_to else None
    return PricedPreview(priced, diff, fmt)


def print_cost_table(cost: StackCost, ops: dict[str, str] | None = None) -> None:
    """Every resource's monthly cost, dearest first, then unpriced and free ones."""
    from ailab.core.tokens import display_name
    from ailab.costs.stack_pricing.render import (
        details_cell,
        monthly_cell,
        totals_text,
        usd,
    )

    order = {"priced": 0, "usage": 0, "unpriced": 1, "free": 2}
    lines = sorted(cost.lines, key=lambda ln: (order[ln.status], -(ln.monthly_usd or 0.0)))
    columns = ["type", "name", *(["op"] if ops else []), "monthly", "how"]
    rows = [(display_name(ln.type), ln.name, *([ops.get(ln.name, "")] if ops else []),
             monthly_cell(ln), details_cell(ln)) for ln in lines]
    parts = ", ".join(f"{name} {usd(value)}" for name, value in cost.by_component().items()
                      if value)
    notes = "".join(f"\n- {ln.name}: {note}" for ln in lines if ln.status != "free"
                    for note in ln.notes)
    print_table(f"{cost.stack} monthly cost ({cost.cloud} {cost.region})", columns, rows,
                footer=f"{totals_text(cost)}\nper component: {parts}"
                       + (f"\nnotes:{notes}" if notes else ""))


def print_diff_table(diff: CostDiff) -> None:
    """Resources whose cost changes, and the total delta."""
    from ailab.costs.stack_pricing.render import monthly_cell, usd

    rows = [(d.name, d.change, "" if d.before is None else monthly_cell(d.before),
             "" if d.after is None else monthly_cell(d.after), usd(d.delta_usd, signed=True))
            for d in diff.changed()]
    print_table(f"cost change: {diff.before.stack} -> {diff.after.stack}",
                ["name", "change", "before", "after", "delta"], rows,
                footer=f"total {usd(diff.before.total_monthly_usd)} -> "
                       f"{usd(diff.after.total_monthly_usd)} per month "
                       f"({usd(diff.total_delta_usd, signed=True)}/month, "
                       f"{usd(diff.total_delta_usd / 730.0, signed=True)}/hour)")


def cost(
    from_pulumi_preview: Path = typer.Option(..., "--from-pulumi-preview", help="JSON written "
                                             "by `pulumi preview --json > FILE`."),
    usage: Path = typer.Option(None, "--usage", help=USAGE_HELP),
    region: str = typer.Option(None, "--region", help="Region when the preview's config "
                               "names none."),
    json_out: bool = typer.Option(False, "--json", help="Print the priced inventory as JSON."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Price a real `pulumi preview --json`: the stack after the update and the change.

    Each resource the update leaves in place is priced from the embedded catalog
    and storage prices; resources the preview deletes or replaces show up in the
    change against the stack as it is now.
    """
    from ailab.costs.pulumi_preview_json import load_preview
    from ailab.costs.stack_pricing import diff_costs

    docs = load_preview(from_pulumi_preview, region)
    names_after = {r["name"] for r in docs.after["resources"]}
    names_before = {r["name"] for r in docs.before["resources"]}
    after = price_document(docs.after, usage, names_before)
    before = price_document(docs.before, usage, names_after)
    diff = diff_costs(before, after) if docs.before["resources"] else None
    if json_out:
        from ailab.costs.stack_pricing import priced_document

        doc = priced_document(docs.after, after)
        for res in doc["resources"]:
            res["op"] = docs.ops.get(res["name"], "")
        if diff is not None:
            doc["cost_diff"] = diff.to_json()
        print_json(doc, "cost")
        return
    if fmt is OutputFormat.markdown:
        PricedPreview(after, diff, fmt).print()
        return
    print_cost_table(after, docs.ops)
    if diff is not None:
        print_diff_table(diff)


def diff(
    stack_a: str = typer.Argument(..., help="Baseline stack: stacks/Pulumi.<STACK_A>.yaml."),
    stack_b: str = typer.Argument(..., help="Changed stack: stacks/Pulumi.<STACK_B>.yaml."),
    usage: Path = typer.Option(None, "--usage", help=USAGE_HELP + " Names may use either "
                               "stack's prefix."),
    stacks_dir: Path = typer.Option(None, "--stacks-dir", help="Folder of stack files "
                                    "(default: the project's stacks/)."),
    json_out: bool = typer.Option(False, "--json", help="Print the differences as JSON."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Price two stacks offline and show per-resource cost differences and the total delta.

    Resources are matched by name without the stack prefix, so two configs of the
    same program line up: a change to a stack's config shows its price before it
    ships.
    """
    from ailab.costs.stack_pricing import diff_costs, price_inventory
    from ailab.infra.preview import preview_stack

    docs = [preview_stack(name, stacks_dir).to_json() for name in (stack_a, stack_b)]
    usage_a, usage_b = _usage_pair(usage, docs[0], docs[1])
    result = diff_costs(price_inventory(docs[0], usage_a), price_inventory(docs[1], usage_b))
    if json_out:
        print_json(result.to_json(), "cost-diff")
        return
    if fmt is OutputFormat.markdown:
        from ailab.costs.stack_pricing.render import diff_markdown

        typer.echo(diff_markdown(result), nl=False)
        return
    print_diff_table(result)


def _usage_pair(path: Path | None, doc_a: dict[str, Any], doc_b: dict[str, Any]
                ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """One usage file for two stacks: a name written with either stack's prefix
    applies to the matching resource of both."""
    if path is None:
        return {}, {}
    from ailab.core.errors import InputFileError
    from ailab.costs.stack_pricing.registry import usage_fields_for
    from ailab.costs.usage import check_usage, load_usage

    raw = load_usage(path)
    out = []
    for doc, other in ((doc_a, doc_b), (doc_b, doc_a)):
        stack, names = doc["stack"], {r["name"] for r in doc["resources"]}
        mine = {}
        for key, value in raw.items():
            name = stack + key.removeprefix(other["stack"]) if key.startswith(
                other["stack"] + "-") else key
            if name in names:
                mine[name] = value
        check_usage(mine, str(path), doc["resources"], usage_fields_for)
        out.append(mine)
    for key in raw:
        base = key.removeprefix(doc_a["stack"]).removeprefix(doc_b["stack"])
        if not any(doc["stack"] + base in out[i] or key in out[i]
                   for i, doc in enumerate((doc_a, doc_b))):
            raise InputFileError(str(path), key, "no resource of that name in either stack")
    return out[0], out[1]


def register(app: typer.Typer) -> None:
    """Add ``cost`` and ``diff`` to the root app."""
    app.command("cost")(cost)
    app.command("diff")(diff)
