"""The guardrail model: rules, findings, the registry, and reading resource values.

Rules run on ``ailab.core.inventory.Resource`` / ``Inventory``: the one record
type the preview engine, stack pricing and the CrossGuard adapter share. A
resource rule sees one resource; a stack rule sees the whole inventory and asks
it the indexed questions (``by_type``, ``refs``, ``referencing``), so a rule's
work per resource does not grow with the stack.

Values unknown during a real ``pulumi preview`` (computed outputs) reach the
rules as ``UNKNOWN``; a rule never fires on a value it cannot see.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ailab.core.inventory import Inventory, Resource
from ailab.core.registry import Registry

UNKNOWN = "<unknown during preview>"
"""What the CrossGuard adapter puts where the engine sends an unknown value."""


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


Finding = tuple[Resource | None, str]
ResourceCheck = Callable[[Resource, Mapping[str, Any]], Iterable[str]]
StackCheck = Callable[[Inventory, Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One guardrail: identity, severity, enforcement, remediation and its check.

    ``types`` are the exact resource kinds the rule judges (type tokens, or
    ``fnmatch`` patterns for families such as every GCP ``*IAMMember``)."""

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
        return type_ in self.types or any(fnmatch.fnmatchcase(type_, t) for t in self.types
                                          if "*" in t)

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
    """Register a check that looks across resources (links, presence, totals)."""
    def wrap(fn: StackCheck) -> StackCheck:
        RULES.add(id, Rule(id, title, category, severity, enforcement, remediation, types,
                           stack_check=fn, config=dict(config or {})))
        return fn
    return wrap


def load_rules() -> dict[str, Rule]:
    """Every registered rule by id (the package import has registered them all)."""
    return dict(RULES.items())


# Reading values -------------------------------------------------------------------

def is_unknown(value: Any) -> bool:
    """A value the engine could not tell before apply."""
    return isinstance(value, str) and value == UNKNOWN


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one (unknowns and junk read as absent)."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    """``value`` as a list: a list or tuple as is, one mapping as a list of one, else empty."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] if isinstance(value, Mapping) else []


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


def number(value: Any) -> float | None:
    """A finite number from a provider value (numbers or numeric strings), else None."""
    if isinstance(value, bool):
        return None
    try:
        found = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return found if found == found and abs(found) != float("inf") else None
