"""GCP rules and actions through a fake HTTP transport (no network, no credentials):
the real google-auth session, TPU GAPIC client and google-api-core retry and paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from ailab.core.errors import JanitorError, LeaseHeldError
from ailab.costs.catalog import HOURS_PER_MONTH, find_price
from ailab.janitor.config import LeaseSettings, Policy, default_policy
from ailab.janitor.engine import RunOptions, run
from ailab.janitor.gcp import GcpDriver
from ailab.janitor.gcp_api import default_retry
from ailab.janitor.records import Action, Finding, Report, Status
from ailab.janitor.rules_gcp import GCE_CPU, TPU_DUTY

from .fake_gcp import LEASE_BUCKET, PROJECT, FakeGcp


@pytest.fixture
def gcp() -> FakeGcp:
    return FakeGcp()


def _policy(delay: int = 3) -> Policy:
    policy = default_policy()
    policy.mark_delay_days = delay
    policy.lease = LeaseSettings(gcs_bucket=LEASE_BUCKET)
    return policy


def _driver(gcp: FakeGcp, deadline_s: float = 5.0) -> GcpDriver:
    return GcpDriver(project=PROJECT, credentials=AnonymousCredentials(), adapter=gcp,
                     retry=default_retry(deadline_s=deadline_s, initial_s=0.01))


def _run(gcp: FakeGcp, mode: str = "scan", delay: int = 3, regions: list[str] | None = None,
         days_later: float = 0, policy: Policy | None = None, **driver: Any) -> Report:
    now = datetime.now(UTC) + timedelta(days=days_later)
    return run([_driver(gcp, **driver)], policy or _policy(delay),
               RunOptions(mode=mode, regions=regions, now=now))


def _found(report: Report) -> dict[str, Finding]:
    return {f.resource.id: f for f in report.findings}


def test_tpu_rules_idle_unused_busy_young_expired_protected(gcp: FakeGcp) -> None:
    gcp.series(TPU_DUTY, gcp.nodes[gcp.tpu("idle")]["id"], 1.0)
    gcp.series(TPU_DUTY, gcp.nodes[gcp.tpu("busy")]["id"], 80.0)
    gcp.tpu("unused")
    gcp.tpu("young", days=0.5)
    gcp.tpu("expired", labels={"ailab-expires": "2020-01-01"})
    gcp.tpu("keep", labels={"ailab-protect": "true"})
    gcp.tpu("creating", state="CREATING")
    found = _found(_run(gcp))
    assert found["idle"].rule == "idle-tpu"
    assert found["unused"].rule == "unused-tpu"
    assert found["unused"].status is Status.UNKNOWN
    assert found["expired"].rule == "expired"
    assert found["keep"].status is Status.PROTECTED
    for name in ("busy", "young", "creating"):
        assert name not in found
    row = find_price("gcp", "tpu-v5litepod-8", "us-central1")
    assert row is not None
    assert found["idle"].monthly_usd == pytest.approx(row.price_usd_hr * HOURS_PER_MONTH)


def test_unused_tpu_is_never_deleted_on_missing_data(gcp: FakeGcp) -> None:
    gcp.tpu("silent")
    for days in (0, 1, 5, 30):
        report = _run(gcp, "execute", delay=0, days_later=days)
        assert _found(report)["silent"].status is Status.UNKNOWN
    assert "silent" in gcp.nodes and gcp.nodes["silent"]["labels"] == {}
    assert not [r for r in gcp.mutating if "/nodes/" in r[1]]


def test_idle_tpu_delete_keeps_data_disks(gcp: FakeGcp) -> None:
    gcp.series(TPU_DUTY, gcp.nodes[gcp.tpu("idle", data_disks=["ckpt"])]["id"], 0.5)
    _run(gcp, "execute", delay=0)
    done = _found(_run(gcp, "execute", delay=0))["idle"]
    assert done.status is Status.DONE and "data disks kept: ckpt" in done.detail
    assert "idle" not in gcp.nodes


def test_gpu_vm_every_gpu_and_cpu_decide(gcp: FakeGcp) -> None:
    idle = gcp.vm("idle-a3", machine="a3-highgpu-8g")
    gcp.series(GCE_CPU, gcp.instances[idle]["id"], 0.01)
    gcp.gpus(idle, [0.0, 1.0, 2.0, 0.5, 0.0, 1.5, 0.0, 2.0])
    training = gcp.vm("training-a3", machine="a3-highgpu-8g")
    gcp.series(GCE_CPU, gcp.instances[training]["id"], 0.0385)  # 3.85 % CPU
    gcp.gpus(training, [95.0] * 8)
    one_busy = gcp.vm("one-busy", machine="a3-highgpu-8g")
    gcp.series(GCE_CPU, gcp.instances[one_busy]["id"], 0.01)
    gcp.gpus(one_busy, [0.0] * 7 + [90.0])
    no_agent = gcp.vm("no-agent", machine="a3-highgpu-8g")
    gcp.series(GCE_CPU, gcp.instances[no_agent]["id"], 0.01)
    missing_gpu = gcp.vm("seven-of-eight", machine="a3-highgpu-8g")
    gcp.series(GCE_CPU, gcp.instances[missing_gpu]["id"], 0.01)
    gcp.gpus(missing_gpu, [0.0] * 7)
    found = _found(_run(gcp))
    assert found["idle-a3"].rule == "idle-gpu-vm"
    assert found["idle-a3"].action is Action.STOP
    assert found["idle-a3"].evidence["gpu_series"] == 8
    assert found["idle-a3"].evidence["cpu_percent"]["max"] == pytest.approx(1.0)
    assert "training-a3" not in found and "one-busy" not in found
    assert found["no-agent"].status is Status.UNKNOWN
    assert "no GPU utilisation series" in found["no-agent"].detail
    assert found["seven-of-eight"].status is Status.UNKNOWN
    assert "7 of 8 GPUs" in found["seven-of-eight"].detail


def test_gpu_vm_without_agent_can_opt_in_to_cpu_only(gcp: FakeGcp) -> None:
    vm = gcp.vm("no-agent")
    gcp.series(GCE_CPU, gcp.instances[vm]["id"], 0.01)
    policy = _policy()
    policy.rules["idle-gpu-vm"] = policy.rules["idle-gpu-vm"].model_copy(
        update={"require_gpu_metric": False})
    finding = _found(_run(gcp, policy=policy))["no-agent"]
    assert finding.status is Status.MARK
    assert "require_gpu_metric: false" in str(finding.evidence["gpu_percent"])


def test_dry_run_only_reads(gcp: FakeGcp) -> None:
    gcp.tpu("expired", labels={"ailab-expires": "2020-01-01"})
    vm = gcp.vm("idle")
    gcp.series(GCE_CPU, gcp.instances[vm]["id"], 0.0)
    gcp.gpus(vm, [0.0])
    report = _run(gcp, mode="dry-run", delay=0)
    assert {f.status for f in report.findings} == {Status.MARK}
    assert gcp.mutating == []
    assert gcp.nodes["expired"]["labels"] == {"ailab-expires": "2020-01-01"}


def test_mark_then_act_deletes_tpu_and_stops_spot_vm(gcp: FakeGcp) -> None:
    gcp.tpu("expired", labels={"ailab-owner": "ana", "ailab-expires": "2020-01-01"})
    gcp.vm("idle", spot=True)
    gcp.series(GCE_CPU, gcp.instances["idle"]["id"], 0.0)
    gcp.gpus("idle", [0.0])
    first = _run(gcp, mode="execute", delay=0)
    assert {f.status for f in first.findings} == {Status.MARK}
    label = gcp.nodes["expired"]["labels"]["ailab-janitor-marked"]
    rule, _when, run_id = label.split("_")
    assert rule == "expired" and run_id == first.run_id
    assert gcp.ledger("us-central1")["marks"]["expired"]["run"] == first.run_id
    assert gcp.instances["idle"]["labels"]["ailab-janitor-marked"].startswith("idle-gpu-vm_")
    second = _run(gcp, mode="execute", delay=0)
    assert {f.status for f in second.findings} == {Status.DONE}, second.as_dict()
    assert "expired" not in gcp.nodes
    assert gcp.instances["idle"]["status"] == "TERMINATED"  # stopped, disks kept
    assert gcp.instances["idle"]["disks"][0]["source"].endswith("/disks/idle")
    assert not [r for r in gcp.mutating if r[0] == "DELETE" and "/instances/" in r[1]]
    assert _run(gcp, mode="execute", delay=0).findings == []  # converged


def test_forged_label_restarts_the_clock(gcp: FakeGcp) -> None:
    gcp.tpu("expired", labels={"ailab-expires": "2020-01-01",
                               "ailab-janitor-marked": "expired_20200101t000000z_rforged0001"})
    finding = _found(_run(gcp, mode="execute", delay=3))["expired"]
    assert finding.status is Status.MARK
    assert "not made by this janitor" in finding.notice
    assert "expired" in gcp.nodes


def test_lease_held_by_another_run(gcp: FakeGcp) -> None:
    gcp.tpu("expired", labels={"ailab-expires": "2020-01-01"})
    from ailab.janitor.ledger import Lease

    store = _driver(gcp).ledger_store("us-central1", _policy().lease)
    assert store is not None
    Lease.acquire(store, "rother", datetime.now(UTC), timedelta(hours=1))
    with pytest.raises(LeaseHeldError, match="rother"):
        _run(gcp, mode="execute", delay=0)
    # only lease objects were written: the other region's lease, taken and given back
    assert {path for _m, path in gcp.mutating} == {"/upload/storage/v1/b/ailab-janitor-state/o"}
    assert gcp.ledger("europe-west4")["holder"] is None
    assert gcp.ledger("us-central1")["holder"] == "rother"
    assert gcp.nodes["expired"]["labels"] == {"ailab-expires": "2020-01-01"}


def test_429_and_5xx_are_retried_and_lists_are_paged(gcp: FakeGcp) -> None:
    for i in range(5):
        gcp.vm(f"vm-{i}")
    gcp.failures = [429, 503, 500]
    report = _run(gcp)
    assert report.ok and gcp.failures == []
    assert len([r for r in gcp.requests if r[1].endswith("/aggregated/instances")]) == 3
    gcp.failures = [502, 429]  # now on the Compute list itself
    driver = _driver(gcp)
    driver._zones = []
    assert [r for r in driver.regions(None)] == ["us-central1"]
    assert gcp.failures == []


def test_retry_stops_at_its_deadline_and_reports(gcp: FakeGcp) -> None:
    gcp.tpu("idle")
    gcp.failures = [503] * 10_000
    report = _run(gcp, deadline_s=0.3)
    assert not report.ok
    assert "503" in report.errors[0].message or "Timeout" in report.errors[0].message


def test_regions_filter_zones_and_reject_aws_names(gcp: FakeGcp) -> None:
    gcp.tpu("eu", zone="europe-west4-a", labels={"ailab-expires": "2020-01-01"})
    gcp.tpu("us", labels={"ailab-expires": "2020-01-01"})
    assert set(_found(_run(gcp, regions=["europe-west4"]))) == {"eu"}
    assert set(_found(_run(gcp))) == {"eu", "us"}
    with pytest.raises(JanitorError, match="no GCP region"):
        _run(gcp, regions=["us-east-1"])
