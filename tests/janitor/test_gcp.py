"""GCP rules and actions through a mocked HTTP transport (no network, no credentials)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.auth.credentials import AnonymousCredentials

from ailab.core.errors import JanitorError
from ailab.costs.catalog import HOURS_PER_MONTH, find_price
from ailab.janitor.config import default_policy
from ailab.janitor.engine import RunOptions, run
from ailab.janitor.gcp import GcpDriver
from ailab.janitor.records import Action, Report, Status
from ailab.janitor.rules_gcp import GCE_CPU, GCE_GPU, TPU_DUTY

from .fake_gcp import PROJECT, FakeGcp


@pytest.fixture
def gcp() -> FakeGcp:
    return FakeGcp()


def _run(gcp: FakeGcp, mode: str = "scan", delay: int = 3, regions: list[str] | None = None,
         days_later: float = 0) -> Report:
    driver = GcpDriver(project=PROJECT, credentials=AnonymousCredentials(), adapter=gcp)
    policy = default_policy()
    policy.mark_delay_days = delay
    now = datetime.now(UTC) + timedelta(days=days_later)
    return run([driver], policy, RunOptions(mode=mode, regions=regions, now=now))


def _found(report: Report) -> dict[str, object]:
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
    assert found["idle"].rule == "idle-tpu"  # type: ignore[attr-defined]
    assert found["unused"].rule == "unused-tpu"  # type: ignore[attr-defined]
    assert found["expired"].rule == "expired"  # type: ignore[attr-defined]
    assert found["keep"].status is Status.PROTECTED  # type: ignore[attr-defined]
    for name in ("busy", "young", "creating"):
        assert name not in found
    row = find_price("gcp", "tpu-v5litepod-8", "us-central1")
    assert row is not None
    assert found["idle"].monthly_usd == pytest.approx(  # type: ignore[attr-defined]
        row.price_usd_hr * HOURS_PER_MONTH)


def test_gpu_vm_idle_by_cpu_and_gpu(gcp: FakeGcp) -> None:
    idle = gcp.vm("idle-l4")
    gcp.series(GCE_CPU, gcp.instances[idle]["id"], 0.01)
    busy = gcp.vm("busy-l4")
    gcp.series(GCE_CPU, gcp.instances[busy]["id"], 0.01)
    gcp.series(GCE_GPU, gcp.instances[busy]["id"], 90.0)
    cpu_box = gcp.vm("cpu-box", machine="n2-standard-8")
    gcp.series(GCE_CPU, gcp.instances[cpu_box]["id"], 0.01)
    found = _found(_run(gcp))
    finding = found["idle-l4"]
    assert finding.rule == "idle-gpu-vm"  # type: ignore[attr-defined]
    assert finding.action is Action.STOP  # type: ignore[attr-defined]
    assert finding.evidence["cpu_percent"]["max"] == pytest.approx(1.0)  # type: ignore[attr-defined]
    assert "busy-l4" not in found and "cpu-box" not in found


def test_dry_run_only_reads(gcp: FakeGcp) -> None:
    gcp.tpu("unused")
    gcp.vm("idle")
    gcp.series(GCE_CPU, gcp.instances["idle"]["id"], 0.0)
    report = _run(gcp, mode="dry-run", delay=0)
    assert {f.status for f in report.findings} == {Status.MARK}
    assert gcp.mutating == []
    assert gcp.nodes["unused"]["labels"] == {}


def test_mark_then_act_deletes_tpu_and_stops_vm(gcp: FakeGcp) -> None:
    gcp.tpu("unused", labels={"ailab-owner": "ana"})
    gcp.vm("idle")
    gcp.series(GCE_CPU, gcp.instances["idle"]["id"], 0.0)
    first = _run(gcp, mode="execute", delay=0)
    assert {f.status for f in first.findings} == {Status.MARK}
    today = datetime.now(UTC).date().isoformat()
    assert gcp.nodes["unused"]["labels"] == {"ailab-owner": "ana",
                                             "ailab-janitor-marked": f"unused-tpu_{today}"}
    assert gcp.instances["idle"]["labels"]["ailab-janitor-marked"] == f"idle-gpu-vm_{today}"
    second = _run(gcp, mode="execute", delay=0)
    assert {f.status for f in second.findings} == {Status.DONE}, second.as_dict()
    assert "unused" not in gcp.nodes
    assert gcp.instances["idle"]["status"] == "TERMINATED"
    assert _run(gcp, mode="execute", delay=0).findings == []  # converged


def test_regions_filter_zones_and_reject_aws_names(gcp: FakeGcp) -> None:
    gcp.tpu("eu", zone="europe-west4-a")
    gcp.tpu("us")
    assert set(_found(_run(gcp, regions=["europe-west4"]))) == {"eu"}
    assert set(_found(_run(gcp))) == {"eu", "us"}
    with pytest.raises(JanitorError, match="no GCP region"):
        _run(gcp, regions=["us-east-1"])
