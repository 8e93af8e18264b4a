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
from urllib.parse import parse_qs, urlparse

import requests
from requests.adapters import BaseAdapter

PROJECT = "ailab-test"
TPU_DUTY = "tpu.googleapis.com/accelerator/duty_cycle"


class FakeGcp(BaseAdapter):
    """State plus a router over the REST paths the driver uses."""

    def __init__(self) -> None:
        super().__init__()
        self.zones = ["us-central1-a", "us-central1-b", "europe-west4-a"]
        self.nodes: dict[str, dict[str, Any]] = {}
        self.instances: dict[str, dict[str, Any]] = {}
        self.points: dict[tuple[str, str], list[float]] = {}
        self.requests: list[tuple[str, str]] = []
        self.now = datetime.now(UTC)

    # -- seeding -------------------------------------------------------------------------
    def tpu(self, name: str, zone: str = "us-central1-a", accel: str = "v5litepod-8",
            days: float = 5, state: str = "READY", labels: dict[str, str] | None = None) -> str:
        self.nodes[name] = {
            "name": f"projects/{PROJECT}/locations/{zone}/nodes/{name}", "id": str(_number(name)),
            "acceleratorType": accel, "state": state, "labels": dict(labels or {}),
            "createTime": _ts(self.now - timedelta(days=days))}
        return name

    def vm(self, name: str, machine: str = "g2-standard-8", zone: str = "us-central1-b",
           days: float = 5, labels: dict[str, str] | None = None) -> str:
        self.instances[name] = {
            "name": name, "id": str(_number(name)), "zone": _zone_url(zone),
            "machineType": f"{_zone_url(zone)}/machineTypes/{machine}", "status": "RUNNING",
            "labels": dict(labels or {}), "labelFingerprint": "fp-0",
            "creationTimestamp": _ts(self.now - timedelta(days=days))}
        return name

    def series(self, metric: str, metric_id: str, value: float, hours: int = 24) -> None:
        self.points[(metric, metric_id)] = [value] * hours

    @property
    def mutating(self) -> list[tuple[str, str]]:
        return [(m, u) for m, u in self.requests if m != "GET"]

    # -- transport -----------------------------------------------------------------------
    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urlparse(request.url)
        self.requests.append((request.method, url.path))
        body = json.loads(request.body) if request.body else {}
        status, payload = self._route(request.method, url.netloc, url.path,
                                      parse_qs(url.query), body)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(payload).encode()
        response.headers["Content-Type"] = "application/json"
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def close(self) -> None:
        pass

    def _route(self, method: str, host: str, path: str, query: dict[str, list[str]],
               body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if host.startswith("tpu."):
            return self._tpu(method, path, body)
        if host.startswith("compute."):
            return self._compute(method, path, body)
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

    def _compute(self, method: str, path: str,
                 body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/aggregated/instances"):
            items: dict[str, Any] = {}
            for inst in self.instances.values():
                zone = inst["zone"].rsplit("/", 1)[-1]
                items.setdefault(f"zones/{zone}", {"instances": []})["instances"].append(
                    json.loads(json.dumps(inst)))
            return 200, {"items": items}
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
        return {"timeSeries": series}

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
