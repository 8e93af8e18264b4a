"""Safety and mark-for-op: decide, per finding, whether to skip, mark, wait or act.

Protected (tag/label or policy allowlist) and too-young resources are never
touched. Everything else is marked first; only a later run on or after the mark
date plus the delay acts, and only if the same rule still matches. A marked
resource that no longer matches is unmarked, so repeated runs converge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ailab.janitor.config import Policy
from ailab.janitor.records import Action, Finding, Resource, Status
from ailab.janitor.rules import TAG_KEYS, age_days

MARKLESS_KINDS = frozenset({"multipart-upload"})
"""Kinds that cannot carry a tag: their rule's age threshold is the delay."""

_SEP = {"aws": "@", "gcp": "_"}


@dataclass(frozen=True)
class Mark:
    rule: str
    on: date


def mark_value(cloud: str, rule: str, on: date) -> str:
    """``<rule>@<date>`` on AWS; GCP label values allow no '@', so ``<rule>_<date>``."""
    return f"{rule}{_SEP[cloud]}{on.isoformat()}"


def read_mark(res: Resource) -> Mark | None:
    raw = res.tags.get(TAG_KEYS[res.cloud]["mark"], "")
    rule, sep, day = raw.rpartition(_SEP[res.cloud])
    if not sep:
        return None
    try:
        return Mark(rule, date.fromisoformat(day))
    except ValueError:
        return None


def protection(res: Resource, policy: Policy) -> str | None:
    """Why the resource is off limits, or None."""
    key = TAG_KEYS[res.cloud]["protect"]
    if res.tags.get(key, "").strip().lower() == "true":
        return f"{key}=true"
    entry = policy.allowed(res)
    if entry is not None:
        return "policy allowlist: " + entry.model_dump_json(exclude_none=True)
    return None


def plan(finding: Finding, policy: Policy, now: datetime) -> None:
    """Set the finding's status and detail (no cloud calls)."""
    res = finding.resource
    reason = protection(res, policy)
    if reason:
        finding.status, finding.detail = Status.PROTECTED, reason
        return
    age = age_days(res.created, now)
    if age is not None and age * 24 < policy.grace_hours:
        finding.status = Status.TOO_YOUNG
        finding.detail = f"{age * 24:.1f}h old, grace {policy.grace_hours:g}h"
        return
    if res.kind in MARKLESS_KINDS:
        finding.status, finding.detail = Status.ACT, "untaggable: age threshold is the delay"
        return
    mark = read_mark(res)
    today = now.date()
    if mark is None or mark.rule != finding.rule:
        finding.status = Status.MARK
        finding.detail = f"act on or after {_due(today, res, policy).isoformat()}"
        return
    due = _due(mark.on, res, policy)
    if today >= due:
        finding.status, finding.detail = Status.ACT, f"marked {mark.on.isoformat()}"
    else:
        finding.status, finding.detail = Status.WAITING, f"due {due.isoformat()}"


def _due(marked: date, res: Resource, policy: Policy) -> date:
    """Mark date plus delay; with no creation time, the grace period counts from the mark."""
    days = policy.mark_delay_days
    if res.created is None:
        days = max(days, math.ceil(policy.grace_hours / 24))
    return marked + timedelta(days=days)


def stale_mark(res: Resource, matched: bool, policy: Policy) -> Finding | None:
    """A finding that unmarks a marked resource no rule matches any more."""
    mark = read_mark(res)
    if matched or mark is None or protection(res, policy):
        return None
    return Finding(resource=res, rule=mark.rule, action=Action.UNMARK,
                   evidence={"marked": mark.on.isoformat(), "now": "no longer matches"},
                   status=Status.UNMARK, detail="no longer matches")
