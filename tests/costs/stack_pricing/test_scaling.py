"""Pricing work per resource must not grow with the stack (no timing: operations counted).

Two counts, on both clouds: the inventory's index look-ups (``Inventory.lookups``)
and every Python call made while pricing (a profiler hook). A cluster node adds
a fixed set of resources (instance, alarm, ...), so the work a node adds must be
the same whether the stack already has 4 or 8 nodes: from 4 to 8 nodes and from
8 to 16 the work per added node is compared. (Work per resource averaged over
the whole stack changes with the mix of node and fixed resources, so it is not
the measure.) A rule that rescans the stack for each resource (the old auto-stop
alarm search, the old per-VM ``of_type``) doubles the second figure."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from ailab.core.inventory import Inventory
from ailab.costs.stack_pricing import price_inventory


def _work(inventory: Inventory) -> tuple[int, int]:
    """(look-ups, calls) while pricing ``inventory`` (fresh indexes)."""
    fresh = Inventory.from_json(inventory.to_json())
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        cost = price_inventory(fresh)
    finally:
        sys.setprofile(None)
    assert cost.count("unpriced") == 0
    return fresh.lookups, calls


@pytest.mark.parametrize("stack", ["aws-h100-cluster", "gcp-a3-cluster"])
def test_pricing_work_per_resource_does_not_grow(stack: str, preview: Any) -> None:
    price_inventory(preview(stack))  # price tables loaded and cached before counting
    work = {n: _work(preview(stack, {"ailab:clusterNodes": n})) for n in (4, 8, 16)}
    for i, what in enumerate(("look-ups", "calls")):
        first = (work[8][i] - work[4][i]) / 4     # per node added to a 4-node stack
        second = (work[16][i] - work[8][i]) / 8   # per node added to an 8-node stack
        assert first > 0
        assert second <= first * 1.05, f"{what} per added node: {first} then {second}"
