"""AWS actions, one registered function per (kind, action), and the final-snapshot rule.

Nothing is lost:

- A volume is deleted (alone, or with its instance) only once it has a *final
  snapshot*: a snapshot whose ``VolumeId`` is that volume, tagged by a run of
  this janitor (its ledger knows the run), started at or after the mark the
  action acts on, and ``completed``. Any other snapshot (another volume's, one
  older than the mark, one someone tagged by hand) does not count. A final
  snapshot in ``error`` fails the action (exit 1), keeps the volume and starts a
  new one.
- Before an instance is terminated its volumes are read afresh: a protected or
  allowlisted volume that would be deleted with it (DeleteOnTermination) is
  switched to DeleteOnTermination=false first, and the switch is read back; if
  it cannot be, the terminate is refused. Every other volume deleted with it
  gets a final snapshot first.
- Stopping keeps every EBS volume, so a stop needs neither.
"""

from __future__ import annotations

from typing import Any

from ailab.core import tags
from ailab.janitor.actions import ActOptions, Outcome, action
from ailab.janitor.aws import AwsDriver
from ailab.janitor.aws_inventory import block_devices, tags_of
from ailab.janitor.driver import Driver
from ailab.janitor.marks import protection
from ailab.janitor.records import Action, Finding, Resource, Status

KEYS = tags.AWS


def _aws(driver: Driver) -> AwsDriver:
    if not isinstance(driver, AwsDriver):
        raise TypeError(f"an AWS action got a {driver.cloud} driver")
    return driver


def _ec2(driver: Driver, res: Resource) -> Any:
    return _aws(driver).client("ec2", res.region)


