"""The GCP driver: TPU VMs (google-cloud-tpu) and GPU VMs (Compute REST API).

Credentials and project come from Application Default Credentials and the usual
settings (GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CLOUD_PROJECT or
CLOUDSDK_CORE_PROJECT). Compute, Cloud Monitoring and Cloud Storage go through
``gcp_api`` (google-api-core retry and pagination over google-auth's
AuthorizedSession); the TPU GAPIC client gets the same retry. Both sessions
accept a requests transport adapter, which is how tests run offline. Actions
live in ``gcp_actions``.
"""

from __future__ import annotations

import os
import re
import threading
from datetime import datetime, timedelta
from typing import Any

from ailab.core import tags
from ailab.core.errors import JanitorError
from ailab.janitor.config import LeaseSettings
from ailab.janitor.gcp_api import GcsLedgerStore, RestApi, default_retry
from ailab.janitor.ledger import MarkRecord
from ailab.janitor.marks import mark_value
from ailab.janitor.prices import accelerator_count
from ailab.janitor.records import Finding, Resource, Status, error_message
from ailab.janitor.rules import Context, MetricQuery, Metrics
from ailab.janitor.rules_gcp import GCE_CPU

COMPUTE = "https://compute.googleapis.com/compute/v1"
MONITORING = "https://monitoring.googleapis.com/v3"
_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
KEYS = tags.GCP
PAGE_SIZE = 500
"""Compute list page size (its documented maximum, ``maxResults`` 0-500)."""
SERIES_PAGE = 100_000
"""Cloud Monitoring timeSeries.list page size (its documented maximum)."""


def region_of(zone: str) -> str:
    return zone.rsplit("-", 1)[0]


