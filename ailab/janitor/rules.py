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
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ailab.core.registry import Registry
from ailab.janitor.records import Action, Resource

_REGISTRY: Registry[str, type[Rule]] = Registry("janitor rule")
"""Every rule class by name. The cloud modules register themselves; ``ailab.janitor``
imports them (this module never does, so there is no import cycle)."""

TAG_KEYS: dict[str, dict[str, str]] = {
    "aws": {"protect": "ailab:protect", "expires": "ailab:expires",
            "mark": "ailab:janitor-marked", "final": "ailab:janitor-final-snapshot-of",
            "stack": "ailab:stack", "owner": "ailab:owner"},
    "gcp": {"protect": "ailab-protect", "expires": "ailab-expires",
            "mark": "ailab-janitor-marked", "stack": "ailab-stack", "owner": "ailab-owner"},
}


class RuleParams(BaseModel):
    """Thresholds of a rule; subclasses add fields. Unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


@dataclass(frozen=True)
class MetricQuery:
    """One metric series a rule needs for one resource, over the rule's window."""

    key: str
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period_s: int
    window_h: float


@dataclass
class Context:
    """What a check may look at besides the resource itself."""

    now: datetime
    metrics: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    ami_snapshots: set[str] = field(default_factory=set)

    def series(self, res: Resource, key: str) -> list[float]:
        return self.metrics.get((res.id, key), [])


class Rule:
    """Base class: subclasses set the class attributes and implement check/price."""

    name: ClassVar[str]
    clouds: ClassVar[tuple[str, ...]]
    kinds: ClassVar[tuple[str, ...]]
    action: ClassVar[Action]
    Params: ClassVar[type[RuleParams]] = RuleParams
    priority: ClassVar[int] = 100

    def __init__(self, params: RuleParams | None = None) -> None:
        self.params = params if params is not None else self.Params()

    def applies(self, res: Resource) -> bool:
        return res.cloud in self.clouds and res.kind in self.kinds

    def action_for(self, res: Resource) -> Action:
        return self.action

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        """Metric series this rule needs for the resource (none by default)."""
        return []

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        raise NotImplementedError

    def price(self, res: Resource) -> tuple[float, str]:
        raise NotImplementedError


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule to the registry under its name."""
    return _REGISTRY.add(cls.name, cls)


def registry() -> dict[str, type[Rule]]:
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


def well_covered(values: list[float], window_hours: float, period_minutes: int,
                 min_coverage: float) -> bool:
    """Enough datapoints in the window to call a resource idle: a gap is not idleness."""
    expected = window_hours * 60 / period_minutes
    return bool(values) and expected > 0 and len(values) / expected >= min_coverage


def expiry(res: Resource) -> date | None:
    """The resource's expiry date tag/label, or None when absent or unreadable."""
    raw = res.tags.get(TAG_KEYS[res.cloud]["expires"], "")
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def window_series(values: list[float]) -> dict[str, Any]:
    """Evidence summary of a metric series."""
    if not values:
        return {"datapoints": 0}
    return {"max": round(max(values), 3), "mean": round(sum(values) / len(values), 3),
            "datapoints": len(values)}


def iter_rules(enabled: dict[str, RuleParams]) -> Iterator[Rule]:
    """Instantiate the enabled rules in registry order."""
    for name, cls in registry().items():
        if name in enabled:
            yield cls(enabled[name])
