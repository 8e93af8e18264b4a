"""Policy work per resource does not grow with the stack (counted, not timed).

The guardrails run over the cluster stacks at 2, 8 and 32 nodes (4x and 16x
the work). Two counts: the Python lines executed inside the guardrails and the
core inventory, and the inventory's index look-ups (``Inventory.lookups``).
What each *added* resource costs (work(8) - work(2)) / (resources(8) -
resources(2)), and the same from 8 to 32, must stay flat: a quadratic scan,
such as checking every alarm for every instance, makes the second step cost
about 4x the first. (The plain average per resource would drift anyway, since
the share of node resources grows with N.) Pricing, called by the budget rules,
has its own growth test in stack pricing and is not counted here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from ailab.core.inventory import Inventory
from ailab.guardrails.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[2]
COUNTED = (str(ROOT / "ailab" / "guardrails"), str(ROOT / "ailab" / "core"),
           str(ROOT / "infra" / "cidr.py"))
GROWTH = 1.15
"""Largest allowed ratio of per-resource work at 4x the nodes (constant costs shrink
per resource, so flat work reads below 1)."""


def policy_work(inventory: Inventory) -> tuple[int, int, int]:
    """(resources, lines executed, index look-ups) of one evaluation."""
    lines = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        if not frame.f_code.co_filename.startswith(COUNTED):
            return None
        if event == "line":
            lines += 1
        return tracer

    fresh = Inventory.from_json(inventory.to_json())
    sys.settrace(tracer)
    try:
        evaluate(fresh)
    finally:
        sys.settrace(None)
    return len(fresh.resources), lines, fresh.lookups


def marginal(small: tuple[int, ...], large: tuple[int, ...]) -> tuple[float, float]:
    """(lines, look-ups) per resource added between two evaluations."""
    added = large[0] - small[0]
    return (large[1] - small[1]) / added, (large[2] - small[2]) / added


@pytest.mark.parametrize("stack", ["aws-h100-cluster", "gcp-a3-cluster"])
def test_policy_work_per_added_resource_is_flat(stack: str,
                                                preview: Callable[..., Any]) -> None:
    work = [policy_work(preview(stack, {"ailab:clusterNodes": n})) for n in (2, 8, 32)]
    first, second = marginal(work[0], work[1]), marginal(work[1], work[2])
    assert second[0] <= first[0] * GROWTH, f"lines per added resource {first[0]:.0f} -> " \
                                           f"{second[0]:.0f}"
    assert second[1] <= first[1] * GROWTH, f"look-ups per added resource {first[1]:.1f} -> " \
                                           f"{second[1]:.1f}"


def test_the_count_sees_a_quadratic_rule(preview: Callable[..., Any]) -> None:
    """The measure itself: a rule that scans every alarm for each instance (what
    gpu-auto-stop did before the reverse index) grows per resource at 4x."""
    from ailab.core import tokens
    from ailab.guardrails import rules_autostop

    def scan_all(inv: Inventory) -> int:
        alarms = inv.resources
        return sum(1 for i in inv.by_type(tokens.AWS_EC2_INSTANCE) for a in alarms
                   if a.type == rules_autostop.ALARM and i.name in str(a.deps))

    def lines(n: int) -> tuple[int, int]:
        inv = preview("aws-h100-cluster", {"ailab:clusterNodes": n})
        count = 0

        def tracer(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal count
            if event == "line":
                count += 1
            return tracer if frame.f_code is scan_all.__code__ or \
                frame.f_code.co_name == "<genexpr>" else None

        sys.settrace(tracer)
        try:
            scan_all(inv)
        finally:
            sys.settrace(None)
        return len(inv.resources), count

    small, mid, large = lines(2), lines(8), lines(32)
    first = (mid[1] - small[1]) / (mid[0] - small[0])
    second = (large[1] - mid[1]) / (large[0] - mid[0])
    assert second > first * 1.5 > first * GROWTH
