"""A pull-request comment from two priced runs (like ``infracost comment``).

The base and head are the JSON of ``ailab cost breakdown STACK... --json`` (any
number of stacks) or of ``ailab preview STACK --cost --json`` (one), written on
the base branch and on the pull request. The comment says how the monthly total
moves (amount and percent), then per stack, per component and per resource.
Pure text building; the CLI prints or writes what this returns.
"""

from __future__ import annotations

from typing import Any

from ailab.core.errors import InputFileError
from ailab.costs.stack_pricing.diff import CostDiff, diff_costs, percent, stack_cost_from_json
from ailab.costs.stack_pricing.lines import StackCost
from ailab.costs.stack_pricing.render import monthly_cell, pct_text, usd


def stack_costs_from_json(doc: Any, path: str) -> list[StackCost]:
    """The stacks of a breakdown document (``stacks: [...]``) or of one priced stack."""
    if isinstance(doc, dict) and isinstance(doc.get("stacks"), list):
        if not doc["stacks"]:
            raise InputFileError(path, "stacks", "is empty")
        return [stack_cost_from_json(s, f"{path}: stacks.{i}")
                for i, s in enumerate(doc["stacks"])]
    return [stack_cost_from_json(doc, path)]


def _empty(like: StackCost) -> StackCost:
    return StackCost(like.stack, like.cloud, like.region, [])


def pair_stacks(base: list[StackCost], head: list[StackCost]) -> list[CostDiff]:
    """One diff per stack name in either run (a stack only in one side is added/removed)."""
    old = {s.stack: s for s in base}
    new = {s.stack: s for s in head}
    names = list(dict.fromkeys([*new, *old]))
    return [diff_costs(old.get(n) or _empty(new[n]), new.get(n) or _empty(old[n]))
            for n in names]


def _row(name: str, before: float, after: float, bold: bool = False) -> str:
    cells = [name, usd(before), usd(after), usd(after - before, signed=True),
             pct_text(percent(before, after))]
    if bold:
        cells = [f"**{c}**" for c in cells]
    return "| " + " | ".join(cells) + " |"


def _stack_details(diff: CostDiff) -> list[str]:
    name = diff.after.stack
    out = ["", f"<details><summary><code>{name}</code>: {usd(diff.total_delta_usd, signed=True)}"
           f" ({pct_text(diff.total_delta_pct)}) per component and resource</summary>", "",
           "| Component | Base | Head | Diff | % |", "|---|--:|--:|--:|--:|"]
    out += [_row(f"`{c.component}`", c.before_usd, c.after_usd) for c in diff.components()
            if c.before_usd or c.after_usd]
    changed = diff.changed()
    if changed:
        out += ["", "| Resource | Change | Base | Head | Diff |", "|---|---|--:|--:|--:|"]
        for d in changed:
            old = "" if d.before is None else monthly_cell(d.before)
            new = "" if d.after is None else monthly_cell(d.after)
            out.append(f"| `{d.name}` | {d.change} | {old} | {new} | "
                       f"{usd(d.delta_usd, signed=True)} |")
    else:
        out += ["", "No resource changes cost."]
    return [*out, "", "</details>"]


def sources_from_json(doc: Any) -> list[tuple[str, str]]:
    """Every (source, as_of) of the priced parts in a breakdown or priced document."""
    stacks = doc.get("stacks", [doc]) if isinstance(doc, dict) else []
    found = {(str(part.get("source")), str(part.get("as_of")))
             for s in stacks if isinstance(s, dict) for r in s.get("resources") or []
             if isinstance(r, dict) and isinstance(r.get("cost"), dict)
             for part in r["cost"].get("parts") or [] if isinstance(part, dict)
             and part.get("source")}
    return sorted(found)


def comment_markdown(base: list[StackCost], head: list[StackCost], generated_at: str,
                     sources: list[tuple[str, str]] | None = None) -> str:
    """The whole comment: headline, per-stack table with a total, then details per stack."""
    diffs = pair_stacks(base, head)
    before = sum(d.before.total_monthly_usd for d in diffs)
    after = sum(d.after.total_monthly_usd for d in diffs)
    move = "does not change" if abs(after - before) < 0.005 else (
        f"{'increases' if after > before else 'decreases'} by "
        f"**{usd(after - before, signed=True)} ({pct_text(percent(before, after))})**")
    out = ["## ailab cost estimate", "",
           f"Monthly cost {move}: {usd(before)} -> {usd(after)} across {len(diffs)} "
           f"stack{'s' if len(diffs) != 1 else ''}.", "",
           "| Stack | Base | Head | Diff | % |", "|---|--:|--:|--:|--:|"]
    out += [_row(f"`{d.after.stack}`", d.before.total_monthly_usd, d.after.total_monthly_usd)
            for d in diffs]
    out.append(_row("Total", before, after, bold=True))
    for diff in diffs:
        out += _stack_details(diff)
    unpriced = sum(s.count("unpriced") for s in head)
    usage = sum(s.count("usage") for s in head)
    notes = []
    if usage:
        notes.append(f"{usage} resources depend on usage (give a usage file: "
                     "`ailab cost usage-file STACK`)")
    if unpriced:
        notes.append(f"{unpriced} resources are unpriced and left out of the totals")
    out += [""] + ([f"_{'; '.join(notes)}._", ""] if notes else [])
    if sources:
        out += ["Prices: " + "; ".join(f"{src} ({as_of})" for src, as_of in sources) + ".", ""]
    out.append(f"<sub>Generated by `ailab cost comment` at {generated_at}; amounts in USD "
               "per month (730 h).</sub>")
    return "\n".join(out) + "\n"


def grand_total(stacks: list[StackCost]) -> dict[str, Any]:
    """Totals over several stacks (the breakdown document's top level)."""
    monthly = sum(s.total_monthly_usd for s in stacks)
    return {"total_monthly_usd": round(monthly, 4), "total_hourly_usd": round(monthly / 730, 6),
            "stack_count": len(stacks)}
