"""Safety and mark-for-op: decide, per finding, whether to skip, mark, wait or act.

Protected (tag/label or policy allowlist) and too-young resources are never
touched. Everything else is marked first; only a later run, ``mark_delay_days``
after the mark, acts, and only if the same rule still matches. A marked resource
that no longer matches is unmarked, so repeated runs converge.

A mark is evidence, not free text: its tag says which rule, when (UTC, to the
second) and which janitor run, and it counts only when the scope's ledger holds
the same mark (``ledger``). A mark the ledger does not know (hand-written,
copied from another resource, edited), one dated in the future, or one older
than ``mark_max_age_days`` (left by an interrupted cycle) is not acted on: the
resource is marked afresh, so the clock restarts, and the finding says why.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from ailab.core import tags
from ailab.janitor.config import Policy
from ailab.janitor.ledger import Ledger, MarkRecord, iso, parse_iso
from ailab.janitor.records import Action, Finding, Resource, Status
from ailab.janitor.rules import age_days

MARKLESS_KINDS = frozenset({"multipart-upload"})
"""Kinds that cannot carry a tag: their rule's age threshold is the delay."""

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a mark may be dated before it counts as forged."""

_SEP = {"aws": "@", "gcp": "_"}


def mark_at(now: datetime) -> datetime:
    """The time a mark records: UTC, whole seconds (what the tag can carry)."""
    return now.astimezone(UTC).replace(microsecond=0)


def mark_value(cloud: str, mark: MarkRecord) -> str:
    """``<rule>@<UTC time>@<run>`` on AWS; GCP label values allow only lowercase letters,
    digits, ``-`` and ``_``, so ``<rule>_<yyyymmddthhmmssz>_<run>`` there."""
    if cloud == "gcp":
        return f"{mark.rule}_{mark.at.strftime('%Y%m%dt%H%M%Sz')}_{mark.run}"
    return f"{mark.rule}@{iso(mark.at)}@{mark.run}"


def read_mark(res: Resource) -> MarkRecord | None:
    """The mark tag as written, or None when absent or not in the janitor's format."""
    raw = res.tags.get(tags.keys(res.cloud).janitor_mark, "")
    parts = raw.rsplit(_SEP[res.cloud], 2)
    if len(parts) != 3 or not all(parts):
        return None
    rule, when, run = parts
    try:
        at = (datetime.strptime(when, "%Y%m%dt%H%M%Sz").replace(tzinfo=UTC)
              if res.cloud == "gcp" else parse_iso(when))
    except ValueError:
        return None
    return MarkRecord(rule, at, run)


def has_mark_tag(res: Resource) -> bool:
    return tags.keys(res.cloud).janitor_mark in res.tags


def verify_mark(res: Resource, ledger: Ledger | None, policy: Policy,
                now: datetime) -> tuple[MarkRecord | None, str]:
    """The resource's mark if it is evidence, else None and why not ('' when unmarked)."""
    key = tags.keys(res.cloud).janitor_mark
    if key not in res.tags:
        return None, ""
    mark = read_mark(res)
    if mark is None:
        return None, f"mark {res.tags[key]!r} is not in the janitor's format"
    if ledger is None:
        return None, f"mark {res.tags[key]!r} cannot be checked (no lease bucket configured)"
    if ledger.marks.get(res.id) != mark:
        return None, f"mark {res.tags[key]!r} was not made by this janitor (not in its ledger)"
    if mark.at > now + CLOCK_SKEW:
        return None, f"mark dated in the future ({iso(mark.at)})"
    if now - mark.at > timedelta(days=policy.mark_max_age_days):
        return None, (f"mark older than mark_max_age_days={policy.mark_max_age_days} "
                      f"({iso(mark.at)})")
    return mark, ""


def protection(res: Resource, policy: Policy) -> str | None:
    """Why the resource is off limits, or None."""
    key = tags.keys(res.cloud).protect
    if res.tags.get(key, "").strip().lower() == "true":
        return f"{key}=true"
    entry = policy.allowed(res)
    if entry is not None:
        return "policy allowlist: " + entry.model_dump_json(exclude_none=True)
    holder = res.attrs.get("protected_by")
    return f"attached to protected {holder}" if holder else None


def inherit_protection(resources: list[Resource], policy: Policy) -> None:
    """A volume attached to a protected instance is protected too (its data is the
    instance's): recorded as ``protected_by`` for ``protection``."""
    shielded = {r.id for r in resources if r.kind == "instance" and protection(r, policy)}
    for res in resources:
        holders = [i for i in res.attrs.get("attachments", []) if i in shielded]
        if holders:
            res.attrs["protected_by"] = holders[0]


def plan(finding: Finding, policy: Policy, now: datetime, ledger: Ledger | None) -> None:
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
    if finding.action is Action.REPORT:
        finding.status = Status.REPORTED
        return
    if res.kind in MARKLESS_KINDS:
        finding.status, finding.detail = Status.ACT, "untaggable: age threshold is the delay"
        return
    mark, problem = verify_mark(res, ledger, policy, now)
    if mark is None or mark.rule != finding.rule:
        finding.status, finding.notice = Status.MARK, problem
        due = _due(mark_at(now), res, policy)
        restart = f"{problem}; clock restarted: " if problem else ""
        finding.detail = f"{restart}act on or after {iso(due)}"
        return
    finding.marked_at = mark.at
    due = _due(mark.at, res, policy)
    if now >= due:
        finding.status, finding.detail = Status.ACT, f"marked {iso(mark.at)} by {mark.run}"
    else:
        finding.status, finding.detail = Status.WAITING, f"due {iso(due)}"


def _due(marked: datetime, res: Resource, policy: Policy) -> datetime:
    """Mark time plus delay; with no creation time, the grace period counts from the mark."""
    days = float(policy.mark_delay_days)
    if res.created is None:
        days = max(days, math.ceil(policy.grace_hours / 24))
    return marked + timedelta(days=days)


def stale_mark(res: Resource, policy: Policy) -> Finding | None:
    """A finding that removes the mark tag of a resource no rule matches any more."""
    if not has_mark_tag(res) or protection(res, policy):
        return None
    mark = read_mark(res)
    return Finding(resource=res, rule=mark.rule if mark else "?", action=Action.UNMARK,
                   evidence={"marked": res.tags[tags.keys(res.cloud).janitor_mark],
                             "now": "no longer matches"},
                   status=Status.UNMARK, detail="no longer matches")
