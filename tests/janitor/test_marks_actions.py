"""Mark first, act later; final snapshots; dependency order; partial failure; regions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from ailab.janitor.actions import ACTIONS, ActOptions
from ailab.janitor.aws import AwsDriver
from ailab.janitor.config import default_policy
from ailab.janitor.engine import apply
from ailab.janitor.ledger import Lease, Ledger
from ailab.janitor.records import Action, Finding, Resource, Status

from .conftest import CallCounter, Fleet, by_id, janitor_run, policy_with

MARK = "ailab:janitor-marked"


def test_mark_then_wait_then_act_then_converge(fleet: Fleet) -> None:
    vol = fleet.volume(days=30, tags={"ailab:stack": "dev", "ailab:owner": "ana"})
    first_report = janitor_run("execute")
    first = by_id(first_report)[vol]
    assert first.status is Status.MARK
    rule, when, run_id = fleet.tags(vol)[MARK].split("@")
    assert rule == "unattached-volume" and run_id == first_report.run_id
    assert abs(datetime.fromisoformat(when) - datetime.now(UTC)).total_seconds() < 60
    # marked but not yet due: nothing happens
    waiting = by_id(janitor_run("execute", days_later=1))[vol]
    assert waiting.status is Status.WAITING
    assert fleet.exists("volume", vol)
    # due: a final snapshot is taken, then the volume is deleted
    done = by_id(janitor_run("execute", days_later=3))[vol]
    assert done.status is Status.DONE, done.detail
    assert not fleet.exists("volume", vol)
    snaps = fleet.ec2.describe_snapshots(Filters=[
        {"Name": "tag:ailab:janitor-final-snapshot-of", "Values": [vol]}])["Snapshots"]
    assert len(snaps) == 1
    carried = {t["Key"]: t["Value"] for t in snaps[0]["Tags"]}
    assert carried["ailab:owner"] == "ana"
    assert snaps[0]["SnapshotId"] in done.detail
    # a re-run converges: nothing left to do, the final snapshot is never a candidate
    again = janitor_run("execute", days_later=400)
    assert vol not in by_id(again)
    assert snaps[0]["SnapshotId"] not in by_id(again)


def test_scan_and_dry_run_change_nothing(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    driver = AwsDriver()
    counter = CallCounter(driver.session)
    for mode in ("scan", "dry-run"):
        report = janitor_run(mode, policy_with(mark_delay_days=0), driver=driver)
        assert by_id(report)[vol].status is Status.MARK
    assert counter.mutating() == []
    assert MARK not in fleet.tags(vol)


def test_marked_resource_that_is_no_longer_idle_is_unmarked(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    janitor_run("execute")
    assert MARK in fleet.tags(vol)
    iid = fleet.instance("m5.large")
    fleet.ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device="/dev/sdg")
    report = janitor_run("execute", days_later=5)
    assert by_id(report)[vol].status is Status.UNMARK
    assert MARK not in fleet.tags(vol)
    assert fleet.exists("volume", vol)


def test_mark_for_another_rule_is_replaced_not_acted_on(fleet: Fleet) -> None:
    vol = fleet.volume(days=30, tags={MARK: "expired@2000-01-01"})
    finding = by_id(janitor_run("execute"))[vol]
    assert finding.status is Status.MARK
    assert fleet.tags(vol)[MARK].startswith("unattached-volume@")


def test_stopped_instance_terminated_after_final_snapshots(fleet: Fleet) -> None:
    iid = fleet.instance("m5.large", stopped_days=40)
    root = fleet.backend.get_instance(iid).block_device_mapping["/dev/sda1"].volume_id
    policy = policy_with(mark_delay_days=0)
    janitor_run("execute", policy)
    done = by_id(janitor_run("execute", policy))[iid]
    assert done.status is Status.DONE, done.detail
    assert not fleet.exists("instance", iid)
    finals = fleet.ec2.describe_snapshots(Filters=[
        {"Name": "tag:ailab:janitor-final-snapshot-of", "Values": [root]}])["Snapshots"]
    assert len(finals) == 1


def test_no_snapshot_flag_skips_final_snapshot(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    policy = policy_with(mark_delay_days=0)
    janitor_run("execute", policy)
    done = by_id(janitor_run("execute", policy, no_snapshot=True))[vol]
    assert done.status is Status.DONE
    assert "no final snapshot" in done.detail
    assert not fleet.ec2.describe_snapshots(Filters=[
        {"Name": "tag-key", "Values": ["ailab:janitor-final-snapshot-of"]}])["Snapshots"]


def test_partial_failure_is_reported_and_run_goes_on(fleet: Fleet) -> None:
    stuck = fleet.instance("m5.large", stopped_days=40)
    fleet.ec2.modify_instance_attribute(InstanceId=stuck, DisableApiTermination={"Value": True})
    vol = fleet.volume(days=30)
    policy = policy_with(mark_delay_days=0)
    janitor_run("execute", policy)
    report = janitor_run("execute", policy)
    found = by_id(report)
    assert found[stuck].status is Status.FAILED
    assert found[vol].status is Status.DONE
    assert not report.ok


class _MemoryStore:
    scope, where = "memory", "memory"

    def __init__(self) -> None:
        self.ledger: Ledger | None = None
        self.version = 0

    def read(self) -> tuple[Ledger | None, str | None]:
        return self.ledger, str(self.version) if self.ledger else None

    def write(self, ledger: Ledger, version: str | None) -> str:
        self.ledger, self.version = ledger, self.version + 1
        return str(self.version)


class _Recorder:
    """A driver that records the order of actions (the registry dispatches by kind)."""

    cloud = "recorder"

    def __init__(self) -> None:
        self.order: list[str] = []

    def mark(self, region: str, findings: list[Finding], marks: object) -> None:
        self.order += [f"mark:{f.resource.id}" for f in findings]

    def unmark(self, region: str, findings: list[Finding]) -> None:
        self.order += [f"unmark:{f.resource.id}" for f in findings]


def test_actions_run_in_dependency_order(monkeypatch: Any) -> None:
    def due(kind: str, action: Action) -> Finding:
        res = Resource("aws", kind, f"{kind}-1", "us-east-1")
        return Finding(res, "r", action, {}, status=Status.ACT)

    def record(driver: Any, finding: Finding, opts: ActOptions) -> tuple[Status, str]:
        driver.order.append(finding.resource.id)
        return Status.DONE, "ok"

    for key in list(ACTIONS):
        monkeypatch.setitem(ACTIONS._items, key, record)

    findings = [due("snapshot", Action.DELETE), due("volume", Action.DELETE),
                due("address", Action.RELEASE), due("nat-gateway", Action.DELETE),
                due("instance", Action.TERMINATE), due("multipart-upload", Action.ABORT_UPLOAD)]
    recorder = _Recorder()
    now = datetime.now(UTC)
    lease = Lease.acquire(_MemoryStore(), "r1", now, timedelta(hours=1))
    apply(recorder, "us-east-1", findings,
          ActOptions(default_policy(), True, "r1", now, lease))
    assert recorder.order == ["multipart-upload-1", "instance-1", "nat-gateway-1",
                              "address-1", "volume-1", "snapshot-1"]


def test_regions_scanned_concurrently_and_all(fleet: Fleet) -> None:
    west = Fleet("eu-west-1")
    east_vol, west_vol = fleet.volume(days=30), west.volume(days=30)
    found = by_id(janitor_run(regions=["us-east-1", "eu-west-1"]))
    assert found[east_vol].resource.region == "us-east-1"
    assert found[west_vol].resource.region == "eu-west-1"
    driver = AwsDriver()
    assert {"us-east-1", "eu-west-1", "ap-northeast-1"} <= set(driver.regions(["all"]))
    assert driver.regions(None) == ["us-east-1"]  # AWS_REGION / AWS_DEFAULT_REGION


def test_throttling_is_retried_adaptively(fleet: Fleet) -> None:
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    vol = fleet.volume(days=30)
    driver = AwsDriver()
    client: Any = driver.client("ec2", "us-east-1")
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 11}
    sent: list[int] = []

    def throttle(**_: Any) -> AWSResponse | None:
        sent.append(1)
        if len(sent) > 2:
            return None
        body = (b"<Response><Errors><Error><Code>Throttling</Code><Message>Rate exceeded"
                b"</Message></Error></Errors></Response>")
        return AWSResponse("https://ec2", 400, HTTPHeaders(), _Raw(body))

    client.meta.events.register_first("before-send.ec2.DescribeVolumes", throttle)
    report = janitor_run(driver=driver)
    assert len(sent) >= 3
    assert by_id(report)[vol].rule == "unattached-volume"
    assert report.ok


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def test_endpoint_url_from_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    client = AwsDriver(session=boto3.Session()).client("ec2", "eu-west-1")
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"


def test_region_from_boto3_chain(fleet: Fleet, monkeypatch: Any) -> None:
    """AWS_REGION first (as the CLI v2 and other SDKs read it), then AWS_DEFAULT_REGION
    or the profile's region (botocore's own chain)."""
    import pytest

    from ailab.core.errors import JanitorError

    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert AwsDriver(session=boto3.Session()).regions(None) == ["eu-west-1"]
    monkeypatch.delenv("AWS_REGION")
    assert AwsDriver(session=boto3.Session()).regions(None) == ["us-east-1"]
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(JanitorError, match="no AWS region") as err:
        AwsDriver(session=boto3.Session()).regions(None)
    assert err.value.field == "region" and "AWS_REGION" in (err.value.hint or "")