@action("multipart-upload", Action.ABORT_UPLOAD)
def abort_upload(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    res = finding.resource
    _aws(driver).client("s3", res.region).abort_multipart_upload(
        Bucket=res.attrs["bucket"], Key=res.attrs["key"], UploadId=res.attrs["upload_id"])
    return Status.DONE, "upload aborted (bucket kept)"


@action("instance", Action.STOP)
def stop_instance(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    res, ec2 = finding.resource, _ec2(driver, finding.resource)
    ec2.stop_instances(InstanceIds=[res.id])
    ec2.delete_tags(Resources=[res.id], Tags=[{"Key": KEYS.janitor_mark}])
    return Status.DONE, "stop requested (EBS volumes kept), mark removed"


@action("address", Action.RELEASE)
def release_address(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    _ec2(driver, finding.resource).release_address(AllocationId=finding.resource.id)
    return Status.DONE, "released"


@action("nat-gateway", Action.DELETE)
def delete_nat_gateway(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    _ec2(driver, finding.resource).delete_nat_gateway(NatGatewayId=finding.resource.id)
    return Status.DONE, "delete requested"


@action("snapshot", Action.DELETE)
def delete_snapshot(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    _ec2(driver, finding.resource).delete_snapshot(SnapshotId=finding.resource.id)
    return Status.DONE, "deleted"


@action("volume", Action.DELETE)
def delete_volume(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    res, ec2 = finding.resource, _ec2(driver, finding.resource)
    now = ec2.describe_volumes(VolumeIds=[res.id])["Volumes"][0]
    if now["State"] != "available" or now.get("Attachments"):
        return Status.FAILED, "refused: the volume is attached again; kept"
    if opts.final_snapshot:
        blocked, note = _finals(ec2, [res.id], finding, opts)
        if blocked is not None:
            return blocked, note
    else:
        note = "no final snapshot (--no-snapshot)"
    ec2.delete_volume(VolumeId=res.id)
    return Status.DONE, f"deleted; {note}"


@action("instance", Action.TERMINATE)
def terminate_instance(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    res, ec2 = finding.resource, _ec2(driver, finding.resource)
    reservations = ec2.describe_instances(InstanceIds=[res.id])["Reservations"]
    devices = block_devices(reservations[0]["Instances"][0])
    doomed = [d for d in devices if d["delete_on_termination"]]
    vols = _volumes(ec2, [d["volume_id"] for d in doomed], res.region)
    keep = [d for d in doomed if d["volume_id"] in vols
            and protection(vols[d["volume_id"]], opts.policy)]
    if keep:
        refused = _keep_volumes(ec2, res.id, keep)
        if refused:
            return Status.FAILED, f"refused to terminate: {refused}"
    kept = {d["volume_id"] for d in keep}
    deleted = [d["volume_id"] for d in doomed if d["volume_id"] not in kept]
    note = "no volume deleted with it"
    if deleted and opts.final_snapshot:
        blocked, note = _finals(ec2, deleted, finding, opts)
        if blocked is not None:
            return blocked, note
    elif deleted:
        note = "no final snapshot (--no-snapshot)"
    ec2.terminate_instances(InstanceIds=[res.id])
    if kept:
        note += f"; kept {', '.join(sorted(kept))} (protected: DeleteOnTermination set false)"
    return Status.DONE, f"terminated; {note}"


def _volumes(ec2: Any, ids: list[str], region: str) -> dict[str, Resource]:
    if not ids:
        return {}
    answer = ec2.describe_volumes(VolumeIds=ids)["Volumes"]
    return {v["VolumeId"]: Resource("aws", "volume", v["VolumeId"], region, v["State"],
                                    v.get("CreateTime"), tags_of(v.get("Tags")))
            for v in answer}


def _keep_volumes(ec2: Any, instance_id: str, keep: list[dict[str, Any]]) -> str:
    """Set DeleteOnTermination=false on the kept volumes and read it back; '' when done,
    else why the terminate must be refused."""
    try:
        ec2.modify_instance_attribute(InstanceId=instance_id, BlockDeviceMappings=[
            {"DeviceName": d["device"], "Ebs": {"DeleteOnTermination": False}} for d in keep])
    except Exception as exc:  # noqa: BLE001 - refusing is the safe answer
        return f"could not keep protected volumes ({type(exc).__name__}: {exc})"
    fresh = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    still = [d["volume_id"] for d in block_devices(fresh)
             if d["delete_on_termination"] and d["volume_id"] in {k["volume_id"] for k in keep}]
    return f"protected volumes {', '.join(still)} would be deleted with it" if still else ""


def _finals(ec2: Any, vol_ids: list[str], finding: Finding,
            opts: ActOptions) -> tuple[Status | None, str]:
    """(None, note) when every volume has a final snapshot; else the status to report."""
    since = finding.marked_at
    if since is None:
        return Status.FAILED, "refused: no verified mark to date a final snapshot against"
    done: list[str] = []
    pending: list[str] = []
    failed: list[str] = []
    for vol in vol_ids:
        state, snap = _final_snapshot(ec2, vol, since, finding.resource, opts)
        {"completed": done, "pending": pending}.get(state, failed).append(snap)
    if failed:
        return Status.FAILED, (f"final snapshot ended in error: {', '.join(failed)}; "
                               "volumes kept (the next run starts a new one)")
    if pending:
        return Status.PENDING, f"final snapshot in progress: {', '.join(pending)}"
    return None, "final snapshot " + ", ".join(done)


def _final_snapshot(ec2: Any, vol: str, since: Any, owner: Resource,
                    opts: ActOptions) -> tuple[str, str]:
    """The state of the volume's final snapshot ('completed', 'pending' or 'error') and
    its id, starting one when there is none (or only failed ones)."""
    snaps = ec2.describe_snapshots(OwnerIds=["self"], Filters=[
        {"Name": "volume-id", "Values": [vol]},
        {"Name": f"tag:{KEYS.janitor_final_snapshot}", "Values": [vol]}])["Snapshots"]
    valid = [s for s in snaps if _is_final(s, vol, since, opts)]
    for state in ("completed", "pending"):
        found = [s["SnapshotId"] for s in valid if s["State"] == state]
        if found:
            return state, found[0]
    state, snap = _start_snapshot(ec2, vol, owner, opts)
    if state == "error":
        earlier = [s["SnapshotId"] for s in valid if s["State"] == "error"]
        return "error", ", ".join([*earlier, snap])
    return state, snap  # a fresh attempt supersedes earlier failed ones


def _is_final(snap: dict[str, Any], vol: str, since: Any, opts: ActOptions) -> bool:
    """Taken of this volume, by a run of this janitor, at or after the mark."""
    snap_tags = tags_of(snap.get("Tags"))
    return (snap.get("VolumeId") == vol
            and snap_tags.get(KEYS.janitor_final_snapshot) == vol
            and opts.known_run(snap_tags.get(KEYS.janitor_run, ""))
            and snap["StartTime"] >= since)


def _start_snapshot(ec2: Any, vol: str, owner: Resource, opts: ActOptions) -> tuple[str, str]:
    carried = [{"Key": k, "Value": v} for k, v in owner.tags.items()
               if k in (KEYS.stack, KEYS.owner)]
    snap = ec2.create_snapshot(
        VolumeId=vol, Description=f"ailab janitor final snapshot of {vol} ({opts.run_id})",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [
            {"Key": KEYS.janitor_final_snapshot, "Value": vol},
            {"Key": KEYS.janitor_run, "Value": opts.run_id}] + carried}])
    return str(snap.get("State", "pending")), str(snap["SnapshotId"])
