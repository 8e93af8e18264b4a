"""The Cloud Monitoring dashboard of a GCP lab, as plain data.

The shape is the Monitoring API's ``projects.dashboards`` resource (REST JSON of
``google.monitoring.dashboard.v1.Dashboard``): a ``mosaicLayout`` of 48 columns
whose ``tiles`` hold widgets (``xyChart`` with ``timeSeriesQuery.timeSeriesFilter``
data sets, ``text``, ``logsPanel``). The contract layer parses every document
into the API's own message type (``infra/contract/dashboards.py``).

The lab's VMs are selected by their ``ailab-stack`` label
(``metadata.user_labels``), so pool members appear as they come and go. GPU
series come from the Ops Agent (``ailab.core.gpu_metrics``); CPU and network are
the free hypervisor metrics; TPU slices publish their duty cycle natively. The
idle watchdog's state is in guest attributes (no metric) and in its journal lines,
which the Ops Agent ships to Cloud Logging: a logs panel shows those. Billing data
is not in Cloud Monitoring, so the budget is a text tile with the amount, the
thresholds and where to look (``ailab usage STACK``, the billing console).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ailab.core import gpu_metrics as gm
from ailab.infra.dashboard_grid import Grid

COLUMNS = 48
CHART = (24, 16)
"""Width and height of a chart tile (half the dashboard)."""
ALIGNMENT = "60s"
WATCHDOG_TAG = "ailab-idle-watchdog"


@dataclass(frozen=True)
class GcpDashboardFacts:
    """Everything the dashboard shows, as resolved strings and numbers."""

    stack: str
    project: str
    region: str
    zone: str
    stack_label: str
    """Value of the ``ailab-stack`` label on the lab's machines."""
    gpu_machines: bool = False
    tpu_nodes: tuple[str, ...] = ()
    filestore: str | None = None
    auto_stop: str = "off"
    budget_usd: float | None = None
    budget_thresholds: tuple[int, ...] = ()
    billing_account: str | None = None
    tracking_db: str | None = None
    """Cloud SQL instance name of the tracking database."""
    tracking_service: str | None = None
    """Cloud Run service name of the tracking server."""


def _filter(metric: str, resource: str, *extra: str) -> str:
    return " AND ".join([f'metric.type="{metric}"', f'resource.type="{resource}"', *extra])


def _series(filter_: str, aligner: str = "ALIGN_MEAN", reducer: str | None = None,
            group_by: tuple[str, ...] = ()) -> dict[str, Any]:
    aggregation: dict[str, Any] = {"alignmentPeriod": ALIGNMENT, "perSeriesAligner": aligner}
    if reducer:
        aggregation["crossSeriesReducer"] = reducer
        aggregation["groupByFields"] = list(group_by)
    return {"timeSeriesQuery": {"timeSeriesFilter": {"filter": filter_,
                                                     "aggregation": aggregation}},
            "plotType": "LINE", "minAlignmentPeriod": ALIGNMENT}


class _Board:
    def __init__(self) -> None:
        self.grid = Grid(COLUMNS)
        self.tiles: list[dict[str, Any]] = []

    def add(self, widget: dict[str, Any], width: int, height: int) -> None:
        x, y = self.grid.place(width, height)
        self.tiles.append({"xPos": x, "yPos": y, "width": width, "height": height,
                           "widget": widget})

    def chart(self, title: str, data: list[dict[str, Any]], label: str) -> None:
        self.add({"title": title, "xyChart": {"dataSets": data, "chartOptions": {
            "mode": "COLOR"}, "yAxis": {"label": label, "scale": "LINEAR"}}}, *CHART)

    def text(self, content: str, width: int = COLUMNS, height: int = 6) -> None:
        self.add({"text": {"content": content, "format": "MARKDOWN"}}, width, height)


def dashboard_document(f: GcpDashboardFacts) -> dict[str, Any]:
    """The dashboard: GPUs, VMs, TPUs, Filestore, watchdog, budget, tracking server."""
    board = _Board()
    board.text(f"# ailab lab `{f.stack}` ({f.project}, {f.zone})\n\nVMs selected by the "
               f"label `ailab-stack={f.stack_label}`. GPU series: the Ops Agent "
               "(`agent.googleapis.com/gpu/*`); a VM without them has no agent running.")
    mine = f'metadata.user_labels."ailab-stack"="{f.stack_label}"'
    if f.gpu_machines:
        _gpu_charts(board, mine)
    if f.gpu_machines or not f.tpu_nodes:
        _vm_charts(board, mine)
    if f.tpu_nodes:
        _tpu_charts(board, f)
    if f.filestore:
        where = f'resource.labels.instance_name="{f.filestore}"'
        board.chart("Filestore home directories: bytes read / written per second", [
            _series(_filter("file.googleapis.com/nfs/server/read_bytes_count",
                            "filestore_instance", where), "ALIGN_RATE"),
            _series(_filter("file.googleapis.com/nfs/server/write_bytes_count",
                            "filestore_instance", where), "ALIGN_RATE")], "bytes/s")
    board.grid.newline()
    _auto_stop(board, f)
    _budget(board, f)
    if f.tracking_db or f.tracking_service:
        board.grid.newline()
        _tracking(board, f)
    return {"displayName": f"ailab {f.stack}"[:100], "mosaicLayout": {
        "columns": COLUMNS, "tiles": board.tiles},
        "labels": {"ailab-stack": f.stack_label}}


