"""Run the rules over a stack: offline on a preview inventory, or on the inventory
the CrossGuard adapter builds from the resources a stack policy receives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ailab.core.inventory import Inventory, Resource
from ailab.guardrails.rule import Rule, Violation, load_rules


def rule_config(rule: Rule, overrides: Mapping[str, Mapping[str, Any]] | None = None
                ) -> dict[str, Any]:
    """The rule's defaults with any per-rule overrides laid over them."""
    return {**rule.config, **((overrides or {}).get(rule.id) or {})}


def check_resource(rule: Rule, res: Resource, cfg: Mapping[str, Any]) -> list[str]:
    """Messages of one resource rule on one resource (empty when it does not apply)."""
    if rule.resource_check is None or not rule.applies_to(res.type):
        return []
    return list(rule.resource_check(res, cfg))


def as_inventory(stack: Inventory | Iterable[Resource]) -> Inventory:
    """An inventory as is; a list of resources wrapped in one (cloud and region unknown)."""
    if isinstance(stack, Inventory):
        return stack
    return Inventory(stack="", cloud="", region="", resources=list(stack))


def evaluate(stack: Inventory | Iterable[Resource],
             config: Mapping[str, Mapping[str, Any]] | None = None,
             only: Iterable[str] | None = None) -> list[Violation]:
    """Every violation of every (or only the named) rule over one stack.

    Resource rules visit each custom resource once, grouped by type so a rule
    is only asked about the kinds it names; stack rules get the inventory."""
    inventory = as_inventory(stack)
    rules = load_rules()
    selected = [rules[r] for r in only] if only is not None else list(rules.values())
    by_type: dict[str, list[Resource]] = {}
    for res in inventory.resources:
        if res.custom:
            by_type.setdefault(res.type, []).append(res)
    found: list[Violation] = []
    for rule in selected:
        cfg = rule_config(rule, config)
        if rule.resource_check is not None:
            for type_, group in by_type.items():
                if rule.applies_to(type_):
                    found += [_violation(rule, res, msg) for res in group
                              for msg in rule.resource_check(res, cfg)]
        elif rule.stack_check is not None:
            found += [_violation(rule, res, msg) for res, msg in rule.stack_check(inventory, cfg)]
    return found


def _violation(rule: Rule, res: Resource | None, message: str) -> Violation:
    return Violation(rule=rule.id, severity=rule.severity.value,
                     enforcement=rule.enforcement.value,
                     resource_type=res.type if res else None,
                     resource_name=res.name if res else None,
                     message=message, remediation=rule.remediation)


def evaluate_inventory(inventory: Inventory,
                       config: Mapping[str, Mapping[str, Any]] | None = None
                       ) -> list[Violation]:
    """Violations of a stack's preview inventory."""
    return evaluate(inventory, config)


def summary(violations: list[Violation]) -> dict[str, Any]:
    """Counts for reports: total, mandatory, advisory and whether the stack passes."""
    mandatory = sum(1 for v in violations if v.mandatory)
    return {"violations": len(violations), "mandatory": mandatory,
            "advisory": len(violations) - mandatory, "passed": mandatory == 0}
