"""Queued TPU slices (spot or on-demand) through the Cloud TPU v2 API.

pulumi-gcp 10's ``gcp.tpu.V2QueuedResource`` node spec carries only runtime,
accelerator type, description and network: no spot tier, no service account,
labels, tags, metadata or data disks. A slice queued through it would run as the
Compute Engine default account, unlabelled, and never on spot, all of which this
project refuses. So a queued slice is a small Pulumi dynamic resource over
google-cloud-tpu's ``TpuClient``: the same ``QueuedResource`` API object with the
full node (``queued_resource_body`` builds it; the request is checked against the
library's own message types in the tests).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

KIND = "tpu.v2.QueuedResource"
CREATE_TIMEOUT_S = 600
DELETE_TIMEOUT_S = 1200


def queued_resource_body(props: dict[str, Any]) -> dict[str, Any]:
    """The ``tpu_v2.QueuedResource`` message (as a dict) for the resource's inputs."""
    body: dict[str, Any] = {"tpu": {"node_spec": [{
        "parent": f"projects/{props['project']}/locations/{props['zone']}",
        "node_id": props["node_id"],
        "node": props["node"],
    }]}}
    if props.get("spot"):
        body["spot"] = {}
    return body


def _client() -> Any:
    """The TPU API client (application default credentials); replaced in tests."""
    from google.cloud import tpu_v2

    return tpu_v2.TpuClient()


def _message(props: dict[str, Any]) -> Any:
    from google.cloud import tpu_v2

    return tpu_v2.QueuedResource(queued_resource_body(props))


def _state(resource: Any) -> str:
    state = getattr(getattr(resource, "state", None), "state", None)
    return getattr(state, "name", str(state or "STATE_UNSPECIFIED"))


class QueuedTpuProvider(ResourceProvider):
    """Create, read and delete one queued resource; any input change replaces it
    (queued resources are immutable)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = _client()
        operation = client.create_queued_resource(
            parent=f"projects/{props['project']}/locations/{props['zone']}",
            queued_resource_id=props["node_id"], queued_resource=_message(props))
        created = operation.result(timeout=CREATE_TIMEOUT_S)
        return CreateResult(id_=created.name, outs={**props, "name": created.name,
                                                     "state": _state(created)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        current = _client().get_queued_resource(name=id_)
        return ReadResult(id_=id_, outs={**props, "name": id_, "state": _state(current)})

    def diff(self, id_: str, old: dict[str, Any], new: dict[str, Any]) -> DiffResult:
        keys = sorted(k for k in set(old) | set(new)
                      if k not in ("name", "state", "__provider") and old.get(k) != new.get(k))
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _client().delete_queued_resource(name=id_, force=True).result(timeout=DELETE_TIMEOUT_S)


class QueuedTpu(Resource):
    """One queued TPU slice; ``state`` is the queue state (WAITING_FOR_RESOURCES, ACTIVE, ...)."""

    name: pulumi.Output[str]
    state: pulumi.Output[str]

    def __init__(self, name: str, *, project: str, zone: str, node_id: str, spot: bool,
                 node: pulumi.Input[dict[str, Any]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(QueuedTpuProvider(), name, {
            "kind": KIND, "project": project, "zone": zone, "node_id": node_id, "spot": spot,
            "node": node, "name": None, "state": None}, opts)
