"""Instance network facts: which instance types can run one job across several nodes.

One table, ``costs/data/instance_network.csv``, holds every network fact the
project uses per instance type (its sources are keyed in
``instance_network.sources.csv``):

- ``in_node``: how the accelerators of one node talk (``NVSwitch``, ``NVLink``,
  ``PCIe``, ``NeuronLink``, ``ICI`` within a TPU slice, ``single`` for one GPU);
- ``fabric``: the scale-out network between nodes: ``EFA``, ``InfiniBand``,
  ``GPUDirect-TCPX``/``GPUDirect-TCPXO``, ``RDMA`` (ConnectX RDMA NICs), ``DCN``
  (TPU multislice over the data-center network) or ``none`` (plain TCP/IP);
- ``fabric_gbps``: the instance's network bandwidth; ``efa_interfaces``: EFA
  network interfaces on AWS (``ailab.infra.aws.facts.efa_interfaces`` reads it);
- ``accelerator_variant``: a canonical accelerator that differs from the price
  table's name (Lambda's ``gpu_1x_h100_pcie`` is an H100 **PCIe**, 756 dense
  TFLOP/s, where SkyPilot says ``H100``).

An ``instance_type`` may be a glob (``tpu-v4-*``); exact names win. A type
missing from the table has an unknown network and is treated as ``none``: a job
never spans nodes of a type nobody has shown to have a fabric.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

NETWORK_CSV = Path(__file__).parent / "data" / "instance_network.csv"
SOURCES_CSV = Path(__file__).parent / "data" / "instance_network.sources.csv"

MULTI_NODE_FABRICS = frozenset({"EFA", "InfiniBand", "GPUDirect-TCPX", "GPUDirect-TCPXO", "RDMA",
                                "DCN"})
"""Fabrics a multi-node job may use without a penalty (DCN: between TPU slices)."""


@dataclass(frozen=True)
class NetworkFacts:
    """What one instance type's network allows."""

    cloud: str
    instance_type: str
    in_node: str
    fabric: str
    fabric_gbps: float | None
    efa_interfaces: int
    accelerator_variant: str | None
    sources: tuple[str, ...]
    note: str

    @property
    def multi_node(self) -> bool:
        """Whether jobs may span nodes of this type without a penalty."""
        return self.fabric in MULTI_NODE_FABRICS


UNKNOWN = NetworkFacts("", "", "unknown", "none", None, 0, None, (), "not in the network table")


@lru_cache(maxsize=2)
def network_table(path: Path = NETWORK_CSV) -> pd.DataFrame:
    """The network table as read (treat it as read-only)."""
    return pd.read_csv(path, dtype={"accelerator_variant": str, "note": str, "source": str})


def _facts(rec: dict[str, object], cloud: str, itype: str) -> NetworkFacts:
    gbps, efa, variant = rec["fabric_gbps"], rec["efa_interfaces"], rec["accelerator_variant"]
    return NetworkFacts(
        cloud=cloud, instance_type=itype, in_node=str(rec["in_node"]), fabric=str(rec["fabric"]),
        fabric_gbps=None if pd.isna(gbps) else float(str(gbps)),
        efa_interfaces=0 if pd.isna(efa) else int(float(str(efa))),
        accelerator_variant=None if pd.isna(variant) else str(variant),
        sources=tuple(str(rec["source"]).split(";")),
        note="" if pd.isna(rec["note"]) else str(rec["note"]))


@lru_cache(maxsize=4096)
def network_facts(cloud: str, instance_type: str) -> NetworkFacts:
    """The facts for one instance type (exact row, else the first matching glob, else UNKNOWN)."""
    rows = network_table()
    rows = rows[rows["cloud"] == cloud]
    exact = rows[rows["instance_type"] == instance_type]
    if not exact.empty:
        return _facts(exact.iloc[0].to_dict(), cloud, instance_type)
    for rec in rows.to_dict("records"):
        pattern = str(rec["instance_type"])
        if "*" in pattern and fnmatch.fnmatchcase(instance_type, pattern):
            return _facts(rec, cloud, instance_type)
    return NetworkFacts(cloud, instance_type, UNKNOWN.in_node, UNKNOWN.fabric, None, 0, None, (),
                        UNKNOWN.note)


def network_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """``in_node``, ``fabric``, ``fabric_gbps``, ``multi_node`` and ``variant`` for price rows.

    Looked up once per distinct (cloud, instance type), so a 250,000-row
    candidate grid costs a few hundred lookups.
    """
    keys = rows[["cloud", "instance_type"]].drop_duplicates()
    facts = [network_facts(str(c), str(t)) for c, t in keys.itertuples(index=False)]
    table = pd.DataFrame({
        "cloud": keys["cloud"].to_numpy(), "instance_type": keys["instance_type"].to_numpy(),
        "in_node": [f.in_node for f in facts], "fabric": [f.fabric for f in facts],
        "fabric_gbps": [f.fabric_gbps for f in facts],
        "multi_node": [f.multi_node for f in facts],
        "variant": [f.accelerator_variant for f in facts],
    })
    return rows[["cloud", "instance_type"]].merge(table, how="left", on=["cloud", "instance_type"])


def efa_count(instance_type: str) -> int:
    """EFA interfaces of an AWS instance type (0: no EFA, or a count nobody has read)."""
    return network_facts("aws", instance_type).efa_interfaces


@lru_cache(maxsize=1)
def source_citations() -> dict[str, str]:
    """Source key -> citation, for the keys the table uses."""
    frame = pd.read_csv(SOURCES_CSV, dtype=str)
    return dict(zip(frame["key"], frame["citation"], strict=True))
