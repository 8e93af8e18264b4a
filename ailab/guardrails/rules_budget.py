"""The priced forecast against the stack's budget.

The stack is priced with the pricing engine (``ailab.costs.stack_pricing.
price_inventory``, the inventory in its document shape) once per inventory, and
its monthly total is compared with every budget the stack declares, converted
to a month: a mandatory violation above the budget, an advisory one from
``advisoryShare`` of it. Lines the engine cannot price count as zero, so the
forecast is a lower bound: a stack it already puts over budget is over budget.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails.rule import (
    Enforcement,
    Finding,
    Severity,
    mapping,
    number,
    stack_rule,
)

FINOPS = "finops"
BUDGETS = (tokens.AWS_BUDGETS_BUDGET, tokens.GCP_BILLING_BUDGET)
PER_MONTH = {"DAILY": 730 / 24, "MONTHLY": 1.0, "QUARTERLY": 1 / 3, "ANNUALLY": 1 / 12,
             "MONTH": 1.0, "QUARTER": 1 / 3, "YEAR": 1 / 12}
"""Budget period -> factor to a month (AWS timeUnit, GCP calendarPeriod; 730 h a month)."""
ADVISORY_SHARE = 0.8

_last: tuple[Inventory, int, float, int] | None = None
"""(inventory, resource count, monthly forecast, unpriced lines) of the last pricing."""


def forecast(inv: Inventory) -> tuple[float, int]:
    """The stack's monthly forecast in USD and its count of unpriced lines, priced once
    per inventory however many rules ask."""
    global _last
    if _last is not None and _last[0] is inv and _last[1] == len(inv.resources):
        return _last[2], _last[3]
    from ailab.costs.stack_pricing import price_inventory

    cost = price_inventory(inv.to_json())
    _last = (inv, len(inv.resources), cost.total_monthly_usd, cost.count("unpriced"))
    return _last[2], _last[3]


def monthly_budget_usd(budget: Resource) -> float | None:
    """A budget's amount per month in USD, or None when it has no fixed USD amount."""
    if budget.type == tokens.AWS_BUDGETS_BUDGET:
        if str(budget.get("limitUnit") or "USD") != "USD":
            return None
        amount, period = number(budget.get("limitAmount")), budget.get("timeUnit")
    else:
        spec = mapping(budget.get("amount.specifiedAmount"))
        if str(spec.get("currencyCode") or "USD") != "USD":
            return None
        units, nanos = number(spec.get("units")), number(spec.get("nanos")) or 0.0
        amount = None if units is None else units + nanos / 1e9
        period = budget.get("budgetFilter.calendarPeriod") or (
            None if budget.get("budgetFilter.customPeriod") else "MONTH")
    factor = PER_MONTH.get(str(period or "MONTHLY"))
    if amount is None or amount <= 0 or factor is None:
        return None
    return amount * factor


def _over(inv: Inventory, low: float, high: float | None) -> Iterator[Finding]:
    """Budgets whose forecast share lies in ``(low, high]`` (``high`` None: no top)."""
    budgets = [(b, monthly_budget_usd(b)) for b in inv.by_type(*BUDGETS)]
    budgets = [(b, amount) for b, amount in budgets if amount]
    if not budgets:
        return
    total, unpriced = forecast(inv)
    for budget, amount in budgets:
        assert amount is not None
        share = total / amount
        if share > low and (high is None or share <= high):
            note = f"; {unpriced} resource(s) unpriced, so at least this" if unpriced else ""
            yield budget, f"forecast {total:,.0f} USD/month is {share:.0%} of the budget " \
                          f"{amount:,.0f} USD/month{note}"


@stack_rule("budget-forecast", "The priced stack fits its budget", FINOPS, Severity.HIGH,
            "Shrink the stack (fewer or smaller machines, spot, auto-stop) or raise "
            "ailab:budgetMonthlyUsd to what it will cost (ailab preview STACK --cost).",
            BUDGETS)
def budget_forecast(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _over(inv, 1.0, None)


@stack_rule("budget-forecast-warning", "The priced stack leaves headroom in its budget", FINOPS,
            Severity.MEDIUM, "The forecast uses most of the budget: check the machine count "
            "and hours (ailab preview STACK --cost) before usage pushes it over.",
            BUDGETS, enforcement=Enforcement.ADVISORY,
            config={"advisoryShare": ADVISORY_SHARE})
def budget_forecast_warning(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    share = number(cfg.get("advisoryShare"))
    yield from _over(inv, ADVISORY_SHARE if share is None else share, 1.0)