class GcpDriver:
    """Everything the engine asks of GCP, one region at a time (thread safe)."""

    cloud = "gcp"

    def __init__(self, project: str | None = None, credentials: Any = None,
                 adapter: Any = None, retry: Any = None) -> None:
        from google.auth.transport.requests import AuthorizedSession
        from google.cloud.tpu_v2 import TpuClient
        from google.cloud.tpu_v2.services.tpu.transports.rest import TpuRestTransport

        if credentials is None:
            import google.auth

            credentials, found = google.auth.default()
            project = project or found
        found_project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get(
            "CLOUDSDK_CORE_PROJECT")
        if not found_project:
            raise JanitorError("no GCP project configured", field="project",
                               hint="pass --project or set GOOGLE_CLOUD_PROJECT")
        self.project: str = found_project
        self.retry = retry if retry is not None else default_retry()
        http = AuthorizedSession(credentials)
        self.api = RestApi(http, self.retry)
        transport = TpuRestTransport(credentials=credentials)
        self.tpu = TpuClient(transport=transport)
        if adapter is not None:
            http.mount("https://", adapter)
            transport._session.mount("https://", adapter)  # the REST transport's session
        self._lock = threading.Lock()
        self._zones: list[str] | None = None
        self._instances: list[dict[str, Any]] | None = None

    # -- regions and inventory ---------------------------------------------------------
    def zones(self) -> list[str]:
        with self._lock:
            if self._zones is None:
                from google.cloud.location import locations_pb2

                request = locations_pb2.ListLocationsRequest(name=f"projects/{self.project}")
                pager = self.tpu.list_locations(request, retry=self.retry)
                self._zones = sorted(loc.location_id for loc in pager.locations)
            return self._zones

    def regions(self, wanted: list[str] | None) -> list[str]:
        known = sorted({region_of(z) for z in self.zones()}
                       | {region_of(i["zone"]) for i in self._all_instances()})
        if not wanted or "all" in wanted:
            return known
        mine = [r for r in dict.fromkeys(wanted) if _REGION.match(r)]
        if not mine:
            raise JanitorError(f"no GCP region among {', '.join(wanted)}", field="region",
                               hint="pass a GCP region such as us-central1, or all")
        return mine

    def _all_instances(self) -> list[dict[str, Any]]:
        """Every VM of the project from one paginated aggregated list (cached per run)."""
        with self._lock:
            if self._instances is None:
                url = f"{COMPUTE}/projects/{self.project}/aggregated/instances"
                found = list(self.api.pages(
                    url, "items", {"maxResults": PAGE_SIZE, "returnPartialSuccess": "true"},
                    flatten=_scoped_instances))
                for inst in found:
                    inst["zone"] = inst["zone"].rsplit("/", 1)[-1]
                self._instances = found
            return self._instances

    def scan(self, region: str, kinds: set[str], ctx: Context,
             lab_buckets: tuple[str, list[str]]) -> list[Resource]:
        found: list[Resource] = []
        if "tpu-node" in kinds:
            for zone in (z for z in self.zones() if region_of(z) == region):
                parent = f"projects/{self.project}/locations/{zone}"
                found += [_tpu_resource(node, zone)
                          for node in self.tpu.list_nodes(parent=parent, retry=self.retry)]
        if "gce-instance" in kinds:
            found += [_gce_resource(inst) for inst in self._all_instances()
                      if region_of(inst["zone"]) == region]
        return found

    # -- metrics -------------------------------------------------------------------------
    def metrics(self, region: str, wanted: list[tuple[str, MetricQuery]],
                now: datetime) -> Metrics:
        """One timeSeries.list (paginated) per metric type for the whole region; a
        per-series query keeps each series apart by its metric labels (``gpu_number``)."""
        groups: dict[tuple[str, float, int], dict[str, list[tuple[str, MetricQuery]]]] = {}
        for res_id, q in wanted:
            by_id = groups.setdefault((q.name, q.window_h, q.period_s), {})
            by_id.setdefault(dict(q.dimensions)["resource_id"], []).append((res_id, q))
        found: Metrics = {(res_id, q.key): {} for res_id, q in wanted}
        for (metric, window_h, period_s), by_id in groups.items():
            scale = 100.0 if metric == GCE_CPU else 1.0
            for metric_id, label, values in self._series(metric, region, now, window_h,
                                                         period_s):
                for res_id, q in by_id.get(metric_id, []):
                    series = found[(res_id, q.key)].setdefault(label if q.per_series else "",
                                                               [])
                    series.extend(v * scale for v in values)
        return found

    def _series(self, metric: str, region: str, now: datetime, window_h: float,
                period_s: int) -> list[tuple[str, str, list[float]]]:
        params: dict[str, Any] = {
            "filter": f'metric.type = "{metric}" AND '
                      f'resource.labels.zone = starts_with("{region}-")',
            "interval.startTime": (now - timedelta(hours=window_h)).isoformat(),
            "interval.endTime": now.isoformat(),
            "aggregation.alignmentPeriod": f"{period_s}s",
            "aggregation.perSeriesAligner": "ALIGN_MEAN",
            "pageSize": SERIES_PAGE,
        }
        out = []
        for ts in self.api.pages(f"{MONITORING}/projects/{self.project}/timeSeries",
                                 "timeSeries", params):
            labels = ts.get("resource", {}).get("labels", {})
            metric_id = labels.get("node_id") or labels.get("instance_id", "")
            metric_labels = ts.get("metric", {}).get("labels", {})
            label = ",".join(f"{k}={v}" for k, v in sorted(metric_labels.items())
                             if k != "uuid")
            out.append((metric_id, label, [_point(p) for p in ts.get("points", [])]))
        return out

    # -- ledger, marks -------------------------------------------------------------------
    def ledger_store(self, region: str, settings: LeaseSettings) -> GcsLedgerStore | None:
        if not settings.gcs_bucket:
            return None
        return GcsLedgerStore(self.api, settings.gcs_bucket,
                              f"{settings.prefix}{self.project}/{region}.json",
                              f"gcp project {self.project} region {region}")

    def mark(self, region: str, findings: list[Finding],
             marks: dict[str, MarkRecord]) -> None:
        for f in findings:
            labels = dict(f.resource.tags)
            labels[KEYS.janitor_mark] = mark_value("gcp", marks[f.resource.id])
            self._relabel(f, labels, "marked")

    def unmark(self, region: str, findings: list[Finding]) -> None:
        for f in findings:
            labels = {k: v for k, v in f.resource.tags.items() if k != KEYS.janitor_mark}
            self._relabel(f, labels, "mark removed")

    def _relabel(self, finding: Finding, labels: dict[str, str], done: str) -> None:
        try:
            self.set_labels(finding.resource, labels)
        except Exception as exc:  # noqa: BLE001 - reported per finding, run goes on
            finding.status, finding.detail = Status.FAILED, f"{done} failed: {error_message(exc)}"
            return
        finding.detail = f"{done}; {finding.detail}"

    def set_labels(self, res: Resource, labels: dict[str, str]) -> None:
        if res.kind == "tpu-node":
            from google.cloud.tpu_v2.types import Node
            from google.protobuf.field_mask_pb2 import FieldMask

            self.tpu.update_node(node=Node(name=res.attrs["full_name"], labels=labels),
                                 update_mask=FieldMask(paths=["labels"]), retry=self.retry)
            return
        body = {"labels": labels, "labelFingerprint": res.attrs.get("fingerprint", "")}
        self.api.call("POST", f"{instance_url(self.project, res)}/setLabels", json=body)


