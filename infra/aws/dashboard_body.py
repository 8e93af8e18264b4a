"""The CloudWatch dashboard body of an AWS lab, as plain data.

Built from resolved values (instance ids, alarm ARNs, file system ids) so it can be
tested without Pulumi; ``dashboard.py`` resolves them and serialises the result.
The shape is CloudWatch's "Dashboard Body Structure and Syntax" (API Reference):
widgets of type ``metric``/``text``/``alarm`` with ``x``, ``y``, ``width``,
``height`` on a 24-column grid and ``properties``; a ``metrics`` array of single
metrics ``[Namespace, MetricName, Dim, Value, ..., {render}]`` or expressions
``[{"expression", "id", "label"}]``. The contract layer validates every body
against a JSON Schema written from that page (``infra/contract/dashboards.py``).

GPU series come from the CloudWatch agent (``ailab.core.gpu_metrics``) through
SEARCH expressions limited to the lab's own instance ids, chunked so each
expression stays within the search query limit. The budget: CloudWatch's
``AWS/Billing EstimatedCharges`` exists only in us-east-1, is account-wide (no
tag dimension) and needs "Receive Billing Alerts" turned on, so the widget reads
it from us-east-1 with the stack's budget drawn as a line and says so; the
stack's own spend by tag is ``ailab usage STACK`` (Cost Explorer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ailab.core import gpu_metrics as gm
from ailab.infra.dashboard_grid import Grid

COLUMNS = 24
PERIOD_S = 300
SEARCH_MAX_CHARS = 1024
"""Longest SEARCH(...) expression ailab writes (CloudWatch search expression limit)."""
ALARMS_PER_WIDGET = 100
"""An alarm status widget lists 1-100 alarm ARNs."""
BILLING_REGION = "us-east-1"
"""The only region where CloudWatch has AWS/Billing metrics."""


@dataclass(frozen=True)
class AwsDashboardFacts:
    """Everything the dashboard shows, as resolved strings and numbers."""

    stack: str
    region: str
    instance_ids: tuple[str, ...] = ()
    """Fixed GPU machines (stand-alone instances and cluster nodes)."""
    pool_group: str | None = None
    """Auto Scaling group name of the spot pool, if any."""
    alarm_arns: tuple[str, ...] = ()
    auto_stop: str = "off"
    """One line saying how idle machines stop (alarm, on-machine watchdog, off)."""
    efs_id: str | None = None
    fsx_id: str | None = None
    budget_usd: float | None = None
    budget_thresholds: tuple[int, ...] = ()
    tracking_db: str | None = None
    """RDS instance identifier of the tracking server's database."""
    tracking_service: tuple[str, str] | None = None
    """(ECS cluster name, service name) of the tracking server."""
    notes: tuple[str, ...] = field(default_factory=tuple)


def search(schema: str, metric: str, ids: Sequence[str], stat: str,
           period: int = PERIOD_S) -> list[str]:
    """SEARCH expressions for ``metric`` in ``schema`` over the given instance ids,
    as few as fit within ``SEARCH_MAX_CHARS`` each (none: the whole region)."""
    def expr(chunk: Sequence[str]) -> str:
        where = (" (" + " OR ".join(f'InstanceId="{i}"' for i in chunk) + ")") if chunk else ""
        return f"SEARCH('{{{schema}}} MetricName=\"{metric}\"{where}', '{stat}', {period})"

    if not ids:
        return [expr(())]
    out: list[str] = []
    chunk: list[str] = []
    for iid in ids:
        if chunk and len(expr([*chunk, iid])) > SEARCH_MAX_CHARS:
            out.append(expr(chunk))
            chunk = []
        chunk.append(iid)
    out.append(expr(chunk))
    return out


def _expressions(exprs: list[str], prefix: str, label: str = "") -> list[list[dict[str, str]]]:
    return [[{"expression": e, "id": f"{prefix}{i}", "label": label}]
            for i, e in enumerate(exprs, 1)]


