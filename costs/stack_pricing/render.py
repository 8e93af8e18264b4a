"""Text for people: cell values for the CLI table and Markdown for pull requests.

Pure string building; the CLI prints what these return.
"""

from __future__ import annotations

from ailab.core import tokens
from ailab.costs.stack_pricing.diff import CostDiff
from ailab.costs.stack_pricing.lines import CostLine, CostPart, StackCost


def usd(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "unpriced"
    sign = "+" if signed and value > 0 else ("-" if value < 0 else "")
    return f"{sign}${abs(value):,.2f}"


def monthly_cell(line: CostLine) -> str:
    """``$12.00``, ``free``, ``unpriced``, ``depends on usage`` or ``$32.85 + usage``."""
    if line.status in ("free", "unpriced"):
        return line.status
    if line.status == "usage":
        fixed = line.monthly_usd or 0.0
        return "depends on usage" if fixed == 0 else f"{usd(fixed)} + usage"
    return usd(line.monthly_usd)


def _part_text(p: CostPart) -> str:
    mark = " (uncertain)" if p.uncertain else ""
    if p.quantity is None:
        return f"{p.label}: ${p.unit_price_usd:g} {p.price_unit.removeprefix('USD')}{mark}"
    return f"{p.label}: {p.quantity:,.6g} {p.unit} x ${p.unit_price_usd:g}{mark}"


def details_cell(line: CostLine) -> str:
    """How the figure was made: parts, hours basis, range; the reason when unpriced."""
    if line.status == "unpriced":
        return line.reason or ""
    if line.status == "free":
        return line.notes[0] if line.notes else ""
    text = "; ".join(_part_text(p) for p in line.parts)
    if line.hours_basis:
        text += f" [{line.hours_per_month:,.6g} h: {line.hours_basis}]"
    if line.range_monthly_usd:
        low, high = line.range_monthly_usd
        text += f" [range {usd(low)} to {usd(high)}]"
    return text


def totals_text(cost: StackCost) -> str:
    """One line: monthly and hourly totals and what they leave out."""
    text = (f"total {usd(cost.total_monthly_usd)}/month ({usd(cost.total_hourly_usd)}/hour "
            f"averaged over 730 h)")
    extra = []
    if cost.count("usage"):
        extra.append(f"{cost.count('usage')} depend on usage")
    if cost.count("unpriced"):
        extra.append(f"{cost.count('unpriced')} unpriced (not in the total)")
    extra.append(f"{cost.count('free')} free")
    uncertain = sum(1 for line in cost.lines if line.uncertain)
    if uncertain:
        extra.append(f"{uncertain} use a price no independent source confirms (see notes)")
    return text + "; " + ", ".join(extra)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def stack_markdown(cost: StackCost, include_free: bool = False) -> str:
    """A pull-request comment: priced lines, totals, per-component totals, notes."""
    out = [f"### Monthly cost: `{cost.stack}` ({cost.cloud} {cost.region})", "",
           "| Resource | Type | Monthly | How |", "|---|---|--:|---|"]
    for line in cost.lines:
        if line.status == "free" and not include_free:
            continue
        out.append(f"| `{line.name}` | {tokens.display_name(line.type)} | {monthly_cell(line)} | "
                   f"{_md(details_cell(line))} |")
    out += ["", f"**{totals_text(cost)}**", "", "| Component | Monthly |", "|---|--:|"]
    out += [f"| `{name}` | {usd(value)} |" for name, value in cost.by_component().items()
            if value]
    sources = sorted({(p.source, p.as_of) for line in cost.lines for p in line.parts})
    if sources:
        out += ["", "Prices: " + "; ".join(f"{src} ({as_of})" for src, as_of in sources)]
    notes = [(line.name, note) for line in cost.lines if line.status != "free"
             for note in line.notes]
    if notes:
        out += ["", "<details><summary>Notes</summary>", ""]
        out += [f"- `{name}`: {_md(note)}" for name, note in notes]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def diff_markdown(diff: CostDiff) -> str:
    """Per-resource deltas and the total delta, for a pull-request comment."""
    before, after = diff.before, diff.after
    out = [f"### Cost change: `{before.stack}` -> `{after.stack}`", "",
           "| Resource | Change | Before | After | Delta |", "|---|---|--:|--:|--:|"]
    for d in diff.changed():
        old = "" if d.before is None else monthly_cell(d.before)
        new = "" if d.after is None else monthly_cell(d.after)
        out.append(f"| `{d.name}` | {d.change} | {old} | {new} | "
                   f"{usd(d.delta_usd, signed=True)} |")
    out += ["", "| Component | Before | After | Delta | % |", "|---|--:|--:|--:|--:|"]
    out += [f"| `{c.component}` | {usd(c.before_usd)} | {usd(c.after_usd)} | "
            f"{usd(c.delta_usd, signed=True)} | {pct_text(c.delta_pct)} |"
            for c in diff.components() if c.before_usd or c.after_usd]
    out += ["", f"**{usd(before.total_monthly_usd)} -> {usd(after.total_monthly_usd)} per "
            f"month ({usd(diff.total_delta_usd, signed=True)}/month, "
            f"{pct_text(diff.total_delta_pct)}, "
            f"{usd(diff.total_delta_usd / 730.0, signed=True)}/hour)**"]
    return "\n".join(out) + "\n"


def pct_text(value: float | None) -> str:
    """``+12.3%``, ``-4.0%``, ``0%`` or ``new`` (nothing before)."""
    if value is None:
        return "new"
    if abs(value) < 0.05:
        return "0%"
    return f"{value:+.1f}%"