def _scoped_instances(page: dict[str, Any]) -> list[Any]:
    """aggregatedList answers ``items: {"zones/x": {"instances": [...]}}``: flatten it."""
    return [inst for scoped in page.get("items", {}).values()
            for inst in scoped.get("instances", [])]


def _tpu_resource(node: Any, zone: str) -> Resource:
    short = node.name.rsplit("/", 1)[-1]
    sched = node.scheduling_config
    created = node.create_time if node.create_time and node.create_time.year > 1970 else None
    return Resource(
        cloud="gcp", kind="tpu-node", id=short, region=region_of(zone),
        state=node.State(node.state).name, created=created, tags=dict(node.labels),
        attrs={"full_name": node.name, "zone": zone, "metric_id": str(node.id or short),
               "instance_type": f"tpu-{node.accelerator_type}",
               "spot": bool(sched and (sched.spot or sched.preemptible)),
               "data_disks": [d.source_disk for d in node.data_disks]})


def _gce_resource(inst: dict[str, Any]) -> Resource:
    machine = inst.get("machineType", "").rsplit("/", 1)[-1]
    region = region_of(inst["zone"])
    guest = sum(int(a.get("acceleratorCount", 0)) for a in inst.get("guestAccelerators", []))
    scheduling = inst.get("scheduling", {})
    return Resource(
        cloud="gcp", kind="gce-instance", id=inst["name"], region=region,
        state=inst.get("status", ""), created=_parse_time(inst.get("creationTimestamp")),
        tags=dict(inst.get("labels", {})),
        attrs={"zone": inst["zone"], "metric_id": str(inst.get("id", "")),
               "instance_type": machine, "fingerprint": inst.get("labelFingerprint", ""),
               "gpus": guest or accelerator_count("gcp", machine, region),
               "disks": [{"source": d.get("source", ""), "auto_delete": d.get("autoDelete")}
                         for d in inst.get("disks", [])],
               "spot": scheduling.get("provisioningModel") == "SPOT"
               or bool(scheduling.get("preemptible"))})


def instance_url(project: str, res: Resource) -> str:
    return f"{COMPUTE}/projects/{project}/zones/{res.attrs['zone']}/instances/{res.id}"


def _parse_time(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


def _point(point: dict[str, Any]) -> float:
    value = point.get("value", {})
    return float(value.get("doubleValue", value.get("int64Value", 0)))
