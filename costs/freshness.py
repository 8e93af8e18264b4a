"""How old each price table is, and which tables the current command used.

Every price table (the GPU/VM catalog, the storage and transfer prices, the
stack service prices) registers itself here with one function that reads its
as-of date from the table itself (the oldest ``as_of`` of its rows: the date of
its oldest price) and a line saying how to refresh it. Table loaders call
``use(key)`` on every look-up, so after a command ran, ``used()`` names exactly
the tables its figures came from. The CLI prints one warning line per used
table older than ``STALE_AFTER_DAYS`` and adds ``price_tables`` (name, as-of
date, age) to JSON output; library code never prints.

This module is imported by the CLI for every command, so it imports nothing
heavy: the tables register their date readers when they are imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

STALE_AFTER_DAYS = 30


@dataclass(frozen=True)
class PriceTable:
    """One price table: what it is called, where its date comes from, how to refresh it."""

    key: str
    name: str
    as_of: Callable[[], date]
    refresh: str


_TABLES: dict[str, PriceTable] = {}
_USED: dict[str, None] = {}


def register(table: PriceTable) -> PriceTable:
    """Declare a table (a module does this once, at import; re-imports replace it)."""
    _TABLES[table.key] = table
    return table


def use(key: str) -> None:
    """Record that the current command read a price from table ``key``."""
    if key not in _USED:
        _USED[key] = None


def reset() -> None:
    """Forget which tables were used (the CLI calls this before each command)."""
    _USED.clear()


def used() -> list[PriceTable]:
    """The tables used since the last ``reset``, in the order first used."""
    return [_TABLES[k] for k in _USED if k in _TABLES]


def tables() -> list[PriceTable]:
    return list(_TABLES.values())


def today() -> date:
    """Today's date (one place, so tests can move the clock)."""
    return date.today()


def age_days(table: PriceTable, on: date | None = None) -> int:
    return ((on or today()) - table.as_of()).days


def status(table: PriceTable, on: date | None = None) -> dict[str, Any]:
    """A table's date and age, as JSON output carries it."""
    age = age_days(table, on)
    return {"table": table.key, "name": table.name, "as_of": table.as_of().isoformat(),
            "age_days": age, "stale": age > STALE_AFTER_DAYS, "refresh": table.refresh}


def warning(table: PriceTable, on: date | None = None) -> str | None:
    """One line when ``table`` is older than ``STALE_AFTER_DAYS``, else None."""
    age = age_days(table, on)
    if age <= STALE_AFTER_DAYS:
        return None
    return (f"warning: the {table.name} table is {age} days old (as of "
            f"{table.as_of().isoformat()}); {table.refresh}")


def warnings(on: date | None = None) -> list[str]:
    """One warning line per stale table the current command used."""
    return [w for t in used() if (w := warning(t, on)) is not None]


def used_json(on: date | None = None) -> list[dict[str, Any]]:
    """``status`` of every table the current command used."""
    return [status(t, on) for t in used()]
