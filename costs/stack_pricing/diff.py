"""Per-resource cost differences between two priced stacks (or a stack and a
baseline JSON written by ``ailab preview STACK --cost --json``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ailab.core.errors import InputFileError
from ailab.core.inputs import invalid_field
from ailab.costs.stack_pricing.lines import STATUSES, CostLine, StackCost


@dataclass(frozen=True)
class LineDelta:
    """One resource in either stack: its monthly cost before and after."""

    name: str
    type: str
    before: CostLine | None
    after: CostLine | None

    @property
    def change(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        if self.before.status == "unpriced" or self.after.status == "unpriced":
            return "unpriced"
        return "same" if abs(self.delta_usd or 0.0) < 1e-9 else "changed"

    @property
    def delta_usd(self) -> float | None:
        """After minus before; None when either side is unpriced."""
        old = 0.0 if self.before is None else self.before.monthly_usd
        new = 0.0 if self.after is None else self.after.monthly_usd
        return None if old is None or new is None else new - old

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "change": self.change,
                "before_monthly_usd": None if self.before is None else self.before.monthly_usd,
                "after_monthly_usd": None if self.after is None else self.after.monthly_usd,
                "delta_monthly_usd": (None if self.delta_usd is None
                                      else round(self.delta_usd, 4))}


def percent(before: float, after: float) -> float | None:
    """The change in percent of ``before``; None when there was nothing before."""
    if abs(before) < 1e-9:
        return 0.0 if abs(after) < 1e-9 else None
    return (after - before) / before * 100.0


@dataclass(frozen=True)
class ComponentDelta:
    """One component (a ``ComponentResource`` of the program) before and after."""

    component: str
    before_usd: float
    after_usd: float

    @property
    def delta_usd(self) -> float:
        return self.after_usd - self.before_usd

    @property
    def delta_pct(self) -> float | None:
        return percent(self.before_usd, self.after_usd)

    def to_json(self) -> dict[str, Any]:
        pct = self.delta_pct
        return {"component": self.component, "before_monthly_usd": round(self.before_usd, 4),
                "after_monthly_usd": round(self.after_usd, 4),
                "delta_monthly_usd": round(self.delta_usd, 4),
                "delta_pct": None if pct is None else round(pct, 2)}


def _components(cost: StackCost) -> dict[str, float]:
    """Per-component totals keyed without the stack prefix, so two stacks line up."""
    return {name.removeprefix(cost.stack + "-"): value
            for name, value in cost.by_component().items()}


@dataclass(frozen=True)
class CostDiff:
    """Two priced stacks side by side."""

    before: StackCost
    after: StackCost
    lines: list[LineDelta]

    @property
    def total_delta_usd(self) -> float:
        return self.after.total_monthly_usd - self.before.total_monthly_usd

    @property
    def total_delta_pct(self) -> float | None:
        return percent(self.before.total_monthly_usd, self.after.total_monthly_usd)

    def changed(self) -> list[LineDelta]:
        return [d for d in self.lines if d.change != "same"]

    def components(self) -> list[ComponentDelta]:
        """Every component of either stack, largest change first."""
        old, new = _components(self.before), _components(self.after)
        out = [ComponentDelta(name, old.get(name, 0.0), new.get(name, 0.0))
               for name in dict.fromkeys([*new, *old])]
        return sorted(out, key=lambda c: -abs(c.delta_usd))

    def to_json(self) -> dict[str, Any]:
        pct = self.total_delta_pct
        return {"before": {"stack": self.before.stack,
                           "total_monthly_usd": round(self.before.total_monthly_usd, 4)},
                "after": {"stack": self.after.stack,
                          "total_monthly_usd": round(self.after.total_monthly_usd, 4)},
                "total_delta_monthly_usd": round(self.total_delta_usd, 4),
                "total_delta_hourly_usd": round(self.total_delta_usd / 730.0, 6),
                "total_delta_pct": None if pct is None else round(pct, 2),
                "components": [c.to_json() for c in self.components()],
                "resources": [d.to_json() for d in self.changed()]}


def _key(line: CostLine, stack: str) -> str:
    """Match resources across stacks by name with the stack prefix removed, so
    ``lab-a-gpu-0`` and ``lab-b-gpu-0`` are the same resource."""
    return line.name.removeprefix(stack + "-") if stack else line.name


def diff_costs(before: StackCost, after: StackCost) -> CostDiff:
    """Per-resource deltas, in ``after``'s order, then resources only ``before`` had."""
    old = {_key(line, before.stack): line for line in before.lines}
    new = {_key(line, after.stack): line for line in after.lines}
    out = [LineDelta(line.name, line.type, old.get(key), line) for key, line in new.items()]
    out += [LineDelta(line.name, line.type, line, None) for key, line in old.items()
            if key not in new]
    return CostDiff(before, after, out)


class _CostModel(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: str
    monthly_usd: float | None
    component: str | None = None


class _ResourceModel(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    name: str
    cost: _CostModel | None = None


class _BaselineModel(BaseModel):
    model_config = ConfigDict(extra="ignore")
    stack: str
    cloud: str = ""
    region: str = ""
    resources: list[_ResourceModel]
    total_monthly_usd: float


def stack_cost_from_json(doc: Any, path: str) -> StackCost:
    """Read back a ``--cost --json`` document; a problem names the file and the field."""
    try:
        model = _BaselineModel.model_validate(doc)
    except ValidationError as exc:
        raise invalid_field(path, exc, root="<root>",
                            hint="write the baseline with `ailab preview STACK --cost --json`"
                            ) from None
    lines = []
    for res in model.resources:
        if res.cost is None:
            continue
        if res.cost.status not in STATUSES:
            raise InputFileError(path, f"resources.{res.name}.cost.status",
                                 f"{res.cost.status!r} is not one of {', '.join(STATUSES)}")
        lines.append(CostLine(res.name, res.type, res.cost.component, res.cost.status,
                              fixed_monthly_usd=res.cost.monthly_usd))
    if not lines:
        raise InputFileError(path, "resources", "no resource has a cost object",
                             hint="write the baseline with `ailab preview STACK --cost --json`")
    return StackCost(model.stack, model.cloud, model.region, lines)
