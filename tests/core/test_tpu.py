"""TPU facts: one answer for every caller (config check, pricing, guardrails, workloads)."""

from __future__ import annotations

from typing import Any

import pytest

from ailab.core import tpu


@pytest.mark.parametrize(("node", "expected"), [
    ({"acceleratorType": "v4-32"}, "v4-32"),
    ({"accelerator_type": "tpu-v6e-8"}, "v6e-8"),
    ({"acceleratorConfig": {"type": "V5LITE_POD", "topology": "2x4"}}, "v5litepod-8"),
    ({"accelerator_config": {"type": "V5P", "topology": "2x2x2"}}, "v5p-16"),
    ({"acceleratorConfig": {"type": "V4", "topology": "2x2x1"}}, "v4-8"),
    ({"acceleratorConfig": {"type": "V6E", "topology": "4x4"}}, "v6e-16"),
    # Lower-case generation names are what hand-written configs use; the two old
    # helpers disagreed here (one said tpu-v5p-8, the other None).
    ({"acceleratorConfig": {"type": "v5p", "topology": "2x2x1"}}, "v5p-8"),
    ({"acceleratorConfig": {"type": "V9", "topology": "2x2"}}, None),
    ({"acceleratorConfig": {"type": "V4", "topology": "2xfoo"}}, None),
    ({"acceleratorConfig": "V4"}, None),
    ({}, None),
])
def test_node_type(node: dict[str, Any], expected: str | None) -> None:
    assert tpu.node_type(node) == expected


@pytest.mark.parametrize(("name", "chips", "pod"), [
    ("v2-8", 4, False), ("v4-8", 4, False), ("v4-16", 8, True), ("v5p-8", 4, False),
    ("v5litepod-8", 8, False), ("v5litepod-16", 16, True), ("v6e-8", 8, False),
    ("v6e-256", 256, True),
])
def test_chips_and_hosts(name: str, chips: int, pod: bool) -> None:
    assert tpu.tpu_chips(name) == chips
    assert tpu.is_pod(name) is pod
    assert tpu.is_pod(tpu.catalog_name(name)) is pod


def test_catalog_name_is_idempotent() -> None:
    assert tpu.catalog_name("v5litepod-8") == "tpu-v5litepod-8"
    assert tpu.catalog_name("tpu-v5litepod-8") == "tpu-v5litepod-8"
    assert not tpu.is_pod("p5.48xlarge")


def test_every_generation_round_trips_through_its_api_enum() -> None:
    for name, gen in tpu.TPU_GENERATIONS.items():
        size = gen.cores_per_chip * 4
        topo = tpu.default_topology(f"{name}-{size}")
        assert tpu.type_from_config(gen.api_type, topo) == f"{name}-{size}"
