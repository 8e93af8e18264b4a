"""Pure GCP helpers: TPU facts, GPU NIC counts, names, lifecycle rules, labels."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailab.core import tpu as tpu_facts
from ailab.infra.gcp import facts
from ailab.infra.gcp.identity import account_id
from ailab.infra.gcp.lab import spot_exempt_label
from ailab.infra.gcp.network import lab_tag
from ailab.infra.gcp.spec import BucketSpec
from ailab.infra.gcp.storage import lifecycle_rules


@pytest.mark.parametrize(("tpu", "chips", "topology"), [
    ("v5litepod-1", 1, "1x1"), ("v5litepod-8", 8, "2x4"), ("v5litepod-16", 16, "4x4"),
    ("v6e-8", 8, "2x4"), ("v6e-256", 256, "16x16"), ("v5p-8", 4, "2x2x1"),
    ("v5p-16", 8, "2x2x2"), ("v5p-128", 64, "4x4x4"), ("v4-8", 4, "2x2x1"),
    ("v3-8", 4, "2x2")])
def test_tpu_chips_and_default_topology(tpu: str, chips: int, topology: str) -> None:
    assert tpu_facts.tpu_chips(tpu) == chips
    assert tpu_facts.default_topology(tpu) == topology
    assert tpu_facts.valid_topology(tpu, topology)


@pytest.mark.parametrize(("tpu", "topology"), [
    ("v5litepod-8", "4x4"), ("v5litepod-8", "1x8"), ("v5litepod-8", "2x2x2"),
    ("v5p-8", "2x2"), ("v5p-8", "4x1x1"), ("v6e-8", "axb"), ("v6e-8", "3x3")])
def test_invalid_topologies(tpu: str, topology: str) -> None:
    assert not tpu_facts.valid_topology(tpu, topology)


@given(st.sampled_from(sorted(tpu_facts.TPU_GENERATIONS)), st.integers(0, 10))
def test_default_topology_always_valid(gen: str, exp: int) -> None:
    cores = tpu_facts.TPU_GENERATIONS[gen].cores_per_chip
    tpu = f"{gen}-{(2 ** exp) * cores}"
    assert tpu_facts.valid_topology(tpu, tpu_facts.default_topology(tpu))


def test_gpu_nics_only_on_8_gpu_a3() -> None:
    assert facts.gpu_nics("a3-highgpu-8g") == 4
    assert facts.gpu_nics("a3-megagpu-8g") == 8
    assert facts.gpu_nics("a3-highgpu-4g") == 0
    assert facts.gpu_nics("g2-standard-96") == 0
    assert facts.gpu_series("n2-standard-8") is None


@given(st.text(min_size=1, max_size=80))
def test_account_id_is_always_valid(stack: str) -> None:
    assert re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", account_id(stack))


def test_lab_tag_and_exempt_label() -> None:
    assert lab_tag("gcp-gpu-lab") == "ailab-gcp-gpu-lab"
    assert spot_exempt_label(None) == {}
    value = spot_exempt_label("Reserved H100s (Q3)!")["ailab-spot-exempt"]
    assert re.fullmatch(r"[a-z0-9_-]{1,63}", value)


def test_lifecycle_rules_skip_zero_steps_and_match_earlier_classes() -> None:
    rules = lifecycle_rules(BucketSpec("lifecycle", 0, 60, 400, 3))
    assert [(r["action"].get("storage_class"), r["condition"]["age"]) for r in rules] == [
        ("COLDLINE", 60), ("ARCHIVE", 400), (None, 3)]
    assert rules[1]["condition"]["matches_storage_classes"] == ["STANDARD", "NEARLINE",
                                                                "COLDLINE"]
    assert len(lifecycle_rules(BucketSpec("none", 30, 90, 365, 7))) == 1
