"""The price table: load it and answer lookups.

Pure pandas, no cloud SDKs. The embedded table lives in ``costs/data/prices.csv``
and its provenance in ``prices.meta.json``; ``ailab catalog refresh`` writes a
fresher one to the user data folder (``ailab.core.paths``), which is used
instead when present. Every row carries ``source`` and ``as_of`` so any figure
computed from it can say where its price came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ailab.core.errors import CatalogError

DATA_DIR = Path(__file__).parent / "data"
PRICES_CSV = DATA_DIR / "prices.csv"
PRICES_META = DATA_DIR / "prices.meta.json"
HOURS_PER_MONTH = 730.0


@dataclass(frozen=True)
class PriceRow:
    """One instance type in one region, with where its price came from."""

    cloud: str
    instance_type: str
    region: str
    accelerator: str
    accelerator_count: float
    vcpus: float
    memory_gib: float
    zones: tuple[str, ...]
    price_usd_hr: float
    spot_usd_hr: float | None
    source: str
    as_of: str

    @property
    def has_spot(self) -> bool:
        return self.spot_usd_hr is not None


def user_prices_path() -> Path:
    """Where ``ailab catalog refresh`` writes by default: the user data folder."""
    from ailab.core.paths import user_data_dir

    return user_data_dir() / "prices.csv"


def prices_path() -> Path:
    """The refreshed table when the user has one, else the embedded table."""
    user = user_prices_path()
    return user if user.is_file() else PRICES_CSV


def load_prices(path: Path | None = None) -> pd.DataFrame:
    """The price table as a DataFrame (cached; treat it as read-only)."""
    return _load_prices(path or prices_path())


@lru_cache(maxsize=4)
def _load_prices(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"zones": str, "accelerator": str})
    frame["accelerator"] = frame["accelerator"].fillna("")
    frame["zones"] = frame["zones"].fillna("")
    return frame


def catalog_meta(path: Path | None = None) -> dict[str, object]:
    """Source, date and method of the table in use (``prices.meta.json`` beside it)."""
    if path is None:
        table = prices_path()
        path = table.with_name(table.stem + ".meta.json")
    return dict(json.loads(path.read_text()))


@lru_cache(maxsize=8)
def _index(cloud: str) -> dict[tuple[str, str], PriceRow]:
    frame = load_prices()
    rows = frame[frame["cloud"] == cloud]
    index: dict[tuple[str, str], PriceRow] = {}
    for rec in rows.to_dict("records"):
        spot = rec["spot_usd_hr"]
        index[(rec["instance_type"], rec["region"])] = PriceRow(
            cloud=cloud,
            instance_type=rec["instance_type"],
            region=rec["region"],
            accelerator=rec["accelerator"],
            accelerator_count=float(rec["accelerator_count"]),
            vcpus=float(rec["vcpus"]) if pd.notna(rec["vcpus"]) else 0.0,
            memory_gib=float(rec["memory_gib"]) if pd.notna(rec["memory_gib"]) else 0.0,
            zones=tuple(z for z in rec["zones"].split(";") if z),
            price_usd_hr=float(rec["price_usd_hr"]),
            spot_usd_hr=float(spot) if pd.notna(spot) else None,
            source=rec["source"],
            as_of=rec["as_of"],
        )
    return index


def instance_types(cloud: str) -> set[str]:
    """Every instance type the table knows for a cloud."""
    return {key[0] for key in _index(cloud)}


def regions_for(cloud: str, instance_type: str) -> list[str]:
    """Regions where the table lists an instance type, sorted."""
    return sorted(region for (itype, region) in _index(cloud) if itype == instance_type)


def find_price(cloud: str, instance_type: str, region: str) -> PriceRow | None:
    """The row for an instance type in a region, or None when not offered there."""
    return _index(cloud).get((instance_type, region))


def price(cloud: str, instance_type: str, region: str) -> PriceRow:
    """Like find_price, but a missing row is a CatalogError naming what is known."""
    row = find_price(cloud, instance_type, region)
    if row is not None:
        return row
    if instance_type not in instance_types(cloud):
        raise CatalogError(f"instance type {instance_type!r} is not in the {cloud} price table",
                           hint="see `ailab catalog show --cloud " + cloud + "`")
    offered = ", ".join(regions_for(cloud, instance_type))
    raise CatalogError(f"{instance_type} is not offered in {region}; offered in: {offered}")


def regions_for_cloud(cloud: str) -> set[str]:
    """Every region the table lists for a cloud."""
    return {region for (_, region) in _index(cloud)}


STALE_AFTER_DAYS = 30


def clear_cache() -> None:
    """Forget cached tables, e.g. after ``ailab catalog refresh`` rewrote them."""
    _load_prices.cache_clear()
    _index.cache_clear()


def snapshot_date(frame: pd.DataFrame | None = None) -> date:
    """The date of the oldest price in the table: what a staleness check must look at."""
    table = load_prices() if frame is None else frame
    return date.fromisoformat(str(table["as_of"].min()))


def staleness_warning(today: date | None = None, frame: pd.DataFrame | None = None) -> str | None:
    """A one-line warning when the snapshot is older than STALE_AFTER_DAYS, else None."""
    as_of = snapshot_date(frame)
    age = ((today or date.today()) - as_of).days
    if age <= STALE_AFTER_DAYS:
        return None
    return (f"warning: price snapshot is {age} days old (as of {as_of.isoformat()}); "
            "run `ailab catalog refresh` for current prices")


def with_accelerators(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows whose accelerator the accelerator table knows, with a canonical ``gpu`` column."""
    from ailab.costs.accelerators import catalog_name_map

    table = load_prices() if frame is None else frame
    names = table["accelerator"].map(catalog_name_map())
    out = table[names.notna() & (table["accelerator_count"] > 0)].copy()
    out["gpu"] = names[out.index]
    return out.reset_index(drop=True)