def _gpu_charts(board: _Board, mine: str) -> None:
    by_vm = ("metadata.system_labels.name",)
    util = _filter(gm.GCP_GPU_UTILIZATION, "gce_instance", mine)
    board.chart("GPU utilisation per VM, busiest GPU (%)",
                [_series(util, reducer="REDUCE_MAX", group_by=by_vm)], "%")
    memory = _filter(gm.GCP_GPU_MEMORY_USED, "gce_instance", mine,
                     'metric.labels.memory_state="used"')
    board.chart("GPU memory used per VM, mean over its GPUs (bytes)",
                [_series(memory, reducer="REDUCE_MEAN", group_by=by_vm)], "bytes")
    board.chart("GPU utilisation per GPU (%)", [_series(util)], "%")


def _vm_charts(board: _Board, mine: str) -> None:
    board.chart("CPU utilisation per VM", [_series(_filter(
        "compute.googleapis.com/instance/cpu/utilization", "gce_instance", mine))], "ratio")
    board.chart("Network per VM: bytes received / sent per second", [
        _series(_filter("compute.googleapis.com/instance/network/received_bytes_count",
                        "gce_instance", mine), "ALIGN_RATE"),
        _series(_filter("compute.googleapis.com/instance/network/sent_bytes_count",
                        "gce_instance", mine), "ALIGN_RATE")], "bytes/s")


def _tpu_charts(board: _Board, f: GcpDashboardFacts) -> None:
    nodes = " OR ".join(f'resource.labels.node_id="{n}"' for n in f.tpu_nodes)
    where = (f'resource.labels.zone="{f.zone}"', f"({nodes})")
    board.chart("TPU duty cycle per slice (%)", [_series(
        _filter("tpu.googleapis.com/accelerator/duty_cycle", "tpu_worker", *where),
        reducer="REDUCE_MEAN", group_by=("resource.label.node_id",))], "%")
    board.chart("TPU host CPU utilisation (%)", [_series(
        _filter("tpu.googleapis.com/cpu/utilization", "tpu_worker", *where))], "%")


def _auto_stop(board: _Board, f: GcpDashboardFacts) -> None:
    board.text(f"## Auto-stop\n\n{f.auto_stop}\n\nThe watchdog's state per VM: `gcloud "
               "compute instances get-guest-attributes VM --query-path=ailab/`.",
               width=24, height=16)
    board.add({"title": "Idle watchdog (journal lines shipped by the Ops Agent)",
               "logsPanel": {"filter": f'resource.type="gce_instance" AND '
                                       f'textPayload:"{WATCHDOG_TAG}"',
                             "resourceNames": [f"projects/{f.project}"]}}, *CHART)


def _budget(board: _Board, f: GcpDashboardFacts) -> None:
    if f.budget_usd is None:
        board.text("## Budget\n\nNo budget in this stack (`ailab:budgetMonthlyUsd` is 0).",
                   width=24, height=8)
        return
    alerts = ", ".join(f"{p}%" for p in f.budget_thresholds) or "none"
    console = (f"https://console.cloud.google.com/billing/{f.billing_account}/budgets"
               if f.billing_account else "the billing console")
    board.text(f"## Budget\n\n${f.budget_usd:,.0f} per month on the project and the label "
               f"`ailab-stack={f.stack_label}`, alerts at {alerts} of actual spend. Billing "
               "data is not a Cloud Monitoring metric: see the budget at "
               f"{console}, and this stack's spend per service and day with "
               f"`ailab usage {f.stack}` (Cloud Billing export).", width=24, height=8)


def _tracking(board: _Board, f: GcpDashboardFacts) -> None:
    if f.tracking_db:
        where = f'resource.labels.database_id="{f.project}:{f.tracking_db}"'
        board.chart("Tracking database CPU utilisation", [_series(_filter(
            "cloudsql.googleapis.com/database/cpu/utilization", "cloudsql_database",
            where))], "ratio")
    if f.tracking_service:
        where = f'resource.labels.service_name="{f.tracking_service}"'
        board.chart("Tracking server requests per second", [_series(_filter(
            "run.googleapis.com/request_count", "cloud_run_revision", where), "ALIGN_RATE",
            reducer="REDUCE_SUM", group_by=("metric.label.response_code_class",))], "req/s")
