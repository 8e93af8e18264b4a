"""Build ailab's compact price table from SkyPilot-format catalog files.

SkyPilot's catalogs list one row per availability zone. ailab keeps one row per
(cloud, instance type, region): on-demand price, median spot price over the
zones that have one, and the zones. GCP GPU VMs are priced as their host row
plus the accelerator row of the same zone, as SkyPilot itself does. Every row
keeps its source and date; ``costs.catalog_validate`` checks the rows on the way
(placeholders, duplicates, missing prices, spot above on-demand, cross-region
outliers) and the build writes what it found next to the table
(``prices.build-log.csv``). Used to regenerate ``costs/data/prices.csv`` and by
``ailab catalog refresh``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ailab.core import tpu
from ailab.core.errors import CatalogRefreshError
from ailab.core.outputs import write_atomic
from ailab.costs.catalog_validate import (
    BuildLog,
    check_outliers,
    check_spot,
    clean_zone_rows,
    spot_above_on_demand,
    spot_note,
)

COLUMNS = [
    "cloud",
    "instance_type",
    "accelerator",
    "accelerator_count",
    "vcpus",
    "memory_gib",
    "region",
    "zones",
    "price_usd_hr",
    "spot_usd_hr",
    "source",
    "as_of",
    "note",
]

# SkyPilot file names accepted per cloud: the catalog layout <cloud>/vms.csv,
# or a flat <cloud>_vms*.csv snapshot.
_CLOUDS = ("aws", "gcp", "lambda", "nebius")

# GCP machine types whose GPUs are part of the machine type: (accelerator, count).
_GCP_BUNDLED = [
    (re.compile(r"^a2-highgpu-(\d+)g$"), "A100", None),
    (re.compile(r"^a2-megagpu-16g$"), "A100", 16),
    (re.compile(r"^a2-ultragpu-(\d+)g$"), "A100-80GB", None),
    (re.compile(r"^a3-highgpu-(\d+)g$"), "H100", None),
    (re.compile(r"^a3-edgegpu-8g(-nolssd)?$"), "H100", 8),
    (re.compile(r"^a3-megagpu-8g$"), "H100-MEGA", 8),
    (re.compile(r"^a3-ultragpu-8g(-nolssd)?$"), "H200", 8),
    # The a4 host rows list 0.0: the B200 x8 accelerator rows carry the whole price.
    (re.compile(r"^a4-highgpu-8g$"), "B200", 8),
]
FLOAT_FORMAT = "%.10g"
"""Ten significant digits: every source price (at most 7) survives the round trip."""
_G2_L4 = {4: 1, 8: 1, 12: 1, 16: 1, 32: 1, 24: 2, 48: 4, 96: 8}


@dataclass
class BuiltCatalog:
    """The compact table and what the checks found while building it."""

    table: pd.DataFrame
    log: BuildLog


def find_catalog_files(directory: Path) -> dict[str, Path]:
    """Map cloud name to its vms CSV inside a SkyPilot catalog directory."""
    found: dict[str, Path] = {}
    for cloud in _CLOUDS:
        nested = directory / cloud / "vms.csv"
        flat = sorted(directory.glob(f"{cloud}_vms*.csv"))
        if nested.is_file():
            found[cloud] = nested
        elif flat:
            found[cloud] = flat[0]
    if not found:
        raise CatalogRefreshError(
            f"{directory}: no SkyPilot catalog files found",
            hint="expected <cloud>/vms.csv or <cloud>_vms*.csv for aws, gcp, lambda or nebius",
        )
    return found


def build_catalog(directory: Path, source: str, as_of: str) -> BuiltCatalog:
    """Read and check every cloud's file under ``directory`` into one compact table."""
    log = BuildLog()
    frames = []
    for cloud, path in find_catalog_files(directory).items():
        raw = pd.read_csv(path, dtype={"InstanceType": str, "AcceleratorName": str})
        frames.append(_gcp_rows(raw, log) if cloud == "gcp" else _plain_rows(raw, cloud, log))
    table = pd.concat(frames, ignore_index=True)
    table["source"] = source
    table["as_of"] = as_of
    return BuiltCatalog(finish(table, log), log)


