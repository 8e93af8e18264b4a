"""Documents about stacks: ``preview``, ``cost breakdown``, ``diff``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ailab.cli.schemas.common import Envelope, Open, Resource


class ComponentChange(Open):
    component: str
    before_monthly_usd: float
    after_monthly_usd: float
    delta_monthly_usd: float
    delta_pct: float | None = Field(description="None when the component is new.")


class ResourceChange(Open):
    name: str
    type: str
    change: Literal["added", "removed", "changed", "unpriced", "same"]
    before_monthly_usd: float | None
    after_monthly_usd: float | None
    delta_monthly_usd: float | None


class StackTotal(Open):
    stack: str
    total_monthly_usd: float


class CostDiffBody(Open):
    before: StackTotal
    after: StackTotal
    total_delta_monthly_usd: float
    total_delta_hourly_usd: float
    total_delta_pct: float | None
    components: list[ComponentChange]
    resources: list[ResourceChange] = Field(description="Resources whose cost changed.")


class Counts(Open):
    priced: int
    usage: int
    free: int
    unpriced: int


class Violation(Open):
    rule: str
    severity: str
    enforcement: Literal["mandatory", "advisory"]
    resource_type: str | None
    resource_name: str | None
    message: str
    remediation: str


class PolicyResult(Open):
    violations: int
    mandatory: int
    advisory: int
    passed: bool
    results: list[Violation]


class Stack(Open):
    """A stack's inventory; priced fields with --cost (or a usage file, or a baseline)."""

    stack: str
    cloud: Literal["aws", "gcp"]
    region: str
    resources: list[Resource]
    total_monthly_usd: float | None = None
    total_hourly_usd: float | None = None
    hours_per_month_default: float | None = None
    by_component_monthly_usd: dict[str, float] | None = None
    counts: Counts | None = None
    complete: bool | None = Field(None, description="No resource unpriced or usage-based.")
    cost_diff: CostDiffBody | None = Field(None, description="With --compare-to.")


class Preview(Envelope, Stack):
    """``ailab preview STACK --json``."""

    policy: PolicyResult | None = Field(None, description="With --policy.")


class CostBreakdown(Envelope):
    """``ailab cost breakdown STACK... --json``: every stack and the grand total."""

    stacks: list[Stack]
    total_monthly_usd: float
    total_hourly_usd: float
    stack_count: int


class CostDiff(Envelope, CostDiffBody):
    """``ailab diff STACK_A STACK_B --json``."""
