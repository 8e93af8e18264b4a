"""The queued-TPU dynamic provider against a fake TPU API client, and its
request checked against google-cloud-tpu's own message types."""

from __future__ import annotations

from typing import Any

import pytest
from google.cloud import tpu_v2

from ailab.infra.gcp import tpu_queue

PROPS: dict[str, Any] = {
    "kind": tpu_queue.KIND, "project": "ailab-test", "zone": "us-central1-a",
    "node_id": "lab-tpu-0", "spot": True,
    "node": {"accelerator_config": {"type": "V5LITE_POD", "topology": "2x4"},
             "runtime_version": "v2-alpha-tpuv5-lite",
             "network_config": {"network": "projects/ailab-test/global/networks/lab",
                                "subnetwork": "projects/ailab-test/regions/us-central1/"
                                              "subnetworks/lab", "enable_external_ips": False},
             "service_account": {"email": "ailab-lab@ailab-test.iam.gserviceaccount.com",
                                 "scope": ["https://www.googleapis.com/auth/cloud-platform"]},
             "labels": {"ailab-stack": "lab"}, "tags": ["ailab-lab"],
             "data_disks": [{"source_disk": "projects/ailab-test/zones/us-central1-a/disks/d",
                             "mode": "READ_WRITE"}]},
}


class FakeOperation:
    def __init__(self, result: Any) -> None:
        self._result = result
        self.timeout: float | None = None

    def result(self, timeout: float | None = None) -> Any:
        self.timeout = timeout
        return self._result


class FakeTpuClient:
    """Records calls; answers like the TPU v2 API."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def create_queued_resource(self, **kw: Any) -> FakeOperation:
        self.calls.append(("create", kw))
        created = tpu_v2.QueuedResource(kw["queued_resource"])
        created.name = f"{kw['parent']}/queuedResources/{kw['queued_resource_id']}"
        created.state = tpu_v2.QueuedResourceState(state="WAITING_FOR_RESOURCES")
        return FakeOperation(created)

    def get_queued_resource(self, **kw: Any) -> Any:
        self.calls.append(("get", kw))
        return tpu_v2.QueuedResource(name=kw["name"],
                                     state=tpu_v2.QueuedResourceState(state="ACTIVE"))

    def delete_queued_resource(self, **kw: Any) -> FakeOperation:
        self.calls.append(("delete", kw))
        return FakeOperation(None)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeTpuClient:
    fake = FakeTpuClient()
    monkeypatch.setattr(tpu_queue, "_client", lambda: fake)
    return fake


def test_body_is_a_valid_spot_queued_resource() -> None:
    message = tpu_v2.QueuedResource(tpu_queue.queued_resource_body(PROPS))
    assert "spot" in message and "guaranteed" not in message
    spec = message.tpu.node_spec[0]
    assert spec.parent == "projects/ailab-test/locations/us-central1-a"
    assert spec.node_id == "lab-tpu-0"
    assert spec.node.accelerator_config.type_ == tpu_v2.AcceleratorConfig.Type.V5LITE_POD
    assert spec.node.service_account.email.startswith("ailab-lab@")
    assert spec.node.labels["ailab-stack"] == "lab"
    assert spec.node.data_disks[0].mode == tpu_v2.AttachedDisk.DiskMode.READ_WRITE


def test_on_demand_body_has_no_spot_tier() -> None:
    message = tpu_v2.QueuedResource(tpu_queue.queued_resource_body({**PROPS, "spot": False}))
    assert "spot" not in message


def test_unknown_node_field_is_rejected_by_the_library() -> None:
    bad = {**PROPS, "node": {**PROPS["node"], "schedulingConfig": {"spot": True}}}
    with pytest.raises(ValueError):
        tpu_v2.QueuedResource(tpu_queue.queued_resource_body(bad))


def test_create_read_delete(client: FakeTpuClient) -> None:
    provider = tpu_queue.QueuedTpuProvider()
    created = provider.create(PROPS)
    name = "projects/ailab-test/locations/us-central1-a/queuedResources/lab-tpu-0"
    assert created.id == name
    assert created.outs["state"] == "WAITING_FOR_RESOURCES"
    kind, kw = client.calls[0]
    assert kind == "create" and kw["queued_resource_id"] == "lab-tpu-0"
    assert "spot" in kw["queued_resource"]
    assert provider.read(name, created.outs).outs["state"] == "ACTIVE"
    provider.delete(name, created.outs)
    assert client.calls[-1] == ("delete", {"name": name, "force": True})


def test_any_input_change_replaces() -> None:
    provider = tpu_queue.QueuedTpuProvider()
    same = provider.diff("id", {**PROPS, "state": "ACTIVE"}, PROPS)
    assert same.changes is False and not same.replaces
    changed = provider.diff("id", PROPS, {**PROPS, "spot": False})
    assert changed.changes is True and changed.replaces == ["spot"]
    assert changed.delete_before_replace is True
