"""The VM price table: load it and answer lookups.

Pure pandas, no cloud SDKs. The table shipped with ailab is
``costs/data/prices.csv`` (built by ``costs.catalog_build``, provenance in
``prices.meta.json``, the checks' findings in ``prices.build-log.csv``);
``ailab catalog refresh`` writes a fresher one to the user data directory
(``user_data_dir()``), which then takes precedence. Every row carries ``source``
and ``as_of`` so any figure computed from it can say where its price came
from, and a ``note`` where the build's checks found something (an outlier
price, dropped spot prices). The table's as-of date is its oldest row's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ailab.core.errors import CatalogError
from ailab.core.inputs import read_json
from ailab.costs import freshness

DATA_DIR = Path(__file__).parent / "data"
PRICES_CSV = DATA_DIR / "prices.csv"
PRICES_META = DATA_DIR / "prices.meta.json"
HOURS_PER_MONTH = 730.0
TABLE = "gpu-catalog"
DATA_DIR_ENV = "AILAB_DATA_DIR"


def user_data_dir() -> Path:
    """Where ``ailab catalog refresh`` writes: ``$AILAB_DATA_DIR``, else the platform's
    user data directory (``~/.local/share/ailab`` on Linux); never the installed package.
    One rule for every user folder: ``ailab.core.paths``."""
    from ailab.core.paths import user_data_dir as folder

    return folder()


def user_prices_path() -> Path:
    return user_data_dir() / "prices.csv"


def prices_path() -> Path:
    """The table in use: a refreshed one in the user data directory, else the shipped one."""
    user = user_prices_path()
    return user if user.is_file() else PRICES_CSV


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
    note: str = ""
    """What the build's checks found about this row (empty when nothing)."""

    @property
    def has_spot(self) -> bool:
        return self.spot_usd_hr is not None


def load_prices(path: Path | None = None) -> pd.DataFrame:
    """The price table as a DataFrame (cached; treat it as read-only)."""
    freshness.use(TABLE)
    return _read(path or prices_path())


@lru_cache(maxsize=4)
def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"zones": str, "accelerator": str, "note": str})
    frame["accelerator"] = frame["accelerator"].fillna("")
    frame["zones"] = frame["zones"].fillna("")
    if "note" not in frame.columns:
        frame["note"] = ""
    frame["note"] = frame["note"].fillna("")
    return frame


def catalog_meta(path: Path | None = None) -> dict[str, object]:
    """Source, method and check counts of the table in use."""
    from ailab.costs.catalog_build import meta_path

    found = path or meta_path(prices_path())
    return dict(read_json(found)) if found.is_file() else {}


def build_log(path: Path | None = None) -> pd.DataFrame:
    """What the checks found when the table in use was built (``ailab catalog show --issues``)."""
    from ailab.costs.catalog_build import log_path
    from ailab.costs.catalog_validate import LOG_COLUMNS

    found = path or log_path(prices_path())
    if not found.is_file():
        return pd.DataFrame(columns=LOG_COLUMNS)
    return pd.read_csv(found, dtype=str).fillna("")


def _index(cloud: str) -> dict[tuple[str, str], PriceRow]:
    freshness.use(TABLE)
    return _build_index(cloud, prices_path())


@lru_cache(maxsize=8)
def _build_index(cloud: str, path: Path) -> dict[tuple[str, str], PriceRow]:
    frame = _read(path)
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
            note=rec["note"],
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


def clear_cache() -> None:
    """Forget cached tables, e.g. after ``ailab catalog refresh`` rewrote them."""
    _read.cache_clear()
    _build_index.cache_clear()


def snapshot_date(frame: pd.DataFrame | None = None) -> date:
    """The date of the oldest price in the table: what a staleness check must look at."""
    table = _read(prices_path()) if frame is None else frame
    return date.fromisoformat(str(table["as_of"].min()))


freshness.register(freshness.PriceTable(
    TABLE, "GPU/VM price catalog", snapshot_date,
    "run `ailab catalog refresh` (AWS/GCP price APIs) or `ailab catalog refresh --from-dir "
    "DIR` with a SkyPilot catalog checkout"))


def with_accelerators(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows whose accelerator the accelerator table knows, with a canonical ``gpu`` column:
    the real part where the network table names one (Lambda's ``gpu_1x_h100_pcie`` is an
    H100-PCIE, though the catalog calls it H100), so no listing passes one part off as
    another."""
    from ailab.costs.accelerators import catalog_name_map
    from ailab.costs.network import network_columns

    table = load_prices() if frame is None else frame
    names = table["accelerator"].map(catalog_name_map())
    out = table[names.notna() & (table["accelerator_count"] > 0)].copy()
    out["gpu"] = names[out.index]
    out = out.reset_index(drop=True)
    variant = network_columns(out)["variant"]
    out["gpu"] = variant.fillna(out["gpu"]).to_numpy()
    return out
