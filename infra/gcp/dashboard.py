"""The lab's Cloud Monitoring dashboard: one component, one ``gcp.monitoring.Dashboard``.

The document is plain data (``dashboard_body``); this component waits for the
names the cloud assigns (TPU nodes, the Filestore instance, the tracking server)
and writes the JSON. Cloud Monitoring lists no charge for dashboards; the GPU
series they read are billed on the VMs that publish them (stack pricing).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.dashboard_body import GcpDashboardFacts, dashboard_document
from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec_types import BudgetSpec, GcpLabSpec


def auto_stop_line(spec: GcpLabSpec) -> str:
    """How idle GPU VMs of the stack stop, in a few lines."""
    found = []
    if spec.watchdog is not None:
        found.append(f"Idle watchdog on every GPU VM: stops it after {spec.watchdog.minutes} "
                     f"min with every GPU below {spec.watchdog.gpu_percent}%.")
    if spec.schedule is not None:
        start = f"starts `{spec.schedule.start}`, " if spec.schedule.start else ""
        found.append(f"Instance schedule: {start}stops `{spec.schedule.stop}` "
                     f"({spec.schedule.time_zone}).")
    if spec.tpu is not None:
        found.append("TPU slices have no idle stop of their own; watch their duty cycle.")
    return " ".join(found) or "Off: idle GPU machines keep running."


@dataclass
class LabDashboardArgs:
    """What the dashboard shows (Outputs resolve before the document is written)."""

    stack: str
    project: str
    region: str
    zone: str
    stack_label: str
    gpu_machines: bool
    tpu_nodes: Sequence[pulumi.Input[str]] = ()
    filestore: pulumi.Input[str] | None = None
    auto_stop: str = "off"
    budget: BudgetSpec | None = None
    tracking_db: pulumi.Input[str] | None = None
    tracking_service: pulumi.Input[str] | None = None


class LabDashboard(pulumi.ComponentResource):
    """GPU utilisation and memory per VM, CPU, network, TPU duty cycle, Filestore, the
    idle watchdog's log lines, the budget and the tracking server, on one dashboard."""

    def __init__(self, name: str, args: LabDashboardArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:LabDashboard", name, None, opts)
        values: dict[str, Any] = {"tpus": pulumi.Output.all(*args.tpu_nodes),
                                  "filestore": args.filestore, "db": args.tracking_db,
                                  "service": args.tracking_service}
        document = pulumi.Output.all(**values).apply(lambda v: _render(args, v))
        self.dashboard = gcp.monitoring.Dashboard(
            f"{name}-board", project=args.project, dashboard_json=document,
            opts=child_options(self, opts))
        self.register_outputs({"dashboard": self.dashboard.id})


def _render(args: LabDashboardArgs, v: dict[str, Any]) -> str:
    facts = GcpDashboardFacts(
        stack=args.stack, project=args.project, region=args.region, zone=args.zone,
        stack_label=args.stack_label, gpu_machines=args.gpu_machines,
        tpu_nodes=tuple(str(n).rsplit("/", 1)[-1] for n in v["tpus"] or () if n),
        filestore=str(v["filestore"]).rsplit("/", 1)[-1] if v.get("filestore") else None,
        auto_stop=args.auto_stop,
        budget_usd=float(args.budget.monthly_usd) if args.budget else None,
        budget_thresholds=args.budget.thresholds if args.budget else (),
        billing_account=args.budget.billing_account if args.budget else None,
        tracking_db=v.get("db") or None, tracking_service=v.get("service") or None)
    return json.dumps(dashboard_document(facts), separators=(",", ":"))
