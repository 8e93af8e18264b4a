"""Priced stacks for people: the cost table, the diff table, Markdown; shared by
``ailab preview --cost``, ``ailab cost`` and ``ailab diff``.

Presentation only: prices come from ``ailab.costs.stack_pricing``, usage files
are read and matched by ``ailab.costs.usage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ailab.cli.common import input_file, print_table
from ailab.cli.options import Format
from ailab.cli.tables import Col

if TYPE_CHECKING:
    from ailab.core.inventory import Inventory
    from ailab.costs.stack_pricing import CostDiff, StackCost

ORDER = {"priced": 0, "usage": 0, "unpriced": 1, "free": 2}


def price_documents(docs: list[Inventory], usage: Path | None) -> list[StackCost]:
    """Price inventory documents (several stacks, or one update's after and before)
    with one usage file; every key of the file must match one of them."""
    from ailab.costs.stack_pricing import price_inventory
    from ailab.costs.stack_pricing.registry import usage_fields_for
    from ailab.costs.usage import load_usage_for

    path = input_file(usage) if usage is not None else None
    usages = load_usage_for(path, docs, usage_fields_for)
    return [price_inventory(doc, use) for doc, use in zip(docs, usages, strict=True)]


def read_baseline(path: Path) -> StackCost:
    """A ``--cost --json`` document written earlier (``--compare-to``)."""
    from ailab.core.inputs import read_json
    from ailab.costs.stack_pricing import stack_cost_from_json

    return stack_cost_from_json(read_json(path, show_line=True), str(path))


@dataclass
class PricedPreview:
    """A priced inventory, optionally compared with a baseline, ready to print."""

    cost: StackCost
    diff: CostDiff | None

    def document(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The inventory JSON with a ``cost`` object per resource and the totals."""
        from ailab.costs.stack_pricing import priced_document

        out = priced_document(doc, self.cost)
        if self.diff is not None:
            out["cost_diff"] = self.diff.to_json()
        return out

    def print(self, fmt: Format, show_all: bool, ops: dict[str, str] | None = None) -> None:
        if fmt is Format.markdown:
            from ailab.costs.stack_pricing.render import diff_markdown, stack_markdown

            typer.echo(stack_markdown(self.cost, include_free=show_all), nl=False)
            if self.diff is not None:
                typer.echo("\n" + diff_markdown(self.diff), nl=False)
            return
        print_cost_table(self.cost, show_all, ops)
        if self.diff is not None:
            print_diff_table(self.diff)


def priced_preview(inventory: Inventory, usage: Path | None,
                   compare_to: Path | None) -> PricedPreview:
    """What ``ailab preview --cost`` adds to the inventory."""
    from ailab.costs.stack_pricing import diff_costs

    (priced,) = price_documents([inventory], usage)
    diff = diff_costs(read_baseline(input_file(compare_to)), priced) if compare_to else None
    return PricedPreview(priced, diff)


def print_cost_table(cost: StackCost, show_all: bool = False,
                     ops: dict[str, str] | None = None) -> None:
    """Every resource's monthly cost, dearest first, then unpriced ones; free ones
    only with ``--all`` (their count says they are there)."""
    from ailab.core.tokens import display_name
    from ailab.costs.stack_pricing.render import details_cell, monthly_cell, totals_text, usd

    lines = sorted(cost.lines, key=lambda ln: (ORDER[ln.status], -(ln.monthly_usd or 0.0)))
    hidden = 0 if show_all else sum(1 for ln in lines if ln.status == "free")
    shown = [ln for ln in lines if show_all or ln.status != "free"]
    columns = [Col("type", "name"), Col("name", "name"), *([Col("op", "name")] if ops else []),
               Col("monthly", "num"), Col("how", "text")]
    rows = [(display_name(ln.type), ln.name, *([ops.get(ln.name, "")] if ops else []),
             monthly_cell(ln), details_cell(ln)) for ln in shown]
    parts = ", ".join(f"{name} {usd(value)}" for name, value in cost.by_component().items()
                      if value)
    notes = "".join(f"\n- {ln.name}: {note}" for ln in shown if ln.status != "free"
                    for note in ln.notes)
    footer = [totals_text(cost), f"per component: {parts}"]
    if hidden:
        footer.append(f"{hidden} free resources not shown (--all shows them)")
    print_table(f"{cost.stack} monthly cost ({cost.cloud} {cost.region})", columns, rows,
                footer="\n".join(footer) + (f"\nnotes:{notes}" if notes else ""))


def print_diff_table(diff: CostDiff) -> None:
    """Resources whose cost changes, the components, and the total delta."""
    from ailab.costs.stack_pricing.render import monthly_cell, pct_text, usd

    rows = [(d.name, d.change, "" if d.before is None else monthly_cell(d.before),
             "" if d.after is None else monthly_cell(d.after), usd(d.delta_usd, signed=True))
            for d in diff.changed()]
    print_table(f"cost change: {diff.before.stack} -> {diff.after.stack}",
                [Col("name", "name"), Col("change", "name"), Col("before", "num"),
                 Col("after", "num"), Col("delta", "num")], rows)
    parts = [(c.component, usd(c.before_usd), usd(c.after_usd),
              usd(c.delta_usd, signed=True), pct_text(c.delta_pct))
             for c in diff.components() if c.before_usd or c.after_usd]
    print_table("per component", [Col("component", "name"), Col("before", "num"),
                                  Col("after", "num"), Col("delta", "num"), Col("%", "num")],
                parts,
                footer=f"total {usd(diff.before.total_monthly_usd)} -> "
                       f"{usd(diff.after.total_monthly_usd)} per month "
                       f"({usd(diff.total_delta_usd, signed=True)}/month, "
                       f"{pct_text(diff.total_delta_pct)}, "
                       f"{usd(diff.total_delta_usd / 730.0, signed=True)}/hour)")


def print_totals(costs: list[StackCost]) -> None:
    """Several stacks in one run: one row each and the grand total."""
    from ailab.costs.stack_pricing.render import usd

    rows = [(c.stack, f"{c.cloud} {c.region}", usd(c.total_monthly_usd),
             usd(c.total_hourly_usd), c.count("usage"), c.count("unpriced")) for c in costs]
    total = sum(c.total_monthly_usd for c in costs)
    print_table("all stacks", [Col("stack", "name"), Col("where", "name"),
                               Col("monthly", "num"), Col("hourly", "num"),
                               Col("usage-dependent", "num"), Col("unpriced", "num")], rows,
                footer=f"grand total {usd(total)}/month ({usd(total / 730.0)}/hour averaged "
                       f"over 730 h) for {len(costs)} stacks")


def totals_markdown(costs: list[StackCost]) -> str:
    """The grand total as Markdown (several stacks in one run)."""
    from ailab.costs.stack_pricing.render import usd

    total = sum(c.total_monthly_usd for c in costs)
    lines = ["### All stacks", "", "| Stack | Monthly |", "|---|--:|"]
    lines += [f"| `{c.stack}` | {usd(c.total_monthly_usd)} |" for c in costs]
    lines += [f"| **Total** | **{usd(total)}** |"]
    return "\n".join(lines) + "\n"
