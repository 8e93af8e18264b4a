"""The queued-TPU dynamic provider against google-cloud-tpu itself: a
``create_autospec`` of the real ``TpuClient`` (wrong argument names raise), the
real client over a fake REST session (the wire request: method, path, query,
body), and the library's own message types for the request body."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
import requests
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import tpu_v2
from hypothesis import given, settings
from hypothesis import strategies as st

from ailab.infra.gcp import tpu_queue

NAME = "projects/ailab-test/locations/us-central1-a/queuedResources/lab-tpu-0"
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
STATES = list(tpu_v2.QueuedResourceState.State.__members__)


def _resource(state: str) -> tpu_v2.QueuedResource:
    return tpu_v2.QueuedResource(name=NAME, state=tpu_v2.QueuedResourceState(state=state))


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A create_autospec of the real client: calls must match its signatures."""
    fake = mock.create_autospec(tpu_v2.TpuClient, instance=True)
    fake.get_queued_resource.return_value = _resource("ACTIVE")
    fake.create_queued_resource.return_value.result.return_value = _resource(
        "WAITING_FOR_RESOURCES")
    monkeypatch.setattr(tpu_queue, "_client", lambda: fake)
    return fake


def _request(call: Any) -> Any:
    assert not call.args, "requests go by the request= keyword"
    return call.kwargs["request"]


def test_the_old_delete_call_is_refused_by_the_real_signature() -> None:
    fake = mock.create_autospec(tpu_v2.TpuClient, instance=True)
    with pytest.raises(TypeError, match="force"):
        fake.delete_queued_resource(name=NAME, force=True)


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


def test_create_read_delete_with_the_real_signatures(client: Any) -> None:
    provider = tpu_queue.QueuedTpuProvider()
    created = provider.create(PROPS)
    assert created.id == NAME and created.outs["state"] == "WAITING_FOR_RESOURCES"
    create = _request(client.create_queued_resource.call_args)
    assert isinstance(create, tpu_v2.CreateQueuedResourceRequest)
    assert create.queued_resource_id == "lab-tpu-0" and "spot" in create.queued_resource
    assert provider.read(NAME, created.outs).outs["state"] == "ACTIVE"
    provider.delete(NAME, created.outs)
    delete = _request(client.delete_queued_resource.call_args)
    assert delete == tpu_v2.DeleteQueuedResourceRequest(name=NAME, force=True)
    client.delete_queued_resource.return_value.result.assert_called_once_with(
        timeout=tpu_queue.DELETE_TIMEOUT_S)


def test_read_reports_a_deleted_resource_as_gone(client: Any) -> None:
    client.get_queued_resource.side_effect = exceptions.NotFound("gone")
    result = tpu_queue.QueuedTpuProvider().read(NAME, {**PROPS, "name": NAME})
    assert result.id == "" and result.outs == {}


def test_delete_of_a_resource_already_gone_succeeds(client: Any) -> None:
    client.delete_queued_resource.side_effect = exceptions.NotFound("gone")
    tpu_queue.QueuedTpuProvider().delete(NAME, PROPS)


def test_delete_failure_is_raised_so_pulumi_keeps_the_resource(client: Any) -> None:
    client.delete_queued_resource.side_effect = exceptions.ServiceUnavailable("try later")
    with pytest.raises(exceptions.ServiceUnavailable):
        tpu_queue.QueuedTpuProvider().delete(NAME, PROPS)


def test_any_input_change_replaces_without_asking_the_api(client: Any) -> None:
    changed = tpu_queue.QueuedTpuProvider().diff(NAME, PROPS, {**PROPS, "spot": False})
    assert changed.changes is True and changed.replaces == ["spot"]
    assert changed.delete_before_replace is True
    client.get_queued_resource.assert_not_called()


def test_a_suspended_slice_is_requeued_on_up(client: Any) -> None:
    client.get_queued_resource.return_value = _resource("SUSPENDED")
    diff = tpu_queue.QueuedTpuProvider().diff(NAME, {**PROPS, "state": "ACTIVE"}, PROPS)
    assert diff.changes is True and diff.replaces == ["state"]
    assert diff.delete_before_replace is True
    assert _request(client.get_queued_resource.call_args) == tpu_v2.GetQueuedResourceRequest(
        name=NAME)


@settings(max_examples=60, deadline=None)
@given(state=st.sampled_from([*STATES, None]), fault=st.booleans())
def test_diff_replaces_only_on_evidence(state: str | None, fault: bool) -> None:
    """Replace (delete + re-queue) only when the API says the slice is suspended,
    failed or gone; an API error is raised, never read as 'gone'."""
    fake = mock.create_autospec(tpu_v2.TpuClient, instance=True)
    if fault:
        fake.get_queued_resource.side_effect = exceptions.ServiceUnavailable("flaky")
    elif state is None:
        fake.get_queued_resource.side_effect = exceptions.NotFound("gone")
    else:
        fake.get_queued_resource.return_value = _resource(state)
    with mock.patch.object(tpu_queue, "_client", lambda: fake):
        if fault:
            with pytest.raises(exceptions.ServiceUnavailable):
                tpu_queue.QueuedTpuProvider().diff(NAME, PROPS, PROPS)
            return
        diff = tpu_queue.QueuedTpuProvider().diff(NAME, PROPS, PROPS)
    assert diff.changes is (state is None or state in tpu_queue.REQUEUE_STATES)


class FakeRestSession:
    """Answers the REST transport like the TPU v2 API and records each request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []

    def _answer(self, method: str, url: str, params: Any, data: Any) -> requests.Response:
        self.calls.append((method, url, dict(params or []), json.loads(data) if data else None))
        done = {"name": "projects/ailab-test/locations/us-central1-a/operations/op1",
                "done": True}
        if method == "post":
            body = {**done, "response": {
                "@type": "type.googleapis.com/google.cloud.tpu.v2.QueuedResource",
                "name": NAME, "state": {"state": "WAITING_FOR_RESOURCES"}}}
        elif method == "delete":
            body = {**done, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}}
        else:
            body = {"name": NAME, "state": {"state": "SUSPENDED"}}
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(body).encode()
        return response

    def install(self, session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        for method in ("get", "post", "delete"):
            monkeypatch.setattr(session, method, self._method(method))

    def _method(self, method: str) -> Any:
        return lambda url, params=None, data=None, **_: self._answer(method, url, params, data)


def test_the_real_client_sends_what_the_api_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    real = tpu_v2.TpuClient(credentials=AnonymousCredentials(), transport="rest")
    session = FakeRestSession()
    session.install(real._transport._session, monkeypatch)
    monkeypatch.setattr(tpu_queue, "_client", lambda: real)
    provider = tpu_queue.QueuedTpuProvider()
    created = provider.create(PROPS)
    assert provider.diff(created.id, created.outs, PROPS).replaces == ["state"]
    provider.delete(created.id, created.outs)
    (post, _, query, body), get, delete = session.calls
    assert post == "post" and query["queuedResourceId"] == "lab-tpu-0"
    assert "spot" in body and body["tpu"]["nodeSpec"][0]["nodeId"] == "lab-tpu-0"
    assert get[:2] == ("get", f"https://tpu.googleapis.com/v2/{NAME}")
    assert delete[:2] == ("delete", f"https://tpu.googleapis.com/v2/{NAME}")
    assert delete[2]["force"] == "true"
