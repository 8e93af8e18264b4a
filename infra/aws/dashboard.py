"""The lab's CloudWatch dashboard: one component, one ``aws.cloudwatch.Dashboard``.

The body is plain data (``dashboard_body``); this component only waits for the
values the cloud assigns (instance ids, alarm ARNs, file system ids) and writes
the JSON. CloudWatch bills a dashboard per month beyond the account's free ones
(stack pricing prices it); dashboards take no tags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.dashboard_body import AwsDashboardFacts, dashboard_body
from ailab.infra.aws.spec import AutoStopSpec, BudgetSpec


def dashboard_name(stack: str) -> str:
    """A valid dashboard name (letters, digits, '-', '_'; at most 255)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"ailab-{stack}")[:255]


def auto_stop_line(spec: AutoStopSpec | None, gpu_machines: int) -> str:
    """How idle GPU machines of the stack stop, in one line."""
    if spec is None:
        return "Off (`ailab:autoStopMinutes` is 0): idle GPU machines keep running."
    if not gpu_machines:
        return "No fixed GPU machine to stop (pool members are never stopped: the group " \
               "would replace them)."
    if spec.on_instance:
        return (f"On-machine watchdog: a machine stops itself after {spec.minutes} min with "
                f"every GPU below {spec.gpu_percent}% and CPU below {spec.cpu_percent}% "
                "(tags `ailab:idle-*`; state in `/run/ailab/idle-watchdog.state` and the "
                "journal, tag `ailab-idle-watchdog`).")
    return f"CloudWatch alarms stop a machine after {spec.minutes} min with every GPU below " \
           f"{spec.gpu_percent}%."


@dataclass
class LabDashboardArgs:
    """What the dashboard shows (Outputs resolve before the body is written)."""

    stack: str
    region: str
    instance_ids: Sequence[pulumi.Input[str]] = ()
    pool_group: pulumi.Input[str] | None = None
    alarm_arns: Sequence[pulumi.Input[str]] = ()
    auto_stop: str = "off"
    efs_id: pulumi.Input[str] | None = None
    fsx_id: pulumi.Input[str] | None = None
    budget: BudgetSpec | None = None
    tracking_db: pulumi.Input[str] | None = None
    tracking_service: tuple[pulumi.Input[str], pulumi.Input[str]] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


class LabDashboard(pulumi.ComponentResource):
    """GPU utilisation and memory per machine, CPU, network, file systems, auto-stop
    alarms, the budget and the tracking server, on one CloudWatch dashboard."""

    def __init__(self, name: str, args: LabDashboardArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:LabDashboard", name, None, opts)
        values: dict[str, Any] = {
            "ids": pulumi.Output.all(*args.instance_ids),
            "alarms": pulumi.Output.all(*args.alarm_arns),
            "pool": args.pool_group, "efs": args.efs_id, "fsx": args.fsx_id,
            "db": args.tracking_db,
            "service": pulumi.Output.all(*args.tracking_service) if args.tracking_service
            else None}
        body = pulumi.Output.all(**values).apply(lambda v: _render(args, v))
        self.name = dashboard_name(args.stack)
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-board", dashboard_name=self.name, dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"dashboard_name": self.dashboard.dashboard_name,
                               "dashboard_arn": self.dashboard.dashboard_arn})


def _render(args: LabDashboardArgs, v: dict[str, Any]) -> str:
    service = v.get("service")
    facts = AwsDashboardFacts(
        stack=args.stack, region=args.region,
        instance_ids=tuple(str(i) for i in v["ids"] or ()),
        pool_group=v.get("pool") or None,
        alarm_arns=tuple(str(a) for a in v["alarms"] or ()),
        auto_stop=args.auto_stop, efs_id=v.get("efs") or None, fsx_id=v.get("fsx") or None,
        budget_usd=float(args.budget.monthly_usd) if args.budget else None,
        budget_thresholds=args.budget.thresholds if args.budget else (),
        tracking_db=v.get("db") or None,
        tracking_service=(str(service[0]), str(service[1])) if service else None,
        notes=args.notes)
    return json.dumps(dashboard_body(facts), separators=(",", ":"))
