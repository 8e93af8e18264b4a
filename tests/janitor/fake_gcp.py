"""An in-memory GCP behind a requests transport adapter: TPU v2, Compute, Monitoring.

Mounted on the sessions the janitor's GCP driver uses, it answers the REST calls
the real APIs would, keeps state (labels, deletions, stops) and records every
request, so tests can check what was called, with no network.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import requests
from requests.adapters import BaseAdapter

PROJECT = "ailab-test"
TPU_DUTY = "tpu.googleapis.com/accelerator/duty_cycle"
GCE_GPU = "agent.googleapis.com/gpu/utilization"
LEASE_BUCKET = "ailab-janitor-state"


class FakeGcp(BaseAdapter):
    """State plus a router over the REST paths the driver uses."""

    def __init__(self) -> None:
        super().__init__()
        self.zones = ["us-central1-a", "us-central1-b", "europe-west4-a"]
        self.nodes: dict[str, dict[str, Any]] = {}
        self.instances: dict[str, dict[str, Any]] = {}
        self.points: dict[tuple[str, str], list[float]] = {}
        self.gpu_points: dict[str, list[list[float]]] = {}
        self.objects: dict[tuple[str, str], tuple[bytes, int]] = {}
        self.buckets = {LEASE_BUCKET}
        self.requests: list[tuple[str, str]] = []
        self.failures: list[int] = []
        """HTTP statuses to answer the next requests with (429/5xx fault injection)."""
        self.page_size = 2
        """Items per page of aggregated instances and time series (to exercise paging)."""
        self.now = datetime.now(UTC)

    # -- seeding -------------------------------------------------------------------------
    def tpu(self, name: str, zone: str = "us-central1-a", accel: str = "v5litepod-8",
            days: float = 5, state: str = "READY", labels: dict[str, str] | None = None,
            data_disks: list[str] | None = None) -> str:
        self.nodes[name] = {
            "name": f"projects/{PROJECT}/locations/{zone}/nodes/{name}", "id": str(_number(name)),
            "acceleratorType": accel, "state": state, "labels": dict(labels or {}),
            "dataDisks": [{"sourceDisk": f"projects/{PROJECT}/zones/{zone}/disks/{d}",
                           "mode": "READ_WRITE"} for d in data_disks or []],
            "createTime": _ts(self.now - timedelta(days=days))}
        return name

    def vm(self, name: str, machine: str = "g2-standard-8", zone: str = "us-central1-b",
           days: float = 5, labels: dict[str, str] | None = None, spot: bool = False) -> str:
        self.instances[name] = {
            "name": name, "id": str(_number(name)), "zone": _zone_url(zone),
            "machineType": f"{_zone_url(zone)}/machineTypes/{machine}", "status": "RUNNING",
            "labels": dict(labels or {}), "labelFingerprint": "fp-0",
            "disks": [{"source": f"{_zone_url(zone)}/disks/{name}", "autoDelete": True,
                       "boot": True}],
            "scheduling": {"provisioningModel": "SPOT" if spot else "STANDARD"},
            "creationTimestamp": _ts(self.now - timedelta(days=days))}
        return name

    def series(self, metric: str, metric_id: str, value: float, hours: int = 24) -> None:
        self.points[(metric, metric_id)] = [value] * hours

    def gpus(self, name: str, values: list[float], hours: int = 24) -> None:
        """One Ops Agent series per GPU (metric labels gpu_number, model, uuid)."""
        self.gpu_points[self.instances[name]["id"]] = [[v] * hours for v in values]

    @property
    def mutating(self) -> list[tuple[str, str]]:
        return [(m, u) for m, u in self.requests if m != "GET"]

    # -- transport -----------------------------------------------------------------------
    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urlparse(request.url)
        self.requests.append((request.method, url.path))
        query = parse_qs(url.query)
        headers: dict[str, str] = {}
        if self.failures:
            status, payload = self.failures.pop(0), {"error": {"message": "injected"}}
        elif url.netloc.startswith("storage."):
            status, payload, headers = self._storage(request.method, url.path, query,
                                                     request.body)
        else:
            body = json.loads(request.body) if request.body else {}
            status, payload = self._route(request.method, url.netloc, url.path, query, body)
        response = requests.Response()
        response.status_code = status
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        response._content = raw
        response.headers["Content-Type"] = "application/json"
        response.headers.update(headers)
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def _storage(self, method: str, path: str, query: dict[str, list[str]],
                 body: Any) -> tuple[int, Any, dict[str, str]]:
        """Cloud Storage JSON API: media download and upload with ifGenerationMatch."""
        if method == "GET":
            match = re.fullmatch(r"/storage/v1/b/([^/]+)/o/(.+)", path)
            assert match and query.get("alt") == ["media"], path
            key = (match.group(1), unquote(match.group(2)))
            if key not in self.objects:
                return 404, {"error": {"code": 404, "message": "No such object"}}, {}
            data, generation = self.objects[key]
            return 200, data, {"x-goog-generation": str(generation)}
        match = re.fullmatch(r"/upload/storage/v1/b/([^/]+)/o", path)
        assert method == "POST" and match and query["uploadType"] == ["media"], path
        bucket, name = match.group(1), query["name"][0]
        if bucket not in self.buckets:
            return 404, {"error": {"code": 404, "message": "bucket not found"}}, {}
        current = self.objects.get((bucket, name), (b"", 0))[1]
        if int(query["ifGenerationMatch"][0]) != current:
            return 412, {"error": {"code": 412, "message": "conditionNotMet"}}, {}
        data = body if isinstance(body, bytes) else str(body).encode()
        self.objects[(bucket, name)] = (data, current + 1)
        return 200, {"name": name, "bucket": bucket, "generation": str(current + 1)}, {}

    def ledger(self, region: str) -> dict[str, Any]:
        data, _ = self.objects[(LEASE_BUCKET, f"ailab-janitor/{PROJECT}/{region}.json")]
        return dict(json.loads(data))

    def close(self) -> None:
        pass

    def _route(self, method: str, host: str, path: str, query: dict[str, list[str]],
               body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if host.startswith("tpu."):
            return self._tpu(method, path, body)
        if host.startswith("compute."):
            return self._compute(method, path, query, body)
        if host.startswith("monitoring."):
            return 200, self._monitoring(query)
        return 404, {"error": {"message": f"no route for {host}{path}"}}

    def _tpu(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/locations"):
            return 200, {"locations": [
                {"name": f"projects/{PROJECT}/locations/{z}", "locationId": z}
                for z in self.zones]}
        match = re.search(r"/locations/([^/]+)/nodes(?:/([^/:]+))?$", path)
        if not match:
            return 404, {"error": {"message": path}}
        zone, name = match.groups()
        if name is None:
            return 200, {"nodes": [n for n in self.nodes.values()
                                   if f"/locations/{zone}/" in n["name"]]}
        if name not in self.nodes:
            return 404, {"error": {"message": f"node {name} not found"}}
        if method == "PATCH":
            self.nodes[name]["labels"] = body.get("labels", {})
        elif method == "DELETE":
            del self.nodes[name]
        return 200, {"name": f"projects/{PROJECT}/locations/{zone}/operations/op-1",
                     "done": True}

    def _compute(self, method: str, path: str, query: dict[str, list[str]],
                 body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/aggregated/instances"):
            start = int(query.get("pageToken", ["0"])[0])
            page = list(self.instances.values())[start:start + self.page_size]
            items: dict[str, Any] = {}
            for inst in page:
                zone = inst["zone"].rsplit("/", 1)[-1]
                items.setdefault(f"zones/{zone}", {"instances": []})["instances"].append(
                    json.loads(json.dumps(inst)))
            more = start + self.page_size < len(self.instances)
            return 200, {"items": items, **({"nextPageToken": str(start + self.page_size)}
                                            if more else {})}
        match = re.search(r"/instances/([^/]+)/(setLabels|stop)$", path)
        if not match or match.group(1) not in self.instances:
            return 404, {"error": {"message": f"not found: {path}"}}
        inst = self.instances[match.group(1)]
        if match.group(2) == "stop":
            inst["status"] = "TERMINATED"
        elif body.get("labelFingerprint") != inst["labelFingerprint"]:
            return 412, {"error": {"message": "labelFingerprint does not match"}}
        else:
            inst["labels"] = body["labels"]
            inst["labelFingerprint"] = f"fp-{int(inst['labelFingerprint'][3:]) + 1}"
        return 200, {"kind": "compute#operation", "status": "DONE"}

    def _monitoring(self, query: dict[str, list[str]]) -> dict[str, Any]:
        wanted = re.search(r'metric.type = "([^"]+)"', query["filter"][0])
        region = re.search(r'starts_with\("([^"]+)-"\)', query["filter"][0])
        assert wanted and region, query
        series = []
        for (metric, metric_id), values in self.points.items():
            if metric != wanted.group(1) or not self._in_region(metric_id, region.group(1)):
                continue
            label = "node_id" if metric == TPU_DUTY else "instance_id"
            series.append({"metric": {"type": metric},
                           "resource": {"labels": {label: metric_id}},
                           "points": [{"value": {"doubleValue": v}} for v in values]})
        if wanted.group(1) == GCE_GPU:
            for metric_id, per_gpu in self.gpu_points.items():
                if not self._in_region(metric_id, region.group(1)):
                    continue
                series += [{"metric": {"type": GCE_GPU, "labels": {
                    "gpu_number": str(n), "model": "NVIDIA L4", "uuid": f"GPU-{metric_id}-{n}"}},
                    "resource": {"labels": {"instance_id": metric_id}},
                    "points": [{"value": {"doubleValue": v}} for v in values]}
                    for n, values in enumerate(per_gpu)]
        start = int(query.get("pageToken", ["0"])[0])
        page = series[start:start + self.page_size]
        more = start + self.page_size < len(series)
        return {"timeSeries": page,
                **({"nextPageToken": str(start + self.page_size)} if more else {})}

    def _in_region(self, metric_id: str, region: str) -> bool:
        for node in self.nodes.values():
            if node["id"] == metric_id:
                return f"/locations/{region}-" in node["name"]
        return any(i["id"] == metric_id and f"/zones/{region}-" in i["zone"]
                   for i in self.instances.values())


def _number(name: str) -> int:
    """A stable numeric id (GCP ids are int64) derived from the name."""
    return int.from_bytes(name.encode()[:7].ljust(7, b"_"), "big")


def _zone_url(zone: str) -> str:
    return f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/zones/{zone}"


def _ts(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
