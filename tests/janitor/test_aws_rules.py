"""Every AWS rule against moto, with its edge cases."""

from __future__ import annotations

from ailab.costs.catalog import HOURS_PER_MONTH
from ailab.janitor.records import Action, Status

from .conftest import LEASE_BUCKET, Fleet, by_id, janitor_run, policy_with


def test_busy_cpu_cpu_only_and_young_are_not_idle(fleet: Fleet) -> None:
    busy = fleet.instance("g4dn.xlarge", days=5)
    fleet.cpu(busy, 60.0)
    cpu_only = fleet.instance("m5.large", days=5)
    fleet.cpu(cpu_only, 0.5)
    young = fleet.instance("g4dn.xlarge", days=1)
    fleet.cpu(young, 0.5, hours=24)
    found = by_id(janitor_run())
    for iid in (busy, cpu_only, young):
        assert iid not in found


def test_stopped_instance_older_than_threshold(fleet: Fleet) -> None:
    old = fleet.instance(stopped_days=30)
    recent = fleet.instance(stopped_days=3)
    found = by_id(janitor_run())
    assert found[old].rule == "stopped-instance"
    assert found[old].action is Action.TERMINATE
    assert found[old].evidence["stopped_days"] >= 29.9
    assert found[old].monthly_usd > 0  # its root volume still bills
    assert recent not in found


def test_unattached_volume_but_not_attached_or_recent(fleet: Fleet) -> None:
    iid = fleet.instance("m5.large")
    loose = fleet.volume(days=30)
    attached = fleet.volume(days=30, attach_to=iid)
    recent = fleet.volume(days=2)
    found = by_id(janitor_run())
    assert found[loose].rule == "unattached-volume"
    assert abs(found[loose].monthly_usd - 100 * 0.08) < 1e-9
    assert attached not in found
    assert recent not in found


def test_old_snapshot_unless_used_by_ami_or_final(fleet: Fleet) -> None:
    old = fleet.snapshot(days=200)
    young = fleet.snapshot(days=10)
    _ami, in_use = fleet.ami_snapshot(days=200)
    final = fleet.snapshot(days=200, tags={"ailab:janitor-final-snapshot-of": "vol-1"})
    found = by_id(janitor_run())
    assert found[old].rule == "old-snapshot"
    for sid in (young, in_use, final):
        assert sid not in found


def test_unassociated_address(fleet: Fleet) -> None:
    iid = fleet.instance("m5.large")
    loose = fleet.address()
    used = fleet.address(attach_to=iid)
    found = by_id(janitor_run())
    assert found[loose].rule == "unassociated-address"
    assert abs(found[loose].monthly_usd - 0.005 * HOURS_PER_MONTH) < 1e-9
    assert used not in found


def test_idle_nat_gateway_needs_evidence(fleet: Fleet) -> None:
    quiet = fleet.nat_gateway(days=30)
    fleet.metric("AWS/NATGateway", "BytesOutToDestination", ("NatGatewayId", quiet), 0.0,
                 hours=168, every_h=24)
    silent = fleet.nat_gateway(days=30)  # no datapoints at all: no evidence
    busy = fleet.nat_gateway(days=30)
    young = fleet.nat_gateway(days=2)
    fleet.metric("AWS/NATGateway", "BytesOutToDestination", ("NatGatewayId", busy), 5e6,
                 hours=100, every_h=5)
    found = by_id(janitor_run("execute", policy_with(mark_delay_days=0)))
    assert found[quiet].rule == "idle-nat-gateway"
    assert found[quiet].evidence["bytes"] == 0
    assert found[silent].status is Status.UNKNOWN
    assert "daily sums" in found[silent].detail
    assert busy not in found
    assert young not in found
    again = by_id(janitor_run("execute", policy_with(mark_delay_days=0)))
    assert again[quiet].status is Status.DONE
    assert again[silent].status is Status.UNKNOWN
    assert fleet.exists("nat-gateway", silent) and not fleet.exists("nat-gateway", quiet)


def test_multipart_uploads_only_in_lab_buckets_and_bucket_kept(fleet: Fleet) -> None:
    fleet.lab_bucket("lab-data")
    fleet.lab_bucket("someone-else", lab=False)
    fleet.upload("lab-data", "ckpt/shard-1")
    fleet.upload("someone-else", "x")
    report = janitor_run("execute")
    uploads = [f for f in report.findings if f.resource.kind == "multipart-upload"]
    assert [f.resource.attrs["bucket"] for f in uploads] == ["lab-data"]
    assert uploads[0].status is Status.DONE
    assert uploads[0].monthly_usd > 0
    assert fleet.s3.list_multipart_uploads(Bucket="lab-data").get("Uploads", []) == []
    assert len(fleet.s3.list_multipart_uploads(Bucket="someone-else")["Uploads"]) == 1
    names = {b["Name"] for b in fleet.s3.list_buckets()["Buckets"]}
    assert names == {"lab-data", "someone-else", LEASE_BUCKET}


def test_expired_tag_any_kind(fleet: Fleet) -> None:
    expired = fleet.volume(days=2, tags={"ailab:expires": "2020-01-01"})
    running = fleet.instance("m5.large", tags={"ailab:expires": "2020-01-01"})
    later = fleet.volume(days=2, tags={"ailab:expires": "2999-01-01"})
    found = by_id(janitor_run())
    assert found[expired].rule == "expired"
    assert found[running].rule == "expired"
    assert found[running].action is Action.TERMINATE
    assert later not in found


def test_protected_and_allowlisted_are_reported_never_touched(fleet: Fleet) -> None:
    from ailab.janitor.config import AllowEntry

    tagged = fleet.volume(tags={"ailab:protect": "true"})
    by_name = fleet.volume(tags={"Name": "keep-me-1"})
    by_tag = fleet.volume(tags={"team": "infra"})
    policy = policy_with(mark_delay_days=0, allowlist=[
        AllowEntry(name="keep-*"), AllowEntry(tags={"team": "infra"})])
    for _ in range(2):
        report = janitor_run("execute", policy, days_later=1)
    found = by_id(report)
    for vid in (tagged, by_name, by_tag):
        assert found[vid].status is Status.PROTECTED
        assert fleet.exists("volume", vid)
        assert "ailab:janitor-marked" not in fleet.tags(vid)
    assert report.monthly_saving_usd == 0


def test_grace_period_protects_young_resources(fleet: Fleet) -> None:
    young = fleet.volume(days=0.1)
    policy = policy_with(mark_delay_days=0)
    policy.rules["unattached-volume"] = policy.rules["unattached-volume"].model_copy(
        update={"days": 0})
    report = janitor_run("execute", policy)
    assert by_id(report)[young].status is Status.TOO_YOUNG
    assert "ailab:janitor-marked" not in fleet.tags(young)
    janitor_run("execute", policy)
    assert fleet.exists("volume", young)
