"""Priced lines of a stack: one ``CostLine`` per resource, totals in ``StackCost``.

A line's ``status`` says how far its figure can be trusted:

- ``priced``: every part has a price and a quantity.
- ``usage``: some parts depend on usage the stack does not declare (stored GB,
  requests, processed GB); ``monthly_usd`` holds the fixed part only and the
  usage parts show their unit price. A usage file fills them in.
- ``free``: the resource itself costs nothing (its effect is priced elsewhere).
- ``unpriced``: ailab cannot price it; ``monthly_usd`` is None, never zero.

A part whose unit price no independent source confirms is ``uncertain``; the
line says so in its notes and in JSON (``uncertain_prices``), so a figure built
on it is never shown as settled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ailab.costs.catalog import HOURS_PER_MONTH

STATUSES = ("priced", "usage", "free", "unpriced")


@dataclass(frozen=True)
class CostPart:
    """One billed quantity: hours, GB-months, IOPS-months, requests..."""

    label: str
    quantity: float | None
    """None when the quantity depends on usage nobody declared."""
    unit: str
    unit_price_usd: float
    price_unit: str
    source: str
    as_of: str
    uncertain: bool = False
    """No independent source confirms the unit price (see the price table's evidence)."""
    note: str = ""
    """What the price table says about this price (e.g. a cross-region outlier)."""

    @property
    def monthly_usd(self) -> float | None:
        return None if self.quantity is None else self.quantity * self.unit_price_usd

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "quantity": self.quantity, "unit": self.unit,
                "unit_price_usd": self.unit_price_usd, "price_unit": self.price_unit,
                "monthly_usd": self.monthly_usd, "source": self.source, "as_of": self.as_of,
                "uncertain": self.uncertain, "note": self.note}


@dataclass
class CostLine:
    """The monthly cost of one resource."""

    name: str
    type: str
    component: str | None
    status: str
    parts: list[CostPart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hours_per_month: float | None = None
    hours_basis: str | None = None
    range_monthly_usd: tuple[float, float] | None = None
    reason: str | None = None
    """Why a line is unpriced."""
    fixed_monthly_usd: float | None = None
    """Set when the line was read back from JSON (parts may be absent)."""

    @property
    def monthly_usd(self) -> float | None:
        if self.status == "unpriced":
            return None
        if self.fixed_monthly_usd is not None:
            return self.fixed_monthly_usd
        return sum(p.monthly_usd or 0.0 for p in self.parts)

    @property
    def hourly_usd(self) -> float | None:
        monthly = self.monthly_usd
        return None if monthly is None else monthly / HOURS_PER_MONTH

    @property
    def uncertain(self) -> bool:
        """Some part's unit price is not confirmed by an independent source."""
        return any(p.uncertain for p in self.parts)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "monthly_usd": _round(self.monthly_usd),
                "hourly_usd": _round(self.hourly_usd, 6), "component": self.component,
                "hours_per_month": self.hours_per_month, "hours_basis": self.hours_basis,
                "range_monthly_usd": (list(self.range_monthly_usd)
                                      if self.range_monthly_usd else None),
                "parts": [p.to_json() for p in self.parts], "notes": list(self.notes),
                "uncertain_prices": sum(1 for p in self.parts if p.uncertain),
                "reason": self.reason}


@dataclass
class StackCost:
    """Every line of a stack plus totals (per component, per stack, monthly and hourly)."""

    stack: str
    cloud: str
    region: str
    lines: list[CostLine]

    @property
    def total_monthly_usd(self) -> float:
        return sum(line.monthly_usd or 0.0 for line in self.lines)

    @property
    def total_hourly_usd(self) -> float:
        return self.total_monthly_usd / HOURS_PER_MONTH

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    def by_component(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            key = line.component or "(stack)"
            out[key] = out.get(key, 0.0) + (line.monthly_usd or 0.0)
        return out

    def line(self, name: str) -> CostLine:
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)

    def summary_json(self) -> dict[str, Any]:
        return {"total_monthly_usd": _round(self.total_monthly_usd),
                "total_hourly_usd": _round(self.total_hourly_usd, 6),
                "hours_per_month_default": HOURS_PER_MONTH,
                "by_component_monthly_usd": {k: _round(v) for k, v in
                                             self.by_component().items()},
                "counts": {s: self.count(s) for s in STATUSES},
                "uncertain_lines": sum(1 for line in self.lines if line.uncertain),
                "complete": self.count("unpriced") == 0 and self.count("usage") == 0}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
