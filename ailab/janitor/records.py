"""Plain data shared by the scanners, rules, actions and report.

Scanners turn cloud API answers into ``Resource`` records; rules turn a
resource into a ``Finding``; the safety and mark logic give every finding a
``Plan``; actions record what happened. Nothing here talks to a cloud.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """What the janitor does to a resource once its mark is due."""

    STOP = "stop"
    TERMINATE = "terminate"
    DELETE = "delete"
    RELEASE = "release"
    ABORT_UPLOAD = "abort-upload"
    UNMARK = "remove-mark"
    REPORT = "report"
    """Nothing is done: the finding is only reported (e.g. a spot instance that cannot stop)."""


class Status(StrEnum):
    """Where a finding stands after planning (and, with --yes, acting)."""

    PROTECTED = "protected"
    TOO_YOUNG = "too-young"
    UNKNOWN = "unknown"
    """No evidence either way (a metric missing or too sparse): reported, never acted on."""
    REPORTED = "reported"
    """Matched, but the policy says report only (e.g. a spot instance that cannot stop)."""
    MARK = "mark"
    WAITING = "waiting"
    ACT = "act"
    UNMARK = "unmark"
    DONE = "done"
    PENDING = "pending"
    FAILED = "failed"


# Order in which actions run inside one region: what holds a resource goes first
# (instances hold volumes, NAT gateways hold addresses), snapshots go last.
ACTION_ORDER: dict[tuple[str, Action], int] = {
    ("multipart-upload", Action.ABORT_UPLOAD): 0,
    ("instance", Action.STOP): 1,
    ("gce-instance", Action.STOP): 1,
    ("tpu-node", Action.DELETE): 1,
    ("instance", Action.TERMINATE): 2,
    ("nat-gateway", Action.DELETE): 3,
    ("address", Action.RELEASE): 4,
    ("volume", Action.DELETE): 5,
    ("snapshot", Action.DELETE): 6,
}


@dataclass
class Resource:
    """One cloud resource as the janitor sees it."""

    cloud: str
    kind: str
    id: str
    region: str
    state: str = ""
    created: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.tags.get("Name") or self.tags.get("name") or ""


@dataclass
class Finding:
    """A resource a rule matched, with its evidence, price and plan."""

    resource: Resource
    rule: str
    action: Action
    evidence: dict[str, Any]
    monthly_usd: float = 0.0
    price_source: str = ""
    status: Status = Status.MARK
    detail: str = ""
    marked_at: datetime | None = None
    """When this janitor marked the resource (a verified mark), for due actions."""
    notice: str = ""
    """A problem with the resource's mark (forged, future-dated, too old), reported."""

    @property
    def saves(self) -> bool:
        """True when the finding counts towards the monthly saving."""
        return self.status not in (Status.PROTECTED, Status.TOO_YOUNG, Status.UNMARK,
                                   Status.FAILED, Status.UNKNOWN, Status.REPORTED)

    def as_dict(self) -> dict[str, Any]:
        res = self.resource
        return {
            "cloud": res.cloud,
            "kind": res.kind,
            "resource": res.id,
            "name": res.name,
            "region": res.region,
            "rule": self.rule,
            "evidence": self.evidence,
            "monthly_usd": round(self.monthly_usd, 2),
            "price_source": self.price_source,
            "action": self.action.value,
            "status": self.status.value,
            "detail": self.detail,
            "notice": self.notice,
        }


@dataclass
class RunError:
    """A region, scan step or action that failed; the run goes on without it."""

    cloud: str
    region: str
    step: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"cloud": self.cloud, "region": self.region, "step": self.step,
                "message": self.message}


@dataclass
class Report:
    """Everything one scan or clean run found, planned and did."""

    mode: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    run_id: str = ""

    @property
    def monthly_saving_usd(self) -> float:
        return round(sum(f.monthly_usd for f in self.findings if f.saves), 2)

    @property
    def ok(self) -> bool:
        return not self.errors and all(f.status is not Status.FAILED for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "run_id": self.run_id,
            "findings": [f.as_dict() for f in self.findings],
            "errors": [e.as_dict() for e in self.errors],
            "monthly_saving_usd": self.monthly_saving_usd,
            "ok": self.ok,
        }


def error_message(exc: Exception) -> str:
    """One line for a cloud SDK failure (botocore ClientError code and message if any)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
