"""Price an inventory: the one ``ailab preview`` records, or the one
``costs.pulumi_preview_json`` translates a real ``pulumi preview --json`` into."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ailab.core.errors import AilabError
from ailab.core.inventory import Inventory, Resource
from ailab.costs.stack_pricing.context import PricingContext, unpriced
from ailab.costs.stack_pricing.lines import CostLine, StackCost
from ailab.costs.stack_pricing.registry import RULES


def price_resource(res: Resource, ctx: PricingContext) -> CostLine:
    """One resource's line: its rule, ``free``, or ``unpriced`` with the reason."""
    found = RULES.find(res.type)
    if found is None:
        return unpriced(res, ctx, f"no pricing rule for {res.type}")
    if found.price is None:
        return CostLine(res.name, res.type, ctx.component(res), "free",
                        notes=[found.free or ""])
    try:
        line = found.price(res, ctx)
    except AilabError as exc:
        return unpriced(res, ctx, exc.message)
    negative = [p.label for p in line.parts if p.quantity is not None and p.quantity < 0]
    if negative or (line.monthly_usd or 0.0) < 0:
        return unpriced(res, ctx, f"negative quantity in {', '.join(negative) or 'the line'}")
    return line


def as_inventory(inventory: Inventory | Mapping[str, Any]) -> Inventory:
    """An ``Inventory``; a plain inventory document (``Inventory.to_json``) is read into one."""
    return inventory if isinstance(inventory, Inventory) else Inventory.from_json(inventory)


def price_inventory(inventory: Inventory | Mapping[str, Any],
                    usage: dict[str, dict[str, Any]] | None = None) -> StackCost:
    """Every custom resource of an inventory as a priced line.

    ``usage`` maps resource names to usage-file fields (see ``costs.usage``)."""
    inv = as_inventory(inventory)
    ctx = PricingContext(inv, dict(usage or {}))
    lines = [price_resource(res, ctx) for res in inv.resources if res.custom]
    return StackCost(inv.stack, inv.cloud, inv.region, lines)


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