def finish(table: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """The table-level checks, then the fixed column order and sort."""
    table = check_outliers(check_spot(table, log), log)
    return table[COLUMNS].sort_values(["cloud", "instance_type", "region"], ignore_index=True)


def _aggregate(rows: pd.DataFrame, cloud: str) -> pd.DataFrame:
    """One row per instance type and region; spot is the median over zones."""
    if "AvailabilityZone" not in rows.columns:
        rows = rows.assign(AvailabilityZone="")
    if "_spot_note" not in rows.columns:
        rows = rows.assign(_spot_note="")
    grouped = rows.groupby(["InstanceType", "Region"], sort=False)
    out = grouped.agg(
        accelerator=("AcceleratorName", "first"),
        accelerator_count=("AcceleratorCount", "first"),
        vcpus=("vCPUs", "first"),
        memory_gib=("MemoryGiB", "first"),
        price_usd_hr=("Price", "max"),
        spot_usd_hr=("SpotPrice", "median"),
        zones=("AvailabilityZone", lambda z: ";".join(sorted({str(v) for v in z if str(v)}))),
        note=("_spot_note", spot_note),
    ).reset_index()
    out = out.rename(columns={"InstanceType": "instance_type", "Region": "region"})
    out["cloud"] = cloud
    out["accelerator"] = out["accelerator"].fillna("")
    out["accelerator_count"] = out["accelerator_count"].fillna(0).astype(float)
    return out


def _plain_rows(raw: pd.DataFrame, cloud: str, log: BuildLog) -> pd.DataFrame:
    if "SpotPrice" not in raw.columns:
        raw = raw.assign(SpotPrice=float("nan"))
    zone = "AvailabilityZone" if "AvailabilityZone" in raw.columns else "Region"
    return _aggregate(clean_zone_rows(raw, cloud, ["InstanceType", zone], log), cloud)


def _gcp_bundle(machine_type: str) -> tuple[str, int] | None:
    for pattern, accel, fixed in _GCP_BUNDLED:
        match = pattern.match(machine_type)
        if match:
            return accel, fixed if fixed is not None else int(match.group(1))
    g2 = re.match(r"^g2-standard-(\d+)$", machine_type)
    if g2 and int(g2.group(1)) in _G2_L4:
        return "L4", _G2_L4[int(g2.group(1))]
    return None


def _gcp_rows(raw: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    hosts = raw[raw["InstanceType"].notna()].copy()
    bundled = hosts["InstanceType"].map(lambda t: _gcp_bundle(t) is not None)
    hosts = clean_zone_rows(hosts, "gcp", ["InstanceType", "AvailabilityZone"], log,
                            priced_elsewhere=bundled)
    accel = raw[raw["InstanceType"].isna() & raw["AcceleratorName"].notna()]
    accel = clean_zone_rows(accel, "gcp", ["AcceleratorName", "AcceleratorCount",
                                           "AvailabilityZone"], log)
    tpus = accel[accel["AcceleratorName"].str.startswith("tpu-")].copy()
    tpus["InstanceType"] = tpus["AcceleratorName"]
    tpus["AcceleratorName"] = tpus["InstanceType"].str.replace(r"-\d+$", "", regex=True)
    tpus["AcceleratorCount"] = tpus["InstanceType"].map(
        lambda name: tpu.tpu_chips(name.removeprefix("tpu-")))
    gpus = accel[~accel["AcceleratorName"].str.startswith("tpu-")]
    return pd.concat([_aggregate(_bundle_hosts(hosts, gpus, log), "gcp"),
                      _aggregate(tpus, "gcp")], ignore_index=True)


def _bundle_hosts(hosts: pd.DataFrame, gpus: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """Add each bundled machine type's accelerator price (same zone) to its host price."""
    bundles = hosts["InstanceType"].map(_gcp_bundle)
    hosts["AcceleratorName"] = bundles.map(lambda b: b[0] if b else None)
    hosts["AcceleratorCount"] = bundles.map(lambda b: b[1] if b else None)
    keyed = gpus.set_index(["AcceleratorName", "AcceleratorCount", "AvailabilityZone"])
    prices = keyed[["Price", "SpotPrice", "_spot_note"]].rename(columns=lambda c: f"Acc{c}")
    merged = hosts.join(prices, on=["AcceleratorName", "AcceleratorCount", "AvailabilityZone"])
    bundled = merged["AcceleratorName"].notna()
    unpriced = bundled & merged["AccPrice"].isna()
    for _, row in merged[unpriced].iterrows():
        log.add("missing-price", "gcp", row, f"no {row['AcceleratorName']} "
                f"x{row['AcceleratorCount']:g} accelerator price in this zone", "row dropped")
    merged = merged[~unpriced].copy()
    has_acc = merged["AccPrice"].notna()
    merged.loc[has_acc, "Price"] += merged.loc[has_acc, "AccPrice"]
    merged.loc[has_acc, "SpotPrice"] += merged.loc[has_acc, "AccSpotPrice"]
    acc_note = merged["Acc_spot_note"].fillna("")
    merged["_spot_note"] = merged["_spot_note"].where(merged["_spot_note"] != "", acc_note)
    merged = merged.drop(columns=["AccPrice", "AccSpotPrice", "Acc_spot_note"])
    return spot_above_on_demand(merged, "gcp", log, "Price", "SpotPrice")


def write_catalog(table: pd.DataFrame, path: Path) -> None:
    """Write the table with fixed float formatting so diffs stay readable."""
    table.to_csv(path, index=False, float_format=FLOAT_FORMAT)


def meta_path(output: Path) -> Path:
    """``prices.csv`` -> ``prices.meta.json`` next to it."""
    return output.with_name(output.stem + ".meta.json")


def log_path(output: Path) -> Path:
    """``prices.csv`` -> ``prices.build-log.csv`` next to it: what the checks found."""
    return output.with_name(output.stem + ".build-log.csv")


def write_outputs(table: pd.DataFrame, log: BuildLog, output: Path,
                  meta: dict[str, Any]) -> None:
    """Table, provenance and build log, each written whole (temporary file, then rename).

    The table goes last, so a failure leaves the previous table in place."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing or table.empty:
        raise CatalogRefreshError(f"refusing to write an empty or malformed table (missing: "
                                  f"{', '.join(missing) or 'rows'})")
    output.parent.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "checks": log.counts()}
    write_atomic(log_path(output), log.frame().to_csv(index=False))
    write_atomic(meta_path(output), json.dumps(meta, indent=2) + "\n")
    write_atomic(output, table[COLUMNS].to_csv(index=False, float_format=FLOAT_FORMAT))


def log_summary(log: BuildLog) -> str:
    """One line per check with its count: what the build prints."""
    return "\n".join(f"{check}: {n}" for check, n in log.counts().items())


def main(argv: Iterable[str] | None = None) -> None:
    """``python -m ailab.costs.catalog_build DIR SOURCE AS_OF`` regenerates the embedded
    table, its provenance and its build log (``costs/data/prices.*``)."""
    args = list(argv if argv is not None else sys.argv[1:])
    directory, source, as_of = Path(args[0]), args[1], args[2]
    out = Path(__file__).parent / "data" / "prices.csv"
    built = build_catalog(directory, source, as_of)
    meta = json.loads(meta_path(out).read_text()) if meta_path(out).is_file() else {}
    meta.update({"source": source, "method": METHOD,
                 "regenerate": f"python -m ailab.costs.catalog_build <dir> '{source}' <date>"})
    meta.pop("as_of", None)
    write_outputs(built.table, built.log, out, meta)
    sys.stderr.write(log_summary(built.log) + "\n")


METHOD = ("one row per cloud, instance type and region; on-demand price = the highest over the "
          "region's zones; spot price = median over the zones that have one; GCP GPU machine "
          "types = host row + accelerator row of the same zone; TPU slices priced whole; "
          "checked by ailab.costs.catalog_validate (see the build log)")


if __name__ == "__main__":
    main()
