"""Actual spend beside the forecast and the budget: the numbers ``ailab usage`` shows.

The forecast is the stack's monthly price from ``ailab preview --cost`` (list
prices, 730 hours unless a schedule says otherwise); the budget is the stack's
``budgetMonthlyUsd``. Actuals come from billing data and lag by up to a day.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from ailab.spend.records import SpendReport


@dataclass
class UsageView:
    """One stack's month: actual so far, projected, forecast and budget."""

    report: SpendReport
    today: dt.date
    forecast_monthly: float | None = None
    budget_monthly: float | None = None

    @property
    def projection(self) -> float | None:
        return self.report.month_end_projection(self.today)

    def share(self, figure: float | None, of: float | None) -> float | None:
        """``figure`` as a fraction of ``of`` (None when either is unknown or ``of`` is 0)."""
        return None if figure is None or not of else figure / of

    def status(self) -> str:
        """``over budget``, ``on track`` or ``no budget`` for the projected month."""
        if not self.budget_monthly:
            return "no budget"
        projected = self.projection if self.projection is not None else self.report.total
        return "over budget" if projected > self.budget_monthly else "on track"

    def to_json(self) -> dict[str, Any]:
        return {**self.report.to_json(self.today),
                "forecast_monthly": _r(self.forecast_monthly),
                "budget_monthly": _r(self.budget_monthly),
                "projection_vs_budget": _r(self.share(self.projection, self.budget_monthly), 4),
                "projection_vs_forecast": _r(self.share(self.projection, self.forecast_monthly),
                                             4),
                "status": self.status(), "as_of": self.today.isoformat()}


def money(value: float | None, currency: str) -> str:
    """``1,234.50 USD``, or a dash for a figure nobody knows."""
    return "-" if value is None else f"{value:,.2f} {currency}"


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def usage_html(view: UsageView) -> str:
    """A self-contained page: totals, per service, per day (a bar per day), sources."""
    rep, cur = view.report, view.report.currency
    days = rep.by_day()
    peak = max(days.values(), default=0.0) or 1.0
    bars = "".join(
        f'<div class="bar" title="{d.isoformat()}: {v:,.2f} {cur}" '
        f'style="height:{max(1.0, 100 * v / peak):.1f}%"></div>' for d, v in days.items())
    services = "".join(f"<tr><td>{html.escape(s)}</td><td class=n>{money(v, cur)}</td></tr>"
                       for s, v in rep.by_service().items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ailab usage: {html.escape(rep.stack)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}}
table{{border-collapse:collapse;width:100%}}td,th{{padding:.3rem;border-bottom:1px solid #ddd;
text-align:left}}.n{{text-align:right}}.chart{{display:flex;align-items:flex-end;gap:2px;
height:8rem;border-bottom:1px solid #999}}.bar{{flex:1;background:#4a78b5;min-width:2px}}
dl{{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}}</style></head><body>
<h1>{html.escape(rep.stack)} ({rep.cloud}): {rep.start:%B %Y}</h1>
<dl><dt>Spent so far</dt><dd>{money(rep.total, cur)}</dd>
<dt>Month-end projection</dt><dd>{money(view.projection, cur)}</dd>
<dt>Forecast (preview)</dt><dd>{money(view.forecast_monthly, cur)}</dd>
<dt>Budget</dt><dd>{money(view.budget_monthly, cur)} ({view.status()})</dd></dl>
<h2>Per day</h2><div class="chart" role="img" aria-label="daily cost">{bars}</div>
<h2>Per service</h2><table><tr><th>Service</th><th class=n>Cost</th></tr>{services}</table>
<p><small>Source: {html.escape(rep.source)}{' (some figures estimated)' if rep.estimated
else ''}; as of {view.today.isoformat()}. Forecast at list prices from the embedded
tables.</small></p></body></html>"""
