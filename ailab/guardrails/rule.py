"""The guardrail data model: resources as plain data, rules, findings, the registry.

Rules never see Pulumi objects. A ``Res`` is what both the CrossGuard analyzer
(``pulumi preview --policy-pack policies/``) and the offline preview inventory
can provide: a type token, a name, camelCase properties and the options that
matter for data safety. The same rule functions therefore run in both places.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ailab.core.registry import Registry


class Severity(StrEnum):
    """How bad a violation is (same values as pulumi_policy.Severity)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Enforcement(StrEnum):
    """Mandatory violations fail a preview; advisory ones are reported only."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"


@dataclass(frozen=True)
class Res:
    """One resource as a rule sees it."""

    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False
    retain_on_delete: bool | None = None
    """None where the engine does not say (CrossGuard's analyzer protocol omits it)."""
    parent: str | None = None
    deps: Mapping[str, frozenset[str]] | None = None
    """Top-level property -> names of the resources its value came from; None if unknown."""
    urn: str | None = None

    def get(self, path: str, default: Any = None) -> Any:
        """A nested property by dotted path (``metadataOptions.httpTokens``)."""
        value: Any = self.props
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return default
            value = value[part]
        return value

    def tags(self) -> dict[str, str]:
        """AWS tags (map form, or the Auto Scaling list of {key, value})."""
        raw = self.props.get("tags")
        if isinstance(raw, Mapping):
            return {str(k): str(v) for k, v in raw.items()}
        if isinstance(raw, list):
            return {str(t.get("key")): str(t.get("value")) for t in raw
                    if isinstance(t, Mapping) and "key" in t}
        return {}

    def labels(self) -> dict[str, str]:
        """GCP labels."""
        raw = self.props.get("labels")
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}

    def refers_to(self, prop: str, target: Res) -> bool:
        """Whether property ``prop`` was built from ``target``'s outputs."""
        if self.deps is not None and prop in self.deps:
            return target.name in self.deps[prop]
        return False


class Stack:
    """Every resource of one stack, with type and reference look-ups."""

    def __init__(self, resources: Iterable[Res]) -> None:
        self.resources = list(resources)

    def of_type(self, *types: str) -> list[Res]:
        return [r for r in self.resources if r.type in types]

    def referencing(self, target: Res, prop: str, *types: str) -> list[Res]:
        """Resources of ``types`` whose ``prop`` refers to ``target``."""
        return [r for r in self.of_type(*types) if r.refers_to(prop, target)]


Finding = tuple[Res | None, str]
ResourceCheck = Callable[[Res, Mapping[str, Any]], Iterable[str]]
StackCheck = Callable[[Stack, Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One guardrail: identity, severity, enforcement, remediation and its check."""

    id: str
    title: str
    category: str
    severity: Severity
    enforcement: Enforcement
    remediation: str
    types: tuple[str, ...]
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    """Default config values (the CrossGuard config schema is built from these)."""

    @property
    def scope(self) -> str:
        return "resource" if self.resource_check else "stack"

    def applies_to(self, type_: str) -> bool:
        return any(fnmatch.fnmatchcase(type_, t) for t in self.types)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "category": self.category,
                "severity": self.severity.value, "enforcement": self.enforcement.value,
                "scope": self.scope, "remediation": self.remediation,
                "resource_types": list(self.types), "config": dict(self.config)}


@dataclass(frozen=True)
class Violation:
    """A rule that fired on a resource (or on the stack as a whole)."""

    rule: str
    severity: str
    enforcement: str
    resource_type: str | None
    resource_name: str | None
    message: str
    remediation: str

    @property
    def mandatory(self) -> bool:
        return self.enforcement == Enforcement.MANDATORY.value

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "enforcement": self.enforcement,
                "resource_type": self.resource_type, "resource_name": self.resource_name,
                "message": self.message, "remediation": self.remediation}


RULES: Registry[str, Rule] = Registry("guardrail")
"""Every rule by id. The rule modules register themselves; ``ailab.guardrails``
imports them (this module never does, so there is no import cycle)."""


def resource_rule(id: str, title: str, category: str, severity: Severity,  # noqa: A002
                  remediation: str, types: tuple[str, ...],
                  enforcement: Enforcement = Enforcement.MANDATORY,
                  config: Mapping[str, Any] | None = None
                  ) -> Callable[[ResourceCheck], ResourceCheck]:
    """Register a check that needs only the resource itself."""
    def wrap(fn: ResourceCheck) -> ResourceCheck:
        RULES.add(id, Rule(id, title, category, severity, enforcement, remediation, types,
                           resource_check=fn, config=dict(config or {})))
        return fn
    return wrap


def stack_rule(id: str, title: str, category: str, severity: Severity,  # noqa: A002
               remediation: str, types: tuple[str, ...],
               enforcement: Enforcement = Enforcement.MANDATORY,
               config: Mapping[str, Any] | None = None) -> Callable[[StackCheck], StackCheck]:
    """Register a check that looks across resources (links, presence)."""
    def wrap(fn: StackCheck) -> StackCheck:
        RULES.add(id, Rule(id, title, category, severity, enforcement, remediation, types,
                           stack_check=fn, config=dict(config or {})))
        return fn
    return wrap


def load_rules() -> dict[str, Rule]:
    """Every registered rule by id (the package import has registered them all)."""
    return dict(RULES.items())


def iter_values(value: Any) -> Iterator[Any]:
    """Every scalar inside a nested props value."""
    if isinstance(value, Mapping):
        for v in value.values():
            yield from iter_values(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from iter_values(v)
    else:
        yield value


def truthy(value: Any) -> bool:
    """Booleans as providers accept them (launch templates take "true" strings)."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True
