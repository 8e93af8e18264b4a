"""Hours per month from an instance schedule's start and stop cron expressions.

A GCP instance-schedule resource policy starts and stops VMs on cron schedules,
so it defines the hours a VM runs. The schedules are replayed over a whole
non-leap year (8,760 h = 12 x 730 h) and the running hours divided by 12, so an
always-on machine gets exactly the default 730 h. Times are taken in the
policy's local time; the one-hour daylight-saving shifts are not replayed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from croniter import croniter

from ailab.core.errors import EstimateError

YEAR = 2025
"""A non-leap year: its 8,760 hours are exactly 12 months of 730 h."""


def _times(expr: str, start: datetime, end: datetime) -> list[datetime]:
    if not croniter.is_valid(expr):
        raise EstimateError(f"instance schedule {expr!r} is not a valid cron expression")
    it = croniter(expr, start)
    out: list[datetime] = []
    while True:
        moment = it.get_next(datetime)
        if moment >= end:
            return out
        out.append(moment)


def scheduled_hours_per_month(start: str, stop: str) -> float:
    """Mean running hours per month of a VM started by ``start`` and stopped by ``stop``."""
    begin, end = datetime(YEAR, 1, 1), datetime(YEAR + 1, 1, 1)
    warmup = begin - timedelta(days=31)
    events = sorted([(t, 1) for t in _times(start, warmup, end)]
                    + [(t, 0) for t in _times(stop, warmup, end)])
    if not any(kind for _, kind in events) or all(kind for _, kind in events):
        raise EstimateError(f"instance schedule start {start!r} / stop {stop!r} never "
                            "alternates within a year")
    running, since, total = False, begin, 0.0
    for moment, kind in events:
        if moment < begin:
            running = bool(kind)
            continue
        if running:
            total += (moment - since).total_seconds()
        running, since = bool(kind), moment
    if running:
        total += (end - since).total_seconds()
    return total / 3600.0 / 12.0
