"""Pricing rules as data: a registry of per-type pricing functions.

Each cloud module registers ``@rule(tokens.AWS_EC2_INSTANCE, usage=(...))``
functions that turn one resource (a plain dict: type, name, parent, inputs and,
from a real ``pulumi preview --json``, dependencies) into a ``CostLine``.
``FREE_TYPES`` lists the types that cost nothing by themselves, with why. A
type in neither is reported ``unpriced``, never as a silent zero.

``PricingContext`` gives rules what they need beyond their own resource: the
stack's region, the usage file, and references to other resources (a launch
template, an auto-stop alarm, an instance schedule). References resolve by the
identities the inventory records (ids, ARNs, self links) and, for values
unknown before apply, through the recorded property dependencies.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ailab.core.errors import CatalogError
from ailab.costs.catalog import HOURS_PER_MONTH
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.storage_prices import PriceQuote

EXTRA_PRICES_CSV = Path(__file__).resolve().parent.parent / "data" / "stack_prices.csv"

Res = dict[str, Any]
PricerFn = Callable[[Res, "PricingContext"], CostLine]


@dataclass(frozen=True)
class Rule:
    """How to price one resource type, and which usage-file fields it reads."""

    type: str
    price: PricerFn
    usage_fields: frozenset[str]


RULES: dict[str, Rule] = {}
FREE_TYPES: dict[str, str] = {}


def rule(*types: str, usage: Iterable[str] = ()) -> Callable[[PricerFn], PricerFn]:
    """Register a pricing function for one or more type tokens."""
    def register(fn: PricerFn) -> PricerFn:
        for type_ in types:
            if type_ in RULES or type_ in FREE_TYPES:
                raise ValueError(f"duplicate pricing rule for {type_}")
            RULES[type_] = Rule(type_, fn, frozenset(usage))
        return fn
    return register


def free(why: str, *types: str) -> None:
    """Declare types that cost nothing by themselves."""
    for type_ in types:
        if type_ in RULES or type_ in FREE_TYPES:
            raise ValueError(f"duplicate pricing rule for {type_}")
        FREE_TYPES[type_] = why


def usage_fields_for(type_: str) -> frozenset[str]:
    """Usage-file fields a type reads (empty for free and unknown types)."""
    found = RULES.get(type_)
    return found.usage_fields if found else frozenset()


@lru_cache(maxsize=1)
def _extra_prices() -> dict[tuple[str, str, str, str, str], PriceQuote]:
    out = {}
    with EXTRA_PRICES_CSV.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            quote = PriceQuote(float(rec["value"]), rec["unit"], rec["source"], rec["as_of"])
            for region in rec["regions"].split(";"):
                out[(rec["cloud"], region, rec["service"], rec["kind"], rec["component"])] = quote
    return out


def extra_price(cloud: str, region: str, service: str, kind: str, component: str) -> PriceQuote:
    """A price from ``costs/data/stack_prices.csv`` (public IPs, load balancers, alarms)."""
    found = _extra_prices().get((cloud, region, service, kind, component))
    if found is None:
        known = sorted({k[1] for k in _extra_prices() if k[0] == cloud and k[3] == kind})
        raise CatalogError(f"no {cloud} {kind} {component} price for {region}; "
                           f"priced regions: {', '.join(known) or 'none'}")
    return found


def part(label: str, quantity: float | None, unit: str, quote: PriceQuote) -> CostPart:
    """A cost part from a storage/extra price quote."""
    return CostPart(label, quantity, unit, quote.value, quote.unit, quote.source, quote.as_of)


@dataclass
class PricingContext:
    """What a rule may look at besides its own resource."""

    stack: str
    cloud: str
    region: str
    resources: list[Res]
    usage: dict[str, dict[str, Any]] = field(default_factory=dict)
    _by_name: dict[str, Res] = field(default_factory=dict, init=False)
    _ids: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for res in self.resources:
            name = res["name"]
            self._by_name[name] = res
            idents = [res.get("id"), *(res.get("outputs") or {}).values()]
            for ident in idents:
                if isinstance(ident, str) and ident:
                    self._ids.setdefault(ident, name)
        for res in self.resources:
            given = (res.get("inputs") or {}).get("name")
            if isinstance(given, str) and given:
                self._ids.setdefault(given, res["name"])

    def get(self, name: str) -> Res | None:
        return self._by_name.get(name)

    def of_type(self, *types: str) -> list[Res]:
        return [r for r in self.resources if r["type"] in types]

    def component(self, res: Res) -> str | None:
        """The nearest component (non-custom) ancestor: what totals group by."""
        parent = res.get("parent")
        while parent:
            found = self._by_name.get(parent)
            if found is None:
                return parent
            if not found.get("custom", True):
                return str(found["name"])
            parent = found.get("parent")
        return None

    def ref(self, res: Res, prop: str, value: Any = None) -> Res | None:
        """The resource that ``res``'s input ``prop`` points at, if known."""
        candidates: list[Any] = [value if value is not None else res["inputs"].get(prop)]
        while candidates:
            item = candidates.pop()
            if isinstance(item, str):
                last = item.rsplit("/", 1)[-1]
                name = self._ids.get(item) or self._ids.get(last) or (
                    last if "/" in item and last in self._by_name else None)
                if name:
                    return self._by_name[name]
            elif isinstance(item, dict):
                candidates.extend(item.values())
            elif isinstance(item, list):
                candidates.extend(item)
        for name in (res.get("dependencies") or {}).get(prop, []):
            if name in self._by_name:
                return self._by_name[name]
        return None

    def refs_to(self, target: Res, type_: str, prop: str) -> list[Res]:
        """Resources of ``type_`` whose ``prop`` refers to ``target``."""
        return [r for r in self.of_type(type_) if self.ref(r, prop) is target]

    def usage_for(self, res: Res) -> dict[str, Any]:
        return self.usage.get(res["name"], {})

    def hours(self, res: Res, default_note: str | None = None) -> tuple[float, str]:
        """Hours per month and where that figure comes from."""
        declared = self.usage_for(res).get("hours_per_month")
        if declared is not None:
            return float(declared), "usage file"
        return HOURS_PER_MONTH, default_note or f"default {HOURS_PER_MONTH:g} h"


def new_line(res: Res, ctx: PricingContext, parts: list[CostPart],
             notes: list[str] | None = None, **extra: Any) -> CostLine:
    """A line whose status follows its parts: any usage-dependent part makes it ``usage``."""
    status = "usage" if any(p.quantity is None for p in parts) else "priced"
    return CostLine(name=res["name"], type=res["type"], component=ctx.component(res),
                    status=status, parts=parts, notes=list(notes or []), **extra)


def unpriced(res: Res, ctx: PricingContext, reason: str) -> CostLine:
    return CostLine(name=res["name"], type=res["type"], component=ctx.component(res),
                    status="unpriced", reason=reason)


def free_line(res: Res, ctx: PricingContext, note: str) -> CostLine:
    """A priced type whose inputs make this one free (a gateway endpoint, an internal IP)."""
    return CostLine(res["name"], res["type"], ctx.component(res), "free", notes=[note])
