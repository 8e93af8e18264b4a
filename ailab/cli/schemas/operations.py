"""Documents about running things: janitor, guardrails, workloads, doctor."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ailab.cli.schemas.common import Envelope, Open


class Finding(Open):
    cloud: str
    kind: str
    resource: str
    name: str | None
    region: str
    rule: str
    evidence: dict[str, Any]
    monthly_usd: float
    price_source: str | None
    action: str
    status: str
    detail: str
    outcome: str


class RunError(Open):
    cloud: str
    region: str
    step: str
    message: str


class JanitorReport(Envelope):
    """``ailab janitor scan|clean --json``."""

    mode: Literal["scan", "dry-run", "execute"]
    findings: list[Finding]
    errors: list[RunError]
    monthly_saving_usd: float
    ok: bool


class Rule(Open):
    id: str
    title: str
    category: str
    severity: str
    enforcement: Literal["mandatory", "advisory"]
    scope: str
    remediation: str
    resource_types: list[str]
    config: dict[str, Any]


class PolicyRules(Envelope):
    """``ailab policy list --json``."""

    rules: list[Rule]


class Workload(Open):
    name: str
    kind: Literal["cluster", "job", "service"]
    variants: list[str]
    description: str


class Workloads(Envelope):
    """``ailab workloads --json``."""

    workloads: list[Workload]


class Launch(Envelope):
    """``ailab launch WORKLOAD --stack STACK --json`` (a dry run)."""

    workload: str
    variant: str | None
    kind: Literal["cluster", "job", "service"]
    name: str
    bucket: str | None
    bucket_known: bool
    instance_type: str | None
    hourly_usd: float | None
    spot: bool | None
    pricing: dict[str, Any] = Field(description="Where the price comes from, and which "
                                    "catalog SkyPilot prices with.")
    stack_facts: str | None = Field(description="Where the stack's machines and network "
                                    "came from (outputs file or offline preview).")
    launch: dict[str, Any] | None = Field(description="The launch plan: target, infra, "
                                          "SkyPilot config layer, node pools.")
    efa: dict[str, Any] | None
    mounts: list[dict[str, Any]]
    notes: list[str]
    valid: bool
    task_yaml: str


class Check(Open):
    area: str
    item: str
    status: Literal["ok", "missing", "error", "info"]
    detail: str
    fix: str = Field(description="What to run or set; empty when nothing to do.")


class Doctor(Envelope):
    """``ailab doctor --json``."""

    checks: list[Check]
    ready: dict[str, bool]


class Usage(Envelope):
    """``ailab usage STACK --json``: actual spend beside the forecast and the budget."""

    currency: str = Field(pattern="^[A-Z]{3}$",  # type: ignore[assignment]
                          description="The billing data's currency (ISO 4217).")
    stack: str
    cloud: Literal["aws", "gcp"]
    start: str
    end: str
    source: str
    estimated: bool
    total: float
    month_end_projection: float | None
    by_service: dict[str, float]
    by_day: dict[str, float]
    forecast_monthly: float | None
    budget_monthly: float | None
    projection_vs_budget: float | None
    projection_vs_forecast: float | None
    status: str
    as_of: str
