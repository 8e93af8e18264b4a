"""Spend records: daily totals, services, and the month-end projection by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from ailab.core.errors import AilabError
from ailab.spend.records import SpendReport, SpendRow, month_period

NOV = (dt.date(2026, 11, 1), dt.date(2026, 12, 1))


def _report(rows: list[SpendRow]) -> SpendReport:
    return SpendReport("lab", "aws", *NOV, "USD", "test", rows)


def test_totals_by_service_and_day() -> None:
    rep = _report([SpendRow(dt.date(2026, 11, 1), "EC2", 10.0),
                   SpendRow(dt.date(2026, 11, 1), "S3", 1.5),
                   SpendRow(dt.date(2026, 11, 3), "EC2", 20.0)])
    assert rep.total == 31.5
    assert list(rep.by_service().items()) == [("EC2", 30.0), ("S3", 1.5)]
    days = rep.by_day()
    assert len(days) == 30 and days[dt.date(2026, 11, 2)] == 0.0
    assert days[dt.date(2026, 11, 1)] == 11.5


def test_projection_extends_the_last_seven_full_days() -> None:
    rows = [SpendRow(dt.date(2026, 11, d), "EC2", float(d)) for d in range(1, 11)]
    rep = _report(rows)
    # 10 full days seen (1..10 -> 55); last seven average (4+...+10)/7 = 7; 20 days left.
    assert rep.month_end_projection(dt.date(2026, 11, 11)) == pytest.approx(55 + 20 * 7)
    assert rep.month_end_projection(dt.date(2026, 11, 1)) is None
    assert rep.month_end_projection(dt.date(2026, 12, 5)) is None


def test_month_period() -> None:
    assert month_period("2026-02", dt.date(2026, 11, 5)) == (dt.date(2026, 2, 1),
                                                             dt.date(2026, 3, 1))
    assert month_period(None, dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1),
                                                         dt.date(2027, 1, 1))
    with pytest.raises(AilabError) as err:
        month_period("Nov", dt.date(2026, 11, 5))
    assert err.value.field == "month" and "YYYY-MM" in err.value.problem
