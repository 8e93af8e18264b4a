from __future__ import annotations

import pytest

from ailab.core.errors import CatalogError
from ailab.costs.accelerators import (
    FAMILIES,
    accelerators,
    canonical_name,
    catalog_name_map,
    get_accelerator,
)
from ailab.costs.catalog import load_prices, with_accelerators


@pytest.mark.parametrize(
    ("spelling", "name"),
    [("H100", "H100"), ("h100-80gb", "H100"), ("H100_80GB", "H100"), ("nvidia-h100", "H100"),
     ("A100-80GB", "A100-80GB"), ("a100", "A100-40GB"), ("tpu-v5e", "TPU-v5e"),
     ("v5litepod", "TPU-v5e"), ("Trillium", "TPU-v6e"), ("trn1", "Trainium"), ("l40s", "L40S")],
)
def test_spellings_normalise(spelling: str, name: str) -> None:
    assert canonical_name(spelling) == name


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(CatalogError) as exc:
        canonical_name("Z100")
    assert "Z100" in exc.value.message and "H100" in exc.value.message
    assert "TPU-v5e" in exc.value.message


def test_issue_accelerators_have_sourced_specs() -> None:
    wanted = ["A100-40GB", "A100-80GB", "H100", "H200", "L4", "L40S", "A10G", "V100", "T4",
              "TPU-v5e", "TPU-v5p", "TPU-v6e", "Trainium"]
    table = accelerators()
    for name in wanted:
        acc = table[name]
        assert acc.peak_bf16_tflops > 0 and acc.memory_gib > 0 and acc.interconnect
        assert len(acc.source) > 20
        assert acc.family in FAMILIES
    assert get_accelerator("h100").peak_bf16_tflops == 989
    assert get_accelerator("a100-80gb").memory_gib == 80


def test_pcie_variant_has_its_own_peak() -> None:
    """NVIDIA's H100 table: PCIe 1,513 TFLOPS with sparsity = 756 dense, SXM5 989."""
    pcie = get_accelerator("h100-pcie")
    assert pcie.name == "H100-PCIe" and pcie.peak_bf16_tflops == 756
    assert pcie.peak_bf16_tflops / get_accelerator("H100").peak_bf16_tflops == pytest.approx(
        1513 / 1979, rel=2e-3)
    assert "PCIe" in pcie.interconnect and pcie.family == "hopper"


def test_every_training_accelerator_in_the_price_table_is_known() -> None:
    """Inference-only parts (Inferentia, AI100, Gaudi 1) aside, every family is priced."""
    names = set(load_prices()["accelerator"]) - {""}
    ignored = {"Inferentia", "Inferentia2", "Qualcomm AI100", "Gaudi HL-205",
               "B300"}  # p6-b300 (new in the v8 snapshot, one region): no spec row yet
    assert names - ignored <= set(catalog_name_map())
    priced = set(with_accelerators()["gpu"])
    for name in ("A100-40GB", "A100-80GB", "H100", "H200", "L4", "L40S", "A10G", "V100", "T4",
                 "TPU-v5e", "TPU-v5p", "TPU-v6e", "Trainium"):
        assert name in priced
