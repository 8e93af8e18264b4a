"""The mutation suite: every way a shipped stack can be walked around is caught.

``mutations.yaml`` and ``mutations_observability.yaml`` are tables: each row
takes a shipped stack, changes it (its config, previewed again, or its preview
inventory, edited), and names the rule
that must catch it (``config:<key>`` when the stack config check must refuse
it first). The test asserts every row is caught by its rule, every rule has
rows, and every shipped stack still passes untouched.

Inventory edits (``inventory``: a list of operations):

- ``set``/``del``/``append`` an input by dotted path (list items by index) on
  every resource of ``type`` whose name ends with ``name`` (``json: true``
  stores the value as JSON text, as IAM policy inputs are);
- ``drop`` such resources; ``add`` a resource (``Resource.to_json`` shape);
- ``option``: set ``retain_on_delete``/``protect``.

``{stack}`` in names and values is the stack's name.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ailab.core.errors import ConfigError
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails.evaluate import evaluate
from ailab.guardrails.rule import load_rules
from ailab.infra.stacks import list_stacks

TABLES = ("mutations.yaml", "mutations_observability.yaml")
"""The general table, and the dashboards/tracking one (issue of its own, same format)."""
ROWS: list[dict[str, Any]] = [row for name in TABLES
                              for row in yaml.safe_load(Path(__file__).with_name(name)
                                                        .read_text())]


def _fill(value: Any, stack: str) -> Any:
    if isinstance(value, str):
        return value.replace("{stack}", stack)
    if isinstance(value, dict):
        return {k: _fill(v, stack) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, stack) for v in value]
    return value


def _targets(inv: Inventory, op: dict[str, Any]) -> list[Resource]:
    found = [r for r in inv.resources
             if r.type == op["type"] and r.name.endswith(op.get("name", ""))]
    assert found, f"no {op['type']} named *{op.get('name', '')}"
    return found


def _walk(inputs: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container holding the last part of ``path``, creating mappings on the way."""
    parts = path.split(".")
    node: Any = inputs
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    return node, int(last) if isinstance(node, list) else last


def _apply(inv: Inventory, op: dict[str, Any]) -> None:
    kind = op["op"]
    if kind == "add":
        inv.resources.append(Resource.from_json(op["resource"]))
        return
    targets = _targets(inv, op)
    if kind == "drop":
        inv.resources[:] = [r for r in inv.resources if all(r is not t for t in targets)]
        return
    for res in targets:
        if kind == "option":
            setattr(res, op["option"], op["value"])
            continue
        node, key = _walk(res.inputs, op["path"])
        value = json.dumps(op["value"]) if op.get("json") else op.get("value")
        if kind == "set":
            node[key] = value
        elif kind == "append":
            items = node.setdefault(key, []) if isinstance(node, dict) else node[key]
            items.append(value)
        elif kind == "del":
            del node[key]
        else:
            raise AssertionError(f"unknown operation {kind}")


def mutate(row: dict[str, Any], preview: Callable[..., Any]) -> Inventory | ConfigError:
    """The mutated stack's inventory, or the config error that refused the mutation."""
    stack = row["stack"]
    if "config" in row:
        try:
            base = preview(stack, {k: v for k, v in _fill(row["config"], stack).items()})
        except ConfigError as exc:
            return exc
    else:
        base = preview(stack)
    inv = Inventory.from_json(copy.deepcopy(base.to_json()))
    for op in _fill(row.get("inventory") or [], stack):
        _apply(inv, op)
    return inv


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_mutation_is_caught_by_its_rule(row: dict[str, Any],
                                        preview: Callable[..., Any]) -> None:
    outcome = mutate(row, preview)
    expected = row["rule"]
    if expected.startswith("config:"):
        assert isinstance(outcome, ConfigError), f"config accepted {row['config']}"
        assert outcome.key == expected.removeprefix("config:")
        return
    assert not isinstance(outcome, ConfigError), f"config refused it: {outcome}"
    fired = {v.rule for v in evaluate(outcome)}
    assert expected in fired, f"{row['id']}: {expected} missed; fired {sorted(fired)}"


def test_table_is_large_and_covers_every_rule() -> None:
    assert len(ROWS) >= 100
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    covered = {r["rule"] for r in ROWS}
    assert set(load_rules()) <= covered, sorted(set(load_rules()) - covered)
    assert {r["stack"] for r in ROWS} == set(list_stacks())


@pytest.mark.parametrize("stack", list_stacks())
def test_unmutated_stack_passes(stack: str, preview: Callable[..., Any]) -> None:
    assert [v.rule for v in evaluate(preview(stack))] == []
