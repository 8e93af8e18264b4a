"""The rules read whatever props a preview or CrossGuard hands them without failing.

CrossGuard passes a resource's props as the program (or a hand-written stack)
set them, and ``pulumi preview`` marks unknown values; a rule that assumes a
shape would abort the whole policy pack. Every shipped stack's inventory is
mutated (values replaced by hostile ones, unknowns, deletions) and every rule
must still return well-formed findings.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ailab.core.inventory import Inventory
from ailab.guardrails.evaluate import evaluate
from ailab.guardrails.rule import UNKNOWN, load_rules
from ailab.infra.stacks import list_stacks
from tests.hostile import HOSTILE, hostile_values, mutated

STACKS = list_stacks()
_INVENTORIES: dict[str, Inventory] = {}


def _inventory(stack: str) -> Inventory:
    if stack not in _INVENTORIES:
        from ailab.infra.preview import preview_stack

        _INVENTORIES[stack] = preview_stack(stack)
    return _INVENTORIES[stack]


@st.composite
def hostile_inventories(draw: st.DrawFn) -> Inventory:
    doc = copy.deepcopy(_inventory(draw(st.sampled_from(STACKS))).to_json())
    resources = doc["resources"]
    for _ in range(draw(st.integers(1, 4))):
        res = draw(st.sampled_from(resources))
        if res["inputs"] and draw(st.booleans()):
            res["inputs"] = draw(mutated(res["inputs"]))
        else:
            key = draw(st.sampled_from(sorted(res["inputs"]) or ["x"]))
            res["inputs"][key] = draw(st.one_of(st.just(UNKNOWN), hostile_values()))
    return Inventory.from_json(doc)


@HOSTILE
@given(inventory=hostile_inventories())
def test_rules_never_fail_on_hostile_props(inventory: Inventory) -> None:
    rules = load_rules()
    for violation in evaluate(inventory):
        assert violation.rule in rules
        assert isinstance(violation.message, str) and violation.message


def test_inventories_are_previews(preview: Callable[..., Any]) -> None:
    assert all(_inventory(s).resources for s in STACKS)
