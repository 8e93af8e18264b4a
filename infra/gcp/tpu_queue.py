"""Queued TPU slices (spot or on-demand) through the Cloud TPU v2 API.

pulumi-gcp 10's ``gcp.tpu.V2QueuedResource`` node spec carries only runtime,
accelerator type, description and network: no spot tier, no service account,
labels, tags, metadata or data disks. A slice queued through it would run as the
Compute Engine default account, unlabelled, and never on spot, all of which this
project refuses. So a queued slice is a small Pulumi dynamic resource over
google-cloud-tpu's ``TpuClient``: the same ``QueuedResource`` API object with the
full node (``queued_resource_body`` builds it; every request is a message type of
the library, and the tests call a ``create_autospec`` of the real client and the
real client over a fake REST session).

Spot preemption: Cloud TPU moves the queued resource to ``SUSPENDING`` then
``SUSPENDED`` (its node is gone) and never brings it back by itself. ``diff``
asks the API for the live state, so ``pulumi up`` replaces (deletes, then
re-queues) a suspended or failed slice; ``read`` reports a deleted one as gone
(blank id), so ``pulumi refresh`` drops it from the state instead of failing.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

KIND = "tpu.v2.QueuedResource"
CREATE_TIMEOUT_S = 600
DELETE_TIMEOUT_S = 1200
REQUEUE_STATES = frozenset({"SUSPENDING", "SUSPENDED", "FAILED"})
"""States a queued resource never leaves by itself: the slice is gone or never came."""
OUTPUT_KEYS = frozenset({"name", "state", "__provider"})


def queued_resource_body(props: dict[str, Any]) -> dict[str, Any]:
    """The ``tpu_v2.QueuedResource`` message (as a dict) for the resource's inputs."""
    body: dict[str, Any] = {"tpu": {"node_spec": [{
        "parent": _parent(props),
        "node_id": props["node_id"],
        "node": props["node"],
    }]}}
    if props.get("spot"):
        body["spot"] = {}
    return body


def _parent(props: dict[str, Any]) -> str:
    return f"projects/{props['project']}/locations/{props['zone']}"


def _client() -> Any:
    """The TPU API client (application default credentials); replaced in tests."""
    from google.cloud import tpu_v2

    return tpu_v2.TpuClient()


def _state(resource: Any) -> str:
    state = getattr(getattr(resource, "state", None), "state", None)
    return getattr(state, "name", str(state or "STATE_UNSPECIFIED"))


def _live_state(name: str) -> str | None:
    """The queued resource's state now, or None when it no longer exists."""
    from google.api_core import exceptions
    from google.cloud import tpu_v2

    try:
        found = _client().get_queued_resource(request=tpu_v2.GetQueuedResourceRequest(name=name))
    except exceptions.NotFound:
        return None
    return _state(found)


class QueuedTpuProvider(ResourceProvider):
    """Create, read, diff and delete one queued resource; any input change replaces
    it (queued resources are immutable), and so does a suspended or failed slice."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        from google.cloud import tpu_v2

        request = tpu_v2.CreateQueuedResourceRequest(
            parent=_parent(props), queued_resource_id=props["node_id"],
            queued_resource=tpu_v2.QueuedResource(queued_resource_body(props)))
        created = _client().create_queued_resource(request=request).result(
            timeout=CREATE_TIMEOUT_S)
        return CreateResult(id_=created.name, outs={**props, "name": created.name,
                                                     "state": _state(created)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = _live_state(id_)
        if state is None:
            return ReadResult(id_="", outs={})  # blank id: the engine drops it
        return ReadResult(id_=id_, outs={**props, "name": id_, "state": state})

    def diff(self, id_: str, old: dict[str, Any], new: dict[str, Any]) -> DiffResult:
        keys = sorted(k for k in set(old) | set(new)
                      if k not in OUTPUT_KEYS and old.get(k) != new.get(k))
        if not keys:
            state = _live_state(id_)
            if state is None or state in REQUEUE_STATES:
                keys = ["state"]
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the queued resource and its node (``force``); gone already is done."""
        from google.api_core import exceptions
        from google.cloud import tpu_v2

        request = tpu_v2.DeleteQueuedResourceRequest(name=id_, force=True)
        try:
            _client().delete_queued_resource(request=request).result(timeout=DELETE_TIMEOUT_S)
        except exceptions.NotFound:
            return


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
