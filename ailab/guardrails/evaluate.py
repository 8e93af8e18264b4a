"""Run the rules over a stack's resources: offline on a preview inventory, or on
the resources CrossGuard hands a stack policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ailab.core import tokens
from ailab.guardrails.model import Res, Rule, Stack, Violation, load_rules

ACCOUNT_ID = "123456789012"


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

def _mock_ids(res: Any, region: str) -> set[str]:
    """Values the recording mock gives a resource's outputs: id '<name>-id' (S3
    buckets: their bucket name), 'name' and ARNs."""
    ids = {f"{res.name}-id", res.name}
    if isinstance(res.inputs.get("name"), str):
        ids.add(res.inputs["name"])
    if res.type.startswith("aws:"):
        service = res.type.split(":")[1].split("/")[0]
        ids.add(f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{res.name}")
    if res.type == tokens.AWS_S3_BUCKET:
        bucket = res.inputs.get("bucket") or f"{res.inputs.get('bucketPrefix', res.name)}mock"
        ids |= {bucket, f"arn:aws:s3:::{bucket}"}
    return ids


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _infer_deps(resources: list[Any], region: str) -> dict[str, dict[str, frozenset[str]]]:
    """Property dependencies of each resource, from the values the mock resolved."""
    owner: dict[str, str] = {}
    for res in resources:
        for ident in _mock_ids(res, region):
            owner.setdefault(ident, res.name)
    deps: dict[str, dict[str, frozenset[str]]] = {}
    for res in resources:
        per_prop: dict[str, frozenset[str]] = {}
        for prop, value in res.inputs.items():
            names = {owner[s] for s in _strings(value) if s in owner and owner[s] != res.name}
            names |= {owner[s.split("/", 1)[0]] for s in _strings(value)
                      if s.startswith("arn:") and s.split("/", 1)[0] in owner}
            names |= {owner[s[5:]] for s in _strings(value) if s.startswith("s3://")
                      and s[5:] in owner}
            per_prop[prop] = frozenset(names)
        deps[res.name] = per_prop
    return deps


def from_inventory(inventory: Any) -> list[Res]:
    """Rule-ready resources from an ``infra.preview.Inventory`` (custom resources only).

    Property dependencies come from the inventory when it records them, else
    they are inferred from the mock's resolved values.
    """
    custom = [r for r in inventory.resources if r.custom]
    inferred = _infer_deps(custom, inventory.region)
    out = []
    for r in custom:
        deps = getattr(r, "deps", None) or inferred[r.name]
        out.append(Res(type=r.type, name=r.name, props=r.inputs, protect=r.protect,
                       retain_on_delete=r.retain_on_delete, parent=r.parent,
                       deps={k: frozenset(v) for k, v in deps.items()}))
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
