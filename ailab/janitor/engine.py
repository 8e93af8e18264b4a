"""One janitor run: take the leases, scan every region concurrently, evaluate, plan,
and maybe act.

Modes: ``scan`` (read only), ``dry-run`` (what clean would do; read only) and
``execute`` (marks, unmarks and due actions, in dependency order). ``execute``
first takes the lease of every scope it will touch; if another run holds one,
it gives back the ones it took and raises ``LeaseHeldError`` before changing
anything. A failure in one region or action is recorded in the report and the
run goes on.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ailab.core.errors import AilabError, JanitorError
from ailab.janitor.actions import ActOptions, carry_out
from ailab.janitor.config import Policy
from ailab.janitor.driver import Driver
from ailab.janitor.ledger import (
    Lease,
    LeaseError,
    LeaseLost,
    Ledger,
    MarkRecord,
    new_run_id,
    read_ledger,
)
from ailab.janitor.marks import (
    has_mark_tag,
    inherit_protection,
    mark_at,
    plan,
    protection,
    stale_mark,
)
from ailab.janitor.records import (
    ACTION_ORDER,
    Finding,
    Report,
    Resource,
    RunError,
    Status,
    error_message,
)
from ailab.janitor.rules import Context, Rule, Unknown, iter_rules

Task = tuple[Driver, str]


@dataclass
class RunOptions:
    mode: str = "scan"
    regions: list[str] | None = None
    final_snapshot: bool = True
    now: datetime | None = None
    workers: int = 8
    run_id: str | None = None


def run(drivers: list[Driver], policy: Policy, options: RunOptions) -> Report:
    """Scan (and with mode=execute, clean) every region of every driver."""
    now = options.now or datetime.now(UTC)
    run_id = options.run_id or new_run_id()
    rules = list(iter_rules(policy.rules))
    report = Report(mode=options.mode, run_id=run_id)
    tasks: list[Task] = []
    for driver in drivers:
        try:
            tasks += [(driver, region) for region in driver.regions(options.regions)]
        except AilabError:
            raise
        except Exception as exc:  # noqa: BLE001 - one cloud failing must not stop the others
            report.errors.append(RunError(driver.cloud, "*", "list regions", error_message(exc)))
    leases = _acquire(tasks, policy, run_id, now) if options.mode == "execute" else {}
    def one(task: Task) -> tuple[list[Finding], list[RunError]]:
        return _region(task[0], task[1], rules, policy, options, now, run_id,
                       leases.get((task[0].cloud, task[1])))

    try:
        if len(tasks) <= 1 or options.workers <= 1:
            results = [one(task) for task in tasks]
        else:
            with ThreadPoolExecutor(max_workers=min(options.workers, len(tasks))) as pool:
                results = list(pool.map(one, tasks))
    except Exception:
        _release(leases, now)
        raise
    _release(leases, now)
    for findings, errors in results:
        report.findings += findings
        report.errors += errors
    report.findings.sort(key=lambda f: (f.resource.cloud, f.resource.region,
                                        f.resource.kind, f.resource.id))
    return report


def _acquire(tasks: list[Task], policy: Policy, run_id: str,
             now: datetime) -> dict[tuple[str, str], Lease]:
    """Every scope's lease, or none: a held one gives back the others and raises."""
    ttl = timedelta(minutes=policy.lease.ttl_minutes)
    leases: dict[tuple[str, str], Lease] = {}
    try:
        for driver, region in tasks:
            store = driver.ledger_store(region, policy.lease)
            if store is None:
                key = "lease.s3_bucket" if driver.cloud == "aws" else "lease.gcs_bucket"
                raise JanitorError(f"{key} is not set: cleaning needs a bucket for the run "
                                   "lease and the mark ledger",
                                   hint=f"set {key} in the janitor config (--config)")
            leases[(driver.cloud, region)] = Lease.acquire(store, run_id, now, ttl)
    except AilabError:
        _release(leases, now)
        raise
    except Exception as exc:
        _release(leases, now)
        raise LeaseError(f"could not take the lease on {driver.cloud} {region}: "
                         f"{error_message(exc)}; nothing was done") from None
    return leases


def _release(leases: dict[tuple[str, str], Lease], now: datetime) -> None:
    for lease in leases.values():
        try:
            lease.release(now)
        except Exception:  # noqa: BLE001,S112 - an unreleased lease expires by itself
            continue


