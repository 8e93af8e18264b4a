"""What a pricing rule may look at besides its own resource, and how it builds a line.

``PricingContext`` wraps the stack's ``core.inventory.Inventory``: references
between resources (a launch template, an auto-stop alarm, an instance schedule,
a bucket's lifecycle rules) are answered by the inventory's one resolver, from
the dependencies the engine recorded, through indexes built once per inventory,
so pricing a resource costs the same in a 10-node and a 2,048-node stack. Maps
a rule needs over the whole stack (e.g. which VMs reach the internet through
Cloud NAT) are computed once per context with ``memo``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ailab.core.inventory import Inventory, Resource
from ailab.costs.catalog import HOURS_PER_MONTH
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.storage_prices import PriceQuote

T = TypeVar("T")


@dataclass
class PricingContext:
    """The inventory being priced, the usage file, and per-stack memos."""

    inventory: Inventory
    usage: dict[str, dict[str, Any]] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def stack(self) -> str:
        return self.inventory.stack

    @property
    def cloud(self) -> str:
        return self.inventory.cloud

    @property
    def region(self) -> str:
        return self.inventory.region

    def ref(self, res: Resource, prop: str, *types: str) -> Resource | None:
        """The resource ``res``'s input ``prop`` points at (of ``types``), if any."""
        return self.inventory.ref(res, prop, *types)

    def refs(self, res: Resource, prop: str, *types: str) -> list[Resource]:
        return self.inventory.refs(res, prop, *types)

    def referencing(self, target: Resource, prop: str, *types: str) -> list[Resource]:
        """Resources (of ``types``) whose ``prop`` points at ``target`` (reverse index)."""
        return self.inventory.referencing(target, prop, *types)

    def of_type(self, type_: str) -> list[Resource]:
        return self.inventory.by_type(type_)

    def component(self, res: Resource) -> str | None:
        """The nearest component (non-custom) ancestor: what totals group by."""
        return self.inventory.component(res)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """``build()`` once per context: a stack-wide map a rule reads per resource."""
        if key not in self._memo:
            self._memo[key] = build()
        found: T = self._memo[key]
        return found

    def usage_for(self, res: Resource) -> dict[str, Any]:
        return self.usage.get(res.name, {})

    def hours(self, res: Resource, default_note: str | None = None) -> tuple[float, str]:
        """Hours per month and where that figure comes from."""
        declared = self.usage_for(res).get("hours_per_month")
        if declared is not None:
            return float(declared), "usage file"
        return HOURS_PER_MONTH, default_note or f"default {HOURS_PER_MONTH:g} h"


def part(label: str, quantity: float | None, unit: str, quote: PriceQuote) -> CostPart:
    """A cost part from a storage/service price quote (its uncertainty travels with it)."""
    return CostPart(label, quantity, unit, quote.value, quote.unit, quote.source, quote.as_of,
                    quote.uncertain)


def new_line(res: Resource, ctx: PricingContext, parts: list[CostPart],
             notes: list[str] | None = None, **extra: Any) -> CostLine:
    """A line whose status follows its parts: any usage-dependent part makes it ``usage``.

    What the price tables say about a part (an outlier price, an unconfirmed price)
    becomes a note of the line."""
    status = "usage" if any(p.quantity is None for p in parts) else "priced"
    said = list(notes or [])
    said += [f"{p.label}: {p.note}" for p in parts if p.note]
    said += [f"uncertain price: {p.label} at {p.unit_price_usd:g} {p.price_unit} is not "
             f"confirmed by an independent source" for p in parts if p.uncertain]
    return CostLine(name=res.name, type=res.type, component=ctx.component(res),
                    status=status, parts=parts, notes=said, **extra)


def unpriced(res: Resource, ctx: PricingContext, reason: str) -> CostLine:
    return CostLine(name=res.name, type=res.type, component=ctx.component(res),
                    status="unpriced", reason=reason)


def free_line(res: Resource, ctx: PricingContext, note: str) -> CostLine:
    """A priced type whose inputs make this one free (a gateway endpoint, an internal IP)."""
    return CostLine(res.name, res.type, ctx.component(res), "free", notes=[note])
