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


@dataclass(frozen=True)
class CostDiff:
    """Two priced stacks side by side."""

    before: StackCost
    after: StackCost
    lines: list[LineDelta]

    @property
    def total_delta_usd(self) -> float:
        return self.after.total_monthly_usd - self.before.total_monthly_usd

    def changed(self) -> list[LineDelta]:
        return [d for d in self.lines if d.change != "same"]

    def to_json(self) -> dict[str, Any]:
        return {"before": {"stack": self.before.stack,
                           "total_monthly_usd": round(self.before.total_monthly_usd, 4)},
                "after": {"stack": self.after.stack,
                          "total_monthly_usd": round(self.after.total_monthly_usd, 4)},
                "total_delta_monthly_usd": round(self.total_delta_usd, 4),
                "total_delta_hourly_usd": round(self.total_delta_usd / 730.0, 6),
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
