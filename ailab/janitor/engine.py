"""One janitor run: scan every region concurrently, evaluate, plan, and maybe act.

Modes: ``scan`` (read only), ``dry-run`` (what clean would do; read only) and
``execute`` (marks, unmarks and due actions, in dependency order). A failure in
one region or action is recorded in the report and the run goes on.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from ailab.core.errors import AilabError
from ailab.janitor.config import Policy
from ailab.janitor.marks import plan, stale_mark
from ailab.janitor.records import (
    ACTION_ORDER,
    Finding,
    Report,
    Resource,
    RunError,
    Status,
    error_message,
)
from ailab.janitor.rules import Context, MetricQuery, Rule, iter_rules


class Driver(Protocol):
    """What the engine needs from a cloud."""

    cloud: str

    def regions(self, wanted: list[str] | None) -> list[str]: ...

    def scan(self, region: str, kinds: set[str], ctx: Context,
             lab_buckets: tuple[str, list[str]]) -> list[Resource]: ...

    def metrics(self, region: str, wanted: list[tuple[str, MetricQuery]],
                now: datetime) -> dict[tuple[str, str], list[float]]: ...

    def mark(self, region: str, findings: list[Finding], now: datetime) -> None: ...

    def unmark(self, region: str, findings: list[Finding]) -> None: ...

    def act(self, finding: Finding, final_snapshot: bool) -> tuple[Status, str]: ...


@dataclass
class RunOptions:
    mode: str = "scan"
    regions: list[str] | None = None
    final_snapshot: bool = True
    now: datetime | None = None
    workers: int = 8


def run(drivers: list[Any], policy: Policy, options: RunOptions) -> Report:
    """Scan (and with mode=execute, clean) every region of every driver."""
    now = options.now or datetime.now(UTC)
    rules = list(iter_rules(policy.rules))
    report = Report(mode=options.mode)
    tasks: list[tuple[Any, str]] = []
    for driver in drivers:
        try:
            tasks += [(driver, region) for region in driver.regions(options.regions)]
        except AilabError:
            raise
        except Exception as exc:  # noqa: BLE001 - one cloud failing must not stop the others
            report.errors.append(RunError(driver.cloud, "*", "list regions", error_message(exc)))
    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(tasks) or 1))) as pool:
        results = list(pool.map(lambda t: _region(t[0], t[1], rules, policy, options, now),
                                tasks))
    for findings, errors in results:
        report.findings += findings
        report.errors += errors
    report.findings.sort(key=lambda f: (f.resource.cloud, f.resource.region,
                                        f.resource.kind, f.resource.id))
    return report


def _region(driver: Any, region: str, rules: list[Rule], policy: Policy,
            options: RunOptions, now: datetime) -> tuple[list[Finding], list[RunError]]:
    ctx = Context(now=now)
    kinds = {k for rule in rules if driver.cloud in rule.clouds for k in rule.kinds}
    buckets = (policy.lab_buckets.tag_key, policy.lab_buckets.names)
    try:
        resources = driver.scan(region, kinds, ctx, buckets)
        wanted = list(dict.fromkeys(
            (res.id, q) for res in resources for rule in rules if rule.applies(res)
            for q in rule.queries(res, ctx)))
        ctx.metrics = driver.metrics(region, wanted, now)
    except Exception as exc:  # noqa: BLE001 - reported, other regions go on
        return [], [RunError(driver.cloud, region, "scan", error_message(exc))]
    findings = evaluate(resources, rules, ctx, policy)
    if options.mode == "execute":
        apply(driver, region, findings, options, policy, now)
    return findings, []


def evaluate(resources: list[Resource], rules: list[Rule], ctx: Context,
             policy: Policy) -> list[Finding]:
    """First matching rule per resource, priced and planned; stale marks become unmarks."""
    findings: list[Finding] = []
    for res in resources:
        finding: Finding | None = None
        for rule in rules:
            if not rule.applies(res):
                continue
            evidence = rule.check(res, ctx)
            if evidence is not None:
                usd, source = rule.price(res)
                finding = Finding(res, rule.name, rule.action_for(res), evidence, usd, source)
                plan(finding, policy, ctx.now)
                break
        if finding is None:
            finding = stale_mark(res, False, policy)
        if finding is not None:
            findings.append(finding)
    return findings


def apply(driver: Any, region: str, findings: list[Finding], options: RunOptions,
          policy: Policy, now: datetime) -> None:
    """Mark, unmark, then act in dependency order; a failed action is recorded on its
    finding (status ``failed``), not raised."""
    driver.mark(region, [f for f in findings if f.status is Status.MARK], now)
    driver.unmark(region, [f for f in findings if f.status is Status.UNMARK])
    due = sorted((f for f in findings if f.status is Status.ACT),
                 key=lambda f: ACTION_ORDER.get((f.resource.kind, f.action), 99))
    final = options.final_snapshot and policy.final_snapshot
    for finding in due:
        try:
            finding.status, finding.detail = driver.act(finding, final)
        except Exception as exc:  # noqa: BLE001 - a partial failure is reported, run goes on
            finding.status, finding.detail = Status.FAILED, error_message(exc)
