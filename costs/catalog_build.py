"""Build ailab's compact price table from SkyPilot-format catalog files.

SkyPilot's catalogs list one row per availability zone. ailab keeps one row per
(cloud, instance type, region): on-demand price, median spot price over the
zones that have one, and the zones. GCP GPU VMs are priced as their host row
plus the accelerator row of the same zone, as SkyPilot itself does. Used to
regenerate ``costs/data/prices.csv`` and by ``ailab catalog refresh --from-dir``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ailab.core import tpu
from ailab.core.errors import CatalogRefreshError

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
    # H200: the snapshot has no H200 accelerator rows, so these rows are dropped
    # rather than priced as a bare host.
    (re.compile(r"^a3-ultragpu-8g(-nolssd)?$"), "H200", 8),
]
_G2_L4 = {4: 1, 8: 1, 12: 1, 16: 1, 32: 1, 24: 2, 48: 4, 96: 8}

_TPU_PLACEHOLDER_PRICE = 700.0


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


def build_catalog(directory: Path, source: str, as_of: str) -> pd.DataFrame:
    """Read every cloud's file under ``directory`` into one compact table."""
    frames = []
    for cloud, path in find_catalog_files(directory).items():
        raw = pd.read_csv(path, dtype={"InstanceType": str, "AcceleratorName": str})
        builder = _gcp_rows if cloud == "gcp" else _plain_rows
        frames.append(builder(raw, cloud))
    table = pd.concat(frames, ignore_index=True)
    table["source"] = source
    table["as_of"] = as_of
    return table[COLUMNS].sort_values(["cloud", "instance_type", "region"], ignore_index=True)


def _aggregate(rows: pd.DataFrame, cloud: str) -> pd.DataFrame:
    """One row per instance type and region; spot is the median over zones."""
    if "AvailabilityZone" not in rows.columns:
        rows = rows.assign(AvailabilityZone="")
    grouped = rows.groupby(["InstanceType", "Region"], sort=False)
    out = grouped.agg(
        accelerator=("AcceleratorName", "first"),
        accelerator_count=("AcceleratorCount", "first"),
        vcpus=("vCPUs", "first"),
        memory_gib=("MemoryGiB", "first"),
        price_usd_hr=("Price", "max"),
        spot_usd_hr=("SpotPrice", "median"),
        zones=("AvailabilityZone", lambda z: ";".join(sorted({str(v) for v in z if str(v)}))),
    ).reset_index()
    out = out.rename(columns={"InstanceType": "instance_type", "Region": "region"})
    out["cloud"] = cloud
    out["accelerator"] = out["accelerator"].fillna("")
    out["accelerator_count"] = out["accelerator_count"].fillna(0).astype(float)
    return out


def _plain_rows(raw: pd.DataFrame, cloud: str) -> pd.DataFrame:
    raw = raw.dropna(subset=["Price"])
    raw = raw.drop_duplicates(subset=["InstanceType", "Region", "AvailabilityZone"]
                              if "AvailabilityZone" in raw.columns else ["InstanceType", "Region"])
    return _aggregate(raw, cloud)


def _gcp_bundle(machine_type: str) -> tuple[str, int] | None:
    for pattern, accel, fixed in _GCP_BUNDLED:
        match = pattern.match(machine_type)
        if match:
            return accel, fixed if fixed is not None else int(match.group(1))
    g2 = re.match(r"^g2-standard-(\d+)$", machine_type)
    if g2 and int(g2.group(1)) in _G2_L4:
        return "L4", _G2_L4[int(g2.group(1))]
    return None


def _gcp_rows(raw: pd.DataFrame, cloud: str) -> pd.DataFrame:
    raw = raw.drop_duplicates(subset=["InstanceType", "AcceleratorName", "AcceleratorCount",
                                      "AvailabilityZone"])
    accel = raw[raw["InstanceType"].isna() & raw["AcceleratorName"].notna()]
    hosts = raw[raw["InstanceType"].notna()].copy()
    tpus = accel[accel["AcceleratorName"].str.startswith("tpu-")].copy()
    tpus = tpus[tpus["Price"] != _TPU_PLACEHOLDER_PRICE]
    tpus["InstanceType"] = tpus["AcceleratorName"]
    tpus["AcceleratorName"] = tpus["InstanceType"].str.replace(r"-\d+$", "", regex=True)
    tpus["AcceleratorCount"] = tpus["InstanceType"].map(
        lambda name: tpu.tpu_chips(name.removeprefix("tpu-")))
    gpus = accel[~accel["AcceleratorName"].str.startswith("tpu-")]
    return pd.concat([_aggregate(_bundle_hosts(hosts, gpus), cloud), _aggregate(tpus, cloud)],
                     ignore_index=True)


def _bundle_hosts(hosts: pd.DataFrame, gpus: pd.DataFrame) -> pd.DataFrame:
    """Add each bundled machine type's accelerator price (same zone) to its host price."""
    bundles = hosts["InstanceType"].map(_gcp_bundle)
    hosts["AcceleratorName"] = bundles.map(lambda b: b[0] if b else None)
    hosts["AcceleratorCount"] = bundles.map(lambda b: b[1] if b else None)
    keyed = gpus.set_index(["AcceleratorName", "AcceleratorCount", "AvailabilityZone"])
    prices = keyed[["Price", "SpotPrice"]].rename(columns=lambda c: f"Acc{c}")
    merged = hosts.join(prices, on=["AcceleratorName", "AcceleratorCount", "AvailabilityZone"])
    bundled = merged["AcceleratorName"].notna()
    # A bundled machine type with no accelerator price in that zone cannot be priced.
    merged = merged[~bundled | merged["AccPrice"].notna()].copy()
    has_acc = merged["AccPrice"].notna()
    merged.loc[has_acc, "Price"] += merged.loc[has_acc, "AccPrice"]
    merged.loc[has_acc, "SpotPrice"] += merged.loc[has_acc, "AccSpotPrice"]
    return merged.drop(columns=["AccPrice", "AccSpotPrice"])


def write_catalog(table: pd.DataFrame, path: Path) -> None:
    """Write the table with fixed float formatting so diffs stay readable."""
    table.to_csv(path, index=False, float_format="%.6g")


def main(argv: Iterable[str] | None = None) -> None:
    """``python -m ailab.costs.catalog_build DIR SOURCE AS_OF`` regenerates the embedded table."""
    import sys

    args = list(argv if argv is not None else sys.argv[1:])
    directory, source, as_of = Path(args[0]), args[1], args[2]
    out = Path(__file__).parent / "data" / "prices.csv"
    write_catalog(build_catalog(directory, source, as_of), out)


if __name__ == "__main__":
    main()