class _Board:
    """Widgets placed on the grid in the order they are added."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.grid = Grid(COLUMNS)
        self.widgets: list[dict[str, Any]] = []

    def add(self, kind: str, width: int, height: int, properties: dict[str, Any]) -> None:
        x, y = self.grid.place(width, height)
        self.widgets.append({"type": kind, "x": x, "y": y, "width": width, "height": height,
                             "properties": properties})

    def text(self, markdown: str, width: int = COLUMNS, height: int = 3) -> None:
        self.add("text", width, height, {"markdown": markdown})

    def graph(self, title: str, metrics: list[Any], *, stat: str = "Average",
              width: int = 12, height: int = 6, unit_max: float | None = None,
              region: str | None = None, annotations: dict[str, Any] | None = None) -> None:
        props: dict[str, Any] = {"title": title, "view": "timeSeries", "stacked": False,
                                 "region": region or self.region, "stat": stat,
                                 "period": PERIOD_S, "metrics": metrics}
        if unit_max is not None:
            props["yAxis"] = {"left": {"min": 0, "max": unit_max}}
        if annotations:
            props["annotations"] = annotations
        self.add("metric", width, height, props)


def dashboard_body(f: AwsDashboardFacts) -> dict[str, Any]:
    """The dashboard: GPUs, hosts, file systems, auto-stop, budget, tracking server."""
    board = _Board(f.region)
    board.text(_header(f))
    _gpu_widgets(board, f)
    _host_widgets(board, f)
    _file_system_widgets(board, f)
    board.grid.newline()
    _auto_stop_widgets(board, f)
    _budget_widgets(board, f)
    if f.tracking_db or f.tracking_service:
        board.grid.newline()
        _tracking_widgets(board, f)
    return {"start": "-PT12H", "periodOverride": "inherit", "widgets": board.widgets}


def _header(f: AwsDashboardFacts) -> str:
    machines = f"{len(f.instance_ids)} fixed GPU machine(s)" if f.instance_ids else \
        "no fixed GPU machine"
    pool = f", spot pool `{f.pool_group}`" if f.pool_group else ""
    lines = [f"# ailab lab `{f.stack}` ({f.region})",
             f"{machines}{pool}. GPU series: CloudWatch agent, namespace "
             f"`{gm.AWS_NAMESPACE}` (per GPU and per machine); a machine with no GPU "
             "series has no agent running."]
    return "\n\n".join(lines + list(f.notes))


def _gpu_widgets(board: _Board, f: AwsDashboardFacts) -> None:
    ids = f.instance_ids
    scope = "" if ids else " (every agent-reporting machine in the region)"
    if not ids and not f.pool_group:
        board.text("No GPU machines in this stack: no GPU series to show.", height=2)
        return
    rollup = ",".join((gm.AWS_NAMESPACE, *gm.AWS_INSTANCE_DIMENSIONS))
    per_gpu = ",".join((gm.AWS_NAMESPACE, *gm.AWS_PER_GPU_DIMENSIONS))
    board.graph(f"GPU utilisation per machine, busiest GPU (%){scope}",
                _expressions(search(rollup, gm.AWS_GPU_UTILIZATION, ids, "Maximum"), "u"),
                stat="Maximum", unit_max=100)
    board.graph(f"GPU memory used per machine, mean over its GPUs (MiB){scope}",
                _expressions(search(rollup, gm.AWS_GPU_MEMORY_USED, ids, "Average"), "m"))
    board.graph(f"GPU utilisation per GPU (%){scope}",
                _expressions(search(per_gpu, gm.AWS_GPU_UTILIZATION, ids, "Average"), "g"),
                width=COLUMNS, unit_max=100)


def _host_widgets(board: _Board, f: AwsDashboardFacts) -> None:
    if f.instance_ids:
        cpu = _expressions(search("AWS/EC2,InstanceId", "CPUUtilization", f.instance_ids,
                                  "Average"), "c")
        net = _expressions(search("AWS/EC2,InstanceId", "NetworkIn", f.instance_ids, "Sum"),
                           "ni", "in ") + \
            _expressions(search("AWS/EC2,InstanceId", "NetworkOut", f.instance_ids, "Sum"),
                         "no", "out ")
        board.graph("CPU utilisation per machine (%)", cpu, unit_max=100)
        board.graph("Network per machine (bytes per 5 min)", net, stat="Sum")
    if f.pool_group:
        group = ["AWS/EC2", "CPUUtilization", "AutoScalingGroupName", f.pool_group]
        board.graph("Spot pool CPU utilisation (%)", [group], unit_max=100)
        board.graph("Spot pool network (bytes per 5 min)",
                    [["AWS/EC2", "NetworkIn", "AutoScalingGroupName", f.pool_group],
                     ["AWS/EC2", "NetworkOut", "AutoScalingGroupName", f.pool_group]],
                    stat="Sum")


def _file_system_widgets(board: _Board, f: AwsDashboardFacts) -> None:
    if f.efs_id:
        board.graph("EFS home directories: bytes read / written per 5 min",
                    [["AWS/EFS", "DataReadIOBytes", "FileSystemId", f.efs_id],
                     ["AWS/EFS", "DataWriteIOBytes", "FileSystemId", f.efs_id]], stat="Sum")
    if f.fsx_id:
        board.graph("FSx for Lustre: bytes read / written per 5 min",
                    [["AWS/FSx", "DataReadBytes", "FileSystemId", f.fsx_id],
                     ["AWS/FSx", "DataWriteBytes", "FileSystemId", f.fsx_id]], stat="Sum")


def _auto_stop_widgets(board: _Board, f: AwsDashboardFacts) -> None:
    if not f.alarm_arns:
        board.text(f"## Auto-stop\n\n{f.auto_stop}", width=12, height=6)
        return
    chunks = [f.alarm_arns[i:i + ALARMS_PER_WIDGET]
              for i in range(0, len(f.alarm_arns), ALARMS_PER_WIDGET)]
    for n, chunk in enumerate(chunks, 1):
        part = f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""
        board.add("alarm", 12, 6, {"title": f"Auto-stop alarms{part}: ALARM = stopping an idle "
                                   "machine", "alarms": list(chunk),
                                   "sortBy": "stateUpdatedTimestamp"})


def _budget_widgets(board: _Board, f: AwsDashboardFacts) -> None:
    if f.budget_usd is None:
        board.text("## Budget\n\nNo budget in this stack (`ailab:budgetMonthlyUsd` is 0).",
                   width=12, height=6)
        return
    alerts = ", ".join(f"{p}%" for p in f.budget_thresholds) or "none"
    board.text(f"## Budget\n\n${f.budget_usd:,.0f} per month on the `ailab:stack` tag, "
               f"alerts at {alerts} of actual spend (AWS Budgets). Actual spend of this "
               f"stack per service and day: `ailab usage {f.stack}`.\n\nThe graph beside "
               "reads `AWS/Billing EstimatedCharges`: it exists only in us-east-1, covers "
               "the whole account (no tag dimension) and needs *Receive Billing Alerts* "
               "turned on in the billing preferences.", width=12, height=6)
    line = {"label": "this stack's monthly budget", "value": f.budget_usd}
    board.graph("Account estimated charges this month (USD, us-east-1)",
                [["AWS/Billing", "EstimatedCharges", "Currency", "USD"]], stat="Maximum",
                region=BILLING_REGION, annotations={"horizontal": [line]})


def _tracking_widgets(board: _Board, f: AwsDashboardFacts) -> None:
    if f.tracking_service:
        cluster, service = f.tracking_service
        board.graph("Tracking server CPU / memory (%)",
                    [["AWS/ECS", "CPUUtilization", "ClusterName", cluster, "ServiceName",
                      service],
                     ["AWS/ECS", "MemoryUtilization", "ClusterName", cluster, "ServiceName",
                      service]], unit_max=100)
    if f.tracking_db:
        board.graph("Tracking database: CPU (%) and free storage (bytes)",
                    [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", f.tracking_db],
                     ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", f.tracking_db,
                      {"yAxis": "right"}]])
