"""Nothing is lost under forged state: final snapshots, protected attached volumes, marks.

Every test runs the janitor with a ``Witness`` on its session, which checks at
each destructive call that the data of every volume about to go exists in a
completed snapshot of that volume taken after its mark, and that nothing
protected is touched.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ailab.janitor.aws import AwsDriver
from ailab.janitor.config import AllowEntry
from ailab.janitor.records import Report, Status

from .conftest import REGION, Fleet, by_id, janitor_run, policy_with
from .invariants import Witness

MARK = "ailab:janitor-marked"
FINAL = "ailab:janitor-final-snapshot-of"


def _run(mode: str = "execute", days_later: float = 0, **kw: Any) -> tuple[Report, Witness]:
    driver = AwsDriver()
    witness = Witness(driver.session, REGION)
    report = janitor_run(mode, kw.pop("policy", None) or policy_with(), days_later,
                         driver=driver, **kw)
    assert witness.violations == [], witness.violations
    return report, witness


def _finals(fleet: Fleet, vol: str) -> list[dict[str, Any]]:
    return list(fleet.ec2.describe_snapshots(OwnerIds=["self"], Filters=[
        {"Name": "volume-id", "Values": [vol]}])["Snapshots"])


def test_snapshot_of_another_volume_is_not_a_final_snapshot(fleet: Fleet) -> None:
    vol = fleet.volume(size=500, days=30)
    small = fleet.volume(size=8, days=30)
    forged = fleet.ec2.create_snapshot(VolumeId=small, TagSpecifications=[{
        "ResourceType": "snapshot", "Tags": [{"Key": FINAL, "Value": vol}]}])["SnapshotId"]
    _run()
    done = by_id(_run(days_later=3)[0])[vol]
    assert done.status is Status.DONE, done.detail
    assert forged not in done.detail
    own = _finals(fleet, vol)
    assert len(own) == 1 and own[0]["SnapshotId"] in done.detail
    assert own[0]["VolumeSize"] == 500


def test_snapshot_older_than_the_mark_is_not_a_final_snapshot(fleet: Fleet) -> None:
    vol = fleet.volume(days=200)
    stale = fleet.ec2.create_snapshot(VolumeId=vol, TagSpecifications=[{
        "ResourceType": "snapshot", "Tags": [{"Key": FINAL, "Value": vol}]}])["SnapshotId"]
    fleet.backend.snapshots[stale].start_time = (fleet.now - timedelta(days=120)).replace(
        tzinfo=None)
    _run()
    done = by_id(_run(days_later=3)[0])[vol]
    assert done.status is Status.DONE and stale not in done.detail
    assert len(_finals(fleet, vol)) == 2


def test_snapshot_in_error_fails_the_run_and_keeps_the_volume(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    _run()
    driver = AwsDriver()
    witness = Witness(driver.session, REGION)

    def broken(parsed: dict[str, Any], **_: Any) -> None:
        if not errored:  # the first final snapshot fails; its retry works
            errored.append(parsed["SnapshotId"])
            fleet.backend.snapshots[parsed["SnapshotId"]].status = "error"
            parsed["State"] = "error"

    errored: list[str] = []
    driver.session.events.register("after-call.ec2.CreateSnapshot", broken)
    report = janitor_run("execute", policy_with(), days_later=3, driver=driver)
    failed = by_id(report)[vol]
    assert failed.status is Status.FAILED and "error" in failed.detail
    assert not report.ok  # exit 1
    assert fleet.exists("volume", vol)
    assert witness.violations == []
    # next run: the failed snapshot does not count, the retry's does
    retried = by_id(_run(days_later=3.1)[0])[vol]
    assert retried.status is Status.DONE, retried.detail
    assert errored[0] not in retried.detail
    assert not fleet.exists("volume", vol)


def test_pending_final_snapshot_waits(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    _run()
    driver = AwsDriver()

    def slow(parsed: dict[str, Any], **_: Any) -> None:
        fleet.backend.snapshots[parsed["SnapshotId"]].status = "pending"
        parsed["State"] = "pending"

    driver.session.events.register("after-call.ec2.CreateSnapshot", slow)
    report = janitor_run("execute", policy_with(), days_later=3, driver=driver)
    assert by_id(report)[vol].status is Status.PENDING and report.ok
    assert fleet.exists("volume", vol)
    for snap in fleet.backend.snapshots.values():
        snap.status = "completed"
    assert by_id(_run(days_later=3.1)[0])[vol].status is Status.DONE
    assert len(_finals(fleet, vol)) == 1


def test_protected_root_volume_survives_its_instance(fleet: Fleet) -> None:
    iid = fleet.instance("m5.large", tags={"ailab:expires": "2020-01-01"})
    root = fleet.backend.get_instance(iid).block_device_mapping["/dev/sda1"].volume_id
    fleet.ec2.create_tags(Resources=[root], Tags=[{"Key": "ailab:protect", "Value": "true"}])
    data = fleet.volume(days=30, attach_to=iid)  # DeleteOnTermination false: kept anyway
    _run()
    done = by_id(_run(days_later=3)[0])[iid]
    assert done.status is Status.DONE, done.detail
    assert f"kept {root}" in done.detail
    assert not fleet.exists("instance", iid)
    assert fleet.exists("volume", root) and fleet.exists("volume", data)
    assert _finals(fleet, root) == []  # kept, so no snapshot needed


def test_allowlisted_root_volume_survives_and_unprotected_one_is_snapshotted(
        fleet: Fleet) -> None:
    kept = fleet.instance("m5.large", tags={"ailab:expires": "2020-01-01"})
    gone = fleet.instance("m5.large", tags={"ailab:expires": "2020-01-01"})
    kept_root = fleet.backend.get_instance(kept).block_device_mapping["/dev/sda1"].volume_id
    gone_root = fleet.backend.get_instance(gone).block_device_mapping["/dev/sda1"].volume_id
    policy = policy_with(allowlist=[AllowEntry(id=kept_root)])
    _run(policy=policy)
    report, witness = _run(days_later=3, policy=policy)
    assert {by_id(report)[i].status for i in (kept, gone)} == {Status.DONE}
    assert fleet.exists("volume", kept_root) and not fleet.exists("volume", gone_root)
    assert witness.deleted_volumes == [gone_root]
    assert len(_finals(fleet, gone_root)) == 1


def test_refuses_to_terminate_when_a_protected_volume_cannot_be_kept(fleet: Fleet) -> None:
    iid = fleet.instance("m5.large", tags={"ailab:expires": "2020-01-01"})
    root = fleet.backend.get_instance(iid).block_device_mapping["/dev/sda1"].volume_id
    fleet.ec2.create_tags(Resources=[root], Tags=[{"Key": "ailab:protect", "Value": "true"}])
    _run()
    driver = AwsDriver()
    witness = Witness(driver.session, REGION)
    driver.session.events.register(  # the attribute change is silently not applied
        "before-call.ec2.ModifyInstanceAttribute", lambda **_: (_Ok(), {}))
    report = janitor_run("execute", policy_with(), days_later=3, driver=driver)
    refused = by_id(report)[iid]
    assert refused.status is Status.FAILED and "refused to terminate" in refused.detail
    assert fleet.exists("instance", iid) and fleet.exists("volume", root)
    assert witness.violations == [] and not report.ok


class _Ok:
    status_code = 200


def test_hand_written_old_mark_restarts_the_clock(fleet: Fleet) -> None:
    vol = fleet.volume(days=30, tags={MARK: "unattached-volume@2020-01-01T00:00:00Z@rforged"})
    legacy = fleet.volume(days=30, tags={MARK: "unattached-volume@2020-01-01"})
    found = by_id(_run()[0])
    for vid in (vol, legacy):
        assert found[vid].status is Status.MARK
        assert found[vid].notice and "clock restarted" in found[vid].detail
        assert fleet.exists("volume", vid)
    assert by_id(_run(days_later=1)[0])[vol].status is Status.WAITING
    assert by_id(_run(days_later=3)[0])[vol].status is Status.DONE


def test_copied_mark_is_not_evidence(fleet: Fleet) -> None:
    first = fleet.volume(days=30)
    _run()
    genuine = fleet.tags(first)[MARK]
    copy = fleet.volume(days=30, tags={MARK: genuine})
    found = by_id(_run(days_later=3)[0])
    assert found[first].status is Status.DONE
    assert found[copy].status is Status.MARK
    assert "not made by this janitor" in found[copy].notice
    assert fleet.exists("volume", copy)


def test_future_dated_and_too_old_marks_restart_the_clock(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    report, _ = _run()
    # a mark the ledger knows, but dated a year ahead (a run with a broken clock)
    import json

    key = f"ailab-janitor/123456789012/{REGION}.json"
    ledger = json.loads(fleet.s3.get_object(Bucket="ailab-janitor-state", Key=key)["Body"]
                        .read())
    future = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ledger["marks"][vol]["at"] = future
    fleet.s3.put_object(Bucket="ailab-janitor-state", Key=key, Body=json.dumps(ledger))
    fleet.ec2.create_tags(Resources=[vol], Tags=[
        {"Key": MARK, "Value": f"unattached-volume@{future}@{report.run_id}"}])
    found = by_id(_run(days_later=3)[0])[vol]
    assert found.status is Status.MARK and "in the future" in found.notice
    # a genuine mark left for longer than mark_max_age_days (an interrupted cycle)
    old = by_id(_run(days_later=20)[0])[vol]
    assert old.status is Status.MARK and "older than mark_max_age_days" in old.notice
    assert fleet.exists("volume", vol)


def test_forged_final_snapshot_tag_on_a_snapshot_never_protects_deletion(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    other = fleet.volume(days=30, tags={"ailab:protect": "true"})
    forged = fleet.ec2.create_snapshot(VolumeId=other, TagSpecifications=[{
        "ResourceType": "snapshot", "Tags": [{"Key": FINAL, "Value": vol},
                                             {"Key": "ailab:janitor-run", "Value": "r0"}]}])
    _run()
    done = by_id(_run(days_later=3)[0])[vol]
    assert done.status is Status.DONE and forged["SnapshotId"] not in done.detail
