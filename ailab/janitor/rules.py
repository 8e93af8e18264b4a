"""The rule registry: what counts as waste, as registered classes.

A rule names the resource kinds it looks at, its thresholds (a pydantic model,
so a policy can set them and unknown keys fail), the metric queries it needs
(the scanners batch these across all resources), the check that returns the
evidence when the resource is waste, and the price of that waste.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from ailab.core import tags
from ailab.core.registry import Registry
from ailab.janitor.records import Action, Resource

_REGISTRY: Registry[str, type[Rule[Any]]] = Registry("janitor rule")
"""Every rule class by name. The cloud modules register themselves; ``ailab.janitor``
imports them (this module never does, so there is no import cycle)."""


class RuleParams(BaseModel):
    """Thresholds of a rule; subclasses add fields. Unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")


P = TypeVar("P", bound=RuleParams)

SeriesSet = dict[str, list[float]]
"""The series one query found for one resource, by label ('' for a single series;
``index=0,name=NVIDIA H100`` style labels for one series per GPU)."""
Metrics = dict[tuple[str, str], SeriesSet]
"""Every series fetched in a region, by (resource id, query key)."""


@dataclass(frozen=True)
class MetricQuery:
    """One metric a rule needs for one resource, over the rule's window.

    With ``per_series`` the driver finds every series whose dimensions (labels)
    include ``dimensions`` (the agents add ``index``/``name``/``gpu_number`` per
    GPU) and returns each separately; otherwise exactly that one series.
    """

    key: str
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period_s: int
    window_h: float
    per_series: bool = False


@dataclass(frozen=True)
class Unknown:
    """A check that cannot decide: the evidence is missing. Reported, never acted on."""

    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


Verdict = dict[str, Any] | Unknown | None
"""What a check returns: evidence of waste, Unknown, or None (not waste)."""


@dataclass
class Context:
    """What a check may look at besides the resource itself."""

    now: datetime
    metrics: Metrics = field(default_factory=dict)
    ami_snapshots: set[str] = field(default_factory=set)

    def series(self, res: Resource, key: str) -> list[float]:
        """All values of the query's series, merged (for single-series metrics)."""
        return [v for values in self.series_set(res, key).values() for v in values]

    def series_set(self, res: Resource, key: str) -> SeriesSet:
        return self.metrics.get((res.id, key), {})


class Rule(Generic[P]):
    """Base class: subclasses set the class attributes and implement check/price.

    Generic in its parameters: ``class IdleGpuInstance(Rule[IdleGpuParams])``
    makes ``self.params`` an ``IdleGpuParams`` for the type checker.
    """

    name: ClassVar[str]
    clouds: ClassVar[tuple[str, ...]]
    kinds: ClassVar[tuple[str, ...]]
    action: ClassVar[Action]
    Params: ClassVar[type[RuleParams]] = RuleParams
    priority: ClassVar[int] = 100

    def __init__(self, params: P | None = None) -> None:
        self.params: P = params if params is not None else cast(P, self.Params())

    def applies(self, res: Resource) -> bool:
        return res.cloud in self.clouds and res.kind in self.kinds

    def action_for(self, res: Resource) -> Action:
        return self.action

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        """Metric series this rule needs for the resource (none by default)."""
        return []

    def check(self, res: Resource, ctx: Context) -> Verdict:
        raise NotImplementedError

    def price(self, res: Resource) -> tuple[float, str]:
        raise NotImplementedError


R = TypeVar("R", bound=type[Rule[Any]])


def register(cls: R) -> R:
    """Class decorator: add a rule to the registry under its name."""
    _REGISTRY.add(cls.name, cls)
    return cls


def registry() -> dict[str, type[Rule[Any]]]:
    """All rules by name, in evaluation order: priority, then name (the first match wins)."""
    ordered = sorted(_REGISTRY.values(), key=lambda cls: (cls.priority, cls.name))
    return {cls.name: cls for cls in ordered}


def age_days(when: datetime | None, now: datetime) -> float | None:
    return None if when is None else (now - when).total_seconds() / 86400.0


def older_than(when: datetime | None, now: datetime, days: float) -> float | None:
    """The age in days when it has reached ``days``; None otherwise (an unknown age never does)."""
    age = age_days(when, now)
    return None if age is None or age < days else age


def spans_window(res: Resource, now: datetime, hours: float) -> bool:
    """Whether the resource existed for the whole metric window (younger ones are not judged)."""
    age = age_days(res.created, now)
    return age is not None and age * 24 >= hours


def expiry(res: Resource) -> date | None:
    """The resource's expiry date tag/label, or None when absent or unreadable."""
    raw = res.tags.get(tags.keys(res.cloud).expires, "")
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def iter_rules(enabled: dict[str, RuleParams]) -> Iterator[Rule[Any]]:
    """Instantiate the enabled rules in registry order."""
    for name, cls in registry().items():
        if name in enabled:
            yield cls(enabled[name])