def _region(driver: Driver, region: str, rules: list[Rule[Any]], policy: Policy,
            options: RunOptions, now: datetime, run_id: str,
            lease: Lease | None) -> tuple[list[Finding], list[RunError]]:
    ctx = Context(now=now)
    kinds = {k for rule in rules if driver.cloud in rule.clouds for k in rule.kinds}
    buckets = (policy.lab_buckets.tag_key, policy.lab_buckets.names)
    try:
        ledger = lease.ledger if lease else read_ledger(
            driver.ledger_store(region, policy.lease))
        resources = driver.scan(region, kinds, ctx, buckets)
        wanted = list(dict.fromkeys(
            (res.id, q) for res in resources for rule in rules if rule.applies(res)
            for q in rule.queries(res, ctx)))
        ctx.metrics = driver.metrics(region, wanted, now)
    except Exception as exc:  # noqa: BLE001 - reported, other regions go on
        return [], [RunError(driver.cloud, region, "scan", error_message(exc))]
    inherit_protection(resources, policy)
    findings = evaluate(resources, rules, ctx, policy, ledger)
    if options.mode == "execute" and lease is not None:
        opts = ActOptions(policy, options.final_snapshot and policy.final_snapshot, run_id,
                          now, lease)
        try:
            apply(driver, region, findings, opts)
        except LeaseLost as exc:
            return findings, [RunError(driver.cloud, region, "lease", str(exc))]
        except Exception as exc:  # noqa: BLE001 - e.g. the ledger write failed: stop here
            return findings, [RunError(driver.cloud, region, "clean", error_message(exc))]
    return findings, []


def evaluate(resources: list[Resource], rules: list[Rule[Any]], ctx: Context,
             policy: Policy, ledger: Ledger | None) -> list[Finding]:
    """First rule with evidence per resource, priced and planned; a rule that cannot
    decide (Unknown) is reported when no other rule has evidence; stale marks are
    removed."""
    findings: list[Finding] = []
    for res in resources:
        finding: Finding | None = None
        unknown: tuple[Rule[Any], Unknown] | None = None
        for rule in rules:
            if not rule.applies(res):
                continue
            verdict = rule.check(res, ctx)
            if isinstance(verdict, Unknown):
                unknown = unknown or (rule, verdict)
            elif verdict is not None:
                usd, source = rule.price(res)
                finding = Finding(res, rule.name, rule.action_for(res), verdict, usd, source)
                plan(finding, policy, ctx.now, ledger)
                break
        if finding is None and unknown is not None:
            finding = _unknown(res, *unknown, policy)
        if finding is None:
            finding = stale_mark(res, policy)
        if finding is not None:
            findings.append(finding)
    return findings


def _unknown(res: Resource, rule: Rule[Any], verdict: Unknown, policy: Policy) -> Finding:
    usd, source = rule.price(res)
    finding = Finding(res, rule.name, rule.action_for(res),
                      {"reason": verdict.reason, **verdict.evidence}, usd, source,
                      status=Status.UNKNOWN, detail=f"no action: {verdict.reason}")
    reason = protection(res, policy)
    if reason:
        finding.status, finding.detail = Status.PROTECTED, reason
    return finding


def apply(driver: Driver, region: str, findings: list[Finding], opts: ActOptions) -> None:
    """Mark, unmark, then act in dependency order; a failed action is recorded on its
    finding (status ``failed``), not raised. The ledger is written before any tag, so a
    mark tag without its ledger entry never counts."""
    lease = opts.lease
    assert lease is not None, "apply needs the scope's lease"
    to_mark = [f for f in findings if f.status is Status.MARK]
    marks = {f.resource.id: MarkRecord(f.rule, mark_at(opts.now), opts.run_id)
             for f in to_mark}
    lease.ledger.marks.update(marks)
    lease.save(opts.now)
    driver.mark(region, to_mark, marks)
    to_unmark = [f for f in findings if f.status is Status.UNMARK or (
        f.status in (Status.UNKNOWN, Status.REPORTED) and has_mark_tag(f.resource))]
    driver.unmark(region, to_unmark)
    for f in to_unmark:
        if f.status is not Status.FAILED:
            lease.ledger.marks.pop(f.resource.id, None)
    due = sorted((f for f in findings if f.status is Status.ACT),
                 key=lambda f: ACTION_ORDER.get((f.resource.kind, f.action), 99))
    for finding in due:
        lease.keep_alive(opts.now)
        try:
            finding.status, finding.detail = carry_out(driver, finding, opts)
        except Exception as exc:  # noqa: BLE001 - a partial failure is reported, run goes on
            finding.status, finding.detail = Status.FAILED, error_message(exc)
        if finding.status is Status.DONE:
            lease.ledger.marks.pop(finding.resource.id, None)
    lease.save(opts.now)
