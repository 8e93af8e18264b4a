"""Run the rules over a stack's resources: offline on a preview inventory, or on
the resources CrossGuard hands a stack policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ailab.guardrails.rule import Res, Rule, Stack, Violation, load_rules


def rule_config(rule: Rule, overrides: Mapping[str, Mapping[str, Any]] | None = None
                ) -> dict[str, Any]:
    """The rule's defaults with any per-rule overrides laid over them."""
    return {**rule.config, **((overrides or {}).get(rule.id) or {})}


def check_resource(rule: Rule, res: Res, cfg: Mapping[str, Any]) -> list[str]:
    """Messages of one resource rule on one resource (empty when it does not apply)."""
    if rule.resource_check is None or not rule.applies_to(res.type):
        return []
    return list(rule.resource_check(res, cfg))


def evaluate(resources: Iterable[Res],
             config: Mapping[str, Mapping[str, Any]] | None = None,
             only: Iterable[str] | None = None) -> list[Violation]:
    """Every violation of every (or only the named) rule over one stack."""
    rules = load_rules()
    selected = [rules[r] for r in only] if only is not None else list(rules.values())
    stack = Stack(resources)
    found: list[Violation] = []
    for rule in selected:
        cfg = rule_config(rule, config)
        if rule.resource_check is not None:
            for res in stack.resources:
                found += [_violation(rule, res, msg) for msg in check_resource(rule, res, cfg)]
        elif rule.stack_check is not None:
            found += [_violation(rule, res, msg) for res, msg in rule.stack_check(stack, cfg)]
    return found


def _violation(rule: Rule, res: Res | None, message: str) -> Violation:
    return Violation(rule=rule.id, severity=rule.severity.value,
                     enforcement=rule.enforcement.value,
                     resource_type=res.type if res else None,
                     resource_name=res.name if res else None,
                     message=message, remediation=rule.remediation)


# Offline inventories ---------------------------------------------------------

def from_inventory(inventory: Any) -> list[Res]:
    """Rule-ready resources from an ``ailab.core.inventory.Inventory`` (custom resources only).

    A property's dependencies are what the inventory's resolver says it points
    at: the engine's recorded dependencies, else identities quoted in the value.
    """
    out = []
    for r in inventory.custom():
        deps = {prop: frozenset(x.name for x in inventory.refs(r, prop) if x.custom)
                for prop in dict.fromkeys([*r.deps, *r.inputs])}
        out.append(Res(type=r.type, name=r.name, props=r.inputs, protect=r.protect,
                       retain_on_delete=r.retain_on_delete, parent=r.parent,
                       deps={k: v for k, v in deps.items() if v}))
    return out


def evaluate_inventory(inventory: Any,
                       config: Mapping[str, Mapping[str, Any]] | None = None
                       ) -> list[Violation]:
    """Violations of a stack's preview inventory."""
    return evaluate(from_inventory(inventory), config)


def summary(violations: list[Violation]) -> dict[str, Any]:
    """Counts for reports: total, mandatory, advisory and whether the stack passes."""
    mandatory = sum(1 for v in violations if v.mandatory)
    return {"violations": len(violations), "mandatory": mandatory,
            "advisory": len(violations) - mandatory, "passed": mandatory == 0}
