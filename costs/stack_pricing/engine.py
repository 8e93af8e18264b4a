"""Price an inventory document: the JSON ``ailab preview --json`` prints, or the same
shape built from ``pulumi preview --json`` (see ``costs.pulumi_preview_json``)."""

from __future__ import annotations

import math
from typing import Any

from ailab.core.errors import AilabError
from ailab.costs.stack_pricing.lines import CostLine, StackCost
from ailab.costs.stack_pricing.registry import FREE_TYPES, RULES, PricingContext, Res, unpriced

MAX_MONTHLY_USD = 1e12
"""No resource costs a trillion USD a month: a line above it comes from absurd
sizes or usage and is reported unpriced instead of reaching the totals (or, as
inf, the JSON output)."""
SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ValueError, OverflowError)
"""What a rule raises when a resource's inputs (from a ``pulumi preview --json`` file,
say) are not the shape its provider takes: the line is unpriced with the reason,
never a traceback and never a silent zero."""


def price_resource(res: Res, ctx: PricingContext) -> CostLine:
    """One resource's line: its rule, ``free``, or ``unpriced`` with the reason."""
    found = RULES.get(res["type"])
    if found is None:
        if res["type"] in FREE_TYPES:
            return CostLine(res["name"], res["type"], ctx.component(res), "free",
                            notes=[FREE_TYPES[res["type"]]])
        return unpriced(res, ctx, f"no pricing rule for {res['type']}")
    try:
        line = found.price(res, ctx)
    except AilabError as exc:
        return unpriced(res, ctx, exc.message)
    except SHAPE_ERRORS as exc:  # inputs from a preview file the rule cannot read
        return unpriced(res, ctx, f"inputs not in the shape {res['type']} takes "
                                  f"({type(exc).__name__}: {str(exc)[:80]})")
    monthly = line.monthly_usd
    if monthly is not None and not (math.isfinite(monthly) and abs(monthly) <= MAX_MONTHLY_USD):
        return unpriced(res, ctx, f"quantities price at {monthly:.3g} USD/month, beyond "
                                  f"{MAX_MONTHLY_USD:.0e}: check the sizes and usage")
    return line


def price_inventory(doc: dict[str, Any], usage: dict[str, dict[str, Any]] | None = None
                    ) -> StackCost:
    """Every custom resource of an inventory document as a priced line.

    ``doc`` is plain data: ``{"stack", "cloud", "region", "resources": [{"type",
    "name", "parent", "inputs", "custom"}]}``; ``usage`` maps resource names to
    usage-file fields (see ``costs.usage``).
    """
    resources = list(doc.get("resources") or [])
    ctx = PricingContext(stack=str(doc.get("stack", "")), cloud=str(doc.get("cloud", "")),
                         region=str(doc.get("region", "")), resources=resources,
                         usage=dict(usage or {}))
    lines = [price_resource(res, ctx) for res in resources if res.get("custom", True)]
    return StackCost(ctx.stack, ctx.cloud, ctx.region, lines)


def priced_document(doc: dict[str, Any], cost: StackCost) -> dict[str, Any]:
    """The inventory document with a ``cost`` object on each resource and the totals."""
    lines = {line.name: line for line in cost.lines}
    resources = []
    for res in doc.get("resources") or []:
        out = dict(res)
        if res["name"] in lines:
            out["cost"] = lines[res["name"]].to_json()
        resources.append(out)
    return {**doc, "resources": resources, **cost.summary_json()}
