"""CrossGuard adapter: the registered rules as pulumi_policy policies.

``policies/__main__.py`` builds the pack from ``build_policies()``, so
``pulumi preview --policy-pack policies/`` runs exactly the rule functions that
``ailab preview --policy`` runs offline. Resource rules become
ResourceValidationPolicy; rules that link resources (a bucket and its public
access block, an instance and its idle alarm) become StackValidationPolicy and
use the engine's property dependencies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ailab.core.inventory import Inventory, Resource
from ailab.guardrails.evaluate import check_resource
from ailab.guardrails.rule import UNKNOWN, Rule, load_rules

_UNKNOWN_SENTINELS = {
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58", "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
}
PROVIDER_PREFIX = "pulumi:providers:"

Report = Callable[..., None]
__all__ = ["UNKNOWN", "build_policies", "inventory_from_stack", "plain", "resource_from_args"]


def plain(value: Any) -> Any:
    """A plain copy of CrossGuard props: proxies unwrapped, unknowns marked, so a
    value unknown during preview does not abort the whole policy."""
    target = value["__target"] if _is_proxy(value) else value
    if isinstance(target, Mapping):
        return {str(k): plain(target[k]) for k in target}
    if isinstance(target, (list, tuple)):
        return [plain(v) for v in target]
    if isinstance(value, str) and value in _UNKNOWN_SENTINELS:
        return UNKNOWN
    if hasattr(value, "value") and type(value).__name__ == "Secret":
        return plain(value.value)
    return value


def _is_proxy(value: Any) -> bool:
    return type(value).__name__ in ("_DictProxy", "_ListProxy")


def is_custom(type_: str) -> bool:
    """Cloud resources (``aws:ec2/instance:Instance``, dynamic ones), not components."""
    module = type_.split(":")[1] if type_.count(":") >= 2 else ""
    return "/" in module or type_.startswith("pulumi-python:dynamic")


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    """One core resource from a resource policy's arguments (the analyzer protocol
    does not carry retainOnDelete: None, never a guess)."""
    return Resource(type=args.resource_type, name=args.name, inputs=plain(args.props),
                    protect=bool(args.opts.protect), retain_on_delete=None,
                    parent=args.opts.parent, urn=args.urn)


def _resource(res: PolicyResource) -> Resource:
    deps = {prop: [d.name for d in items]
            for prop, items in (res.property_dependencies or {}).items()}
    return Resource(type=res.resource_type, name=res.name, inputs=plain(res.props),
                    custom=is_custom(res.resource_type), protect=bool(res.opts.protect),
                    retain_on_delete=None, parent=res.parent.name if res.parent else None,
                    deps=deps, urn=res.urn)


def inventory_from_stack(resources: list[PolicyResource]) -> Inventory:
    """A core inventory from a stack policy's resources, with their property
    dependencies; cloud and region come from the providers the resources use."""
    providers = [r.provider for r in resources if r.provider is not None]
    clouds = [p.resource_type.removeprefix(PROVIDER_PREFIX) for p in providers]
    regions = [str(plain(p.props).get("region") or "") for p in providers]
    return Inventory(stack="", cloud=next((c for c in clouds if c in ("aws", "gcp")), ""),
                     region=next((r for r in regions if r and r != UNKNOWN), ""),
                     resources=[_resource(r) for r in resources
                                if not r.resource_type.startswith(PROVIDER_PREFIX)])


def _config(rule: Rule, given: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**rule.config, **dict(given or {})}


def _schema(rule: Rule) -> PolicyConfigSchema | None:
    if not rule.config:
        return None
    props = {key: {"type": "array", "items": {"type": "string"}, "default": list(default)}
             if isinstance(default, list) else {"default": default}
             for key, default in rule.config.items()}
    return PolicyConfigSchema(properties=props)


def _resource_validator(rule: Rule) -> Callable[[ResourceValidationArgs, Report], None]:
    def validate(args: ResourceValidationArgs, report: Report) -> None:
        if not rule.applies_to(args.resource_type):
            return
        cfg = _config(rule, args.get_config())
        for message in check_resource(rule, resource_from_args(args), cfg):
            report(message)
    return validate


def _stack_validator(rule: Rule) -> Callable[[StackValidationArgs, Report], None]:
    def validate(args: StackValidationArgs, report: Report) -> None:
        assert rule.stack_check is not None
        inventory = inventory_from_stack(list(args.resources))
        cfg = _config(rule, args.get_config())
        for res, message in rule.stack_check(inventory, cfg):
            report(message, res.urn if res else None)
    return validate


def build_policies() -> list[Policy]:
    """One CrossGuard policy per registered rule, named by the rule id."""
    policies: list[Policy] = []
    for rule in load_rules().values():
        common: dict[str, Any] = dict(
            name=rule.id, description=rule.title,
            enforcement_level=EnforcementLevel(rule.enforcement.value),
            severity=Severity(rule.severity.value), config_schema=_schema(rule),
            remediation_steps=rule.remediation, tags=[rule.category])
        if rule.resource_check is not None:
            policies.append(ResourceValidationPolicy(validate=_resource_validator(rule),
                                                     **common))
        else:
            policies.append(StackValidationPolicy(validate=_stack_validator(rule), **common))
    return policies
