"""Spend as plain data: daily cost per service, totals, and the month-end projection."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ailab.core.errors import AilabError

PROJECTION_DAYS = 7
"""The projection extends the average of the last full days seen (at most this many)."""


@dataclass(frozen=True)
class SpendRow:
    """Cost of one service on one day (UTC), in the report's currency."""

    day: dt.date
    service: str
    amount: float


@dataclass
class SpendReport:
    """What a stack cost between ``start`` (inclusive) and ``end`` (exclusive)."""

    stack: str
    cloud: str
    start: dt.date
    end: dt.date
    currency: str
    source: str
    """Where the figures come from (API or billing-export table)."""
    rows: list[SpendRow] = field(default_factory=list)
    estimated: bool = False
    """True when the cloud marks some figures as not final yet."""

    @property
    def total(self) -> float:
        return sum(r.amount for r in self.rows)

    def by_service(self) -> dict[str, float]:
        """Service -> cost, dearest first."""
        out: dict[str, float] = {}
        for row in self.rows:
            out[row.service] = out.get(row.service, 0.0) + row.amount
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def by_day(self) -> dict[dt.date, float]:
        """Day -> cost, every day of the period (days without charges are 0)."""
        out = {self.start + dt.timedelta(days=i): 0.0 for i in range((self.end - self.start).days)}
        for row in self.rows:
            out[row.day] = out.get(row.day, 0.0) + row.amount
        return out

    def month_end_projection(self, today: dt.date) -> float | None:
        """Month-to-date cost plus the recent daily average for the days left.

        Only for a period that starts on the 1st and covers ``today``'s month;
        None otherwise, or when no full day has passed yet."""
        if self.start.day != 1 or not (self.start <= today < self.end):
            return None
        seen = [d for d in self.by_day().items() if d[0] < today]
        if not seen:
            return None
        recent = [v for _, v in seen[-PROJECTION_DAYS:]]
        days_in_month = calendar.monthrange(today.year, today.month)[1]
        left = days_in_month - len(seen)
        return sum(v for _, v in seen) + left * sum(recent) / len(recent)

    def to_json(self, today: dt.date | None = None) -> dict[str, Any]:
        projection = self.month_end_projection(today) if today else None
        return {"stack": self.stack, "cloud": self.cloud, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "currency": self.currency, "source": self.source,
                "estimated": self.estimated, "total": round(self.total, 4),
                "month_end_projection": None if projection is None else round(projection, 2),
                "by_service": {k: round(v, 4) for k, v in self.by_service().items()},
                "by_day": {d.isoformat(): round(v, 4) for d, v in self.by_day().items()}}


def month_period(month: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` (default: this month) -> (first day, first day of the next month)."""
    if month is None:
        first = today.replace(day=1)
    else:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise AilabError(f"{month!r} is not a month; use YYYY-MM, e.g. "
                             f"{today:%Y-%m}", field="month") from None
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt
