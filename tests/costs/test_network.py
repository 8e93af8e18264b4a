"""The one instance network table: coverage of the price table, EFA counts, infra reads it."""

from __future__ import annotations

import pandas as pd
import pytest

from ailab.costs.catalog import load_prices
from ailab.costs.network import (
    MULTI_NODE_FABRICS,
    efa_count,
    network_facts,
    network_table,
    source_citations,
)
from ailab.infra.aws.facts import efa_interfaces
from tests.support import SHARED

FABRICS = MULTI_NODE_FABRICS | {"none"}
IN_NODE = {"single", "NVLink", "NVSwitch", "PCIe", "NeuronLink", "ICI", "RoCE"}
TRAINING = ("inf1.", "inf2.", "dl2q.")  # inference parts: not priced for training


def test_rows_use_known_vocabulary_and_sources() -> None:
    table = network_table()
    assert set(table["fabric"]) <= FABRICS
    assert set(table["in_node"]) <= IN_NODE
    keys = set(source_citations())
    for sources in table["source"]:
        assert set(sources.split(";")) <= keys
    assert not table.duplicated(subset=["cloud", "instance_type"]).any()


def test_every_accelerator_type_in_the_price_table_has_a_row() -> None:
    prices = load_prices()
    training = ~prices["instance_type"].str.startswith(TRAINING)
    gpu = prices[(prices["accelerator_count"] > 0) & training]
    missing = {(c, t) for c, t in zip(gpu["cloud"], gpu["instance_type"], strict=True)
               if network_facts(c, t).in_node == "unknown"}
    assert not missing


@pytest.mark.skipif(not (SHARED / "data" / "catalog-v8").is_dir(),
                    reason="shared SkyPilot catalog-v8 snapshot not present")
def test_every_accelerator_type_in_the_v8_catalog_has_a_row() -> None:
    """The price table is being rebuilt from v8: its types are covered in advance."""
    root = SHARED / "data" / "catalog-v8"
    known = {"A100", "A100-80GB", "H100", "H100-MEGA", "H200", "B200", "L4", "L40S", "A10G",
             "A10", "A6000", "RTX6000", "V100", "V100-32GB", "T4", "T4g", "GH200", "Trainium",
             "Trainium2"}
    types: set[tuple[str, str]] = set()
    for cloud, name in (("aws", "aws_vms_accel.csv"), ("lambda", "lambda_vms.csv"),
                        ("nebius", "nebius_vms.csv")):
        frame = pd.read_csv(root / name)
        rows = frame[frame["AcceleratorName"].isin(known)]
        types |= {(cloud, str(t)) for t in rows["InstanceType"]}
    gcp = pd.read_csv(root / "gcp_vms_accel.csv")
    hosts = gcp["InstanceType"].dropna().astype(str)
    types |= {("gcp", t) for t in hosts if t.startswith(("a2-", "a3-", "a4-", "g2-"))}
    tpus = gcp["AcceleratorName"].dropna().astype(str)
    types |= {("gcp", t) for t in tpus if t.startswith("tpu-")}
    assert len(types) > 150
    missing = {(c, t) for c, t in types if network_facts(c, t).in_node == "unknown"}
    assert not missing


def test_efa_counts_kept_and_read_by_infra() -> None:
    """The counts infra used before the table existed, and every AWS row, agree."""
    before = {"p4d.24xlarge": 4, "p4de.24xlarge": 4, "p5.48xlarge": 32, "p5e.48xlarge": 32,
              "p5en.48xlarge": 16, "g5.48xlarge": 1, "g6e.24xlarge": 2, "g6e.48xlarge": 4,
              "trn1.32xlarge": 8, "trn1n.32xlarge": 16, "trn2.48xlarge": 16, "dl1.24xlarge": 4}
    for itype, count in before.items():
        assert efa_interfaces(itype) == count
    table = network_table()
    for rec in table[table["cloud"] == "aws"].to_dict("records"):
        expect = 0 if pd.isna(rec["efa_interfaces"]) else int(rec["efa_interfaces"])
        assert efa_interfaces(rec["instance_type"]) == efa_count(rec["instance_type"]) == expect
        if expect:
            assert rec["fabric"] == "EFA"
    assert efa_interfaces("g6.xlarge") == 0 and efa_interfaces("no-such.type") == 0


def test_fabric_facts() -> None:
    assert network_facts("aws", "p5.48xlarge").multi_node
    assert network_facts("gcp", "a3-megagpu-8g").fabric == "GPUDirect-TCPXO"
    assert network_facts("gcp", "a3-highgpu-8g").fabric == "GPUDirect-TCPX"
    assert not network_facts("gcp", "a2-highgpu-8g").multi_node
    assert not network_facts("lambda", "gpu_8x_h100_sxm5").multi_node
    assert network_facts("nebius", "gpu-h100-sxm_8gpu-128vcpu-1600gb").fabric == "InfiniBand"
    tpu = network_facts("gcp", "tpu-v4-2048")
    assert tpu.in_node == "ICI" and tpu.fabric == "DCN"
    pcie = network_facts("lambda", "gpu_1x_h100_pcie")
    assert pcie.accelerator_variant == "H100-PCIe" and not pcie.multi_node
    unknown = network_facts("aws", "x99.made-up")
    assert unknown.in_node == "unknown" and not unknown.multi_node
