"""The AWS driver: clients per region, inventory, metrics, marks and actions.

Clients use botocore's adaptive retry mode (throttling is retried with client
side rate limiting) and the standard environment: AWS_PROFILE, AWS_REGION /
AWS_DEFAULT_REGION and AWS_ENDPOINT_URL, which botocore reads itself.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime
from typing import Any

from ailab.janitor import aws_inventory as inv
from ailab.janitor import aws_metrics
from ailab.janitor.marks import mark_value
from ailab.janitor.records import Action, Finding, Resource, Status, error_message
from ailab.janitor.rules import TAG_KEYS, Context, MetricQuery

RETRY = {"mode": "adaptive", "max_attempts": 10}
_EC2_KINDS = {"instance", "volume", "snapshot", "address", "nat-gateway"}
_KEYS = TAG_KEYS["aws"]


def make_session(profile: str | None = None) -> Any:
    """A boto3 session; the profile defaults to AWS_PROFILE as boto3 reads it."""
    import boto3

    return boto3.Session(profile_name=profile) if profile else boto3.Session()


class AwsDriver:
    """Everything the engine asks of AWS, one region at a time (thread safe)."""

    cloud = "aws"

    def __init__(self, session: Any = None, metric_strategy: str = "batched") -> None:
        from botocore.config import Config

        self.session = session if session is not None else make_session()
        self.config = Config(retries=RETRY)  # type: ignore[arg-type]
        self.metric_strategy = metric_strategy
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._finals: dict[str, dict[str, str]] = {}

    def client(self, service: str, region: str) -> Any:
        # boto3 sessions are not thread safe: create clients under a lock, share them after.
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self.session.client(service, region_name=region,
                                                         config=self.config)
            return self._clients[key]

    def regions(self, wanted: list[str] | None) -> list[str]:
        """The regions to scan: the given ones, every enabled one for 'all', else the default."""
        if wanted and "all" in wanted:
            home = self.session.region_name or "us-east-1"
            answer = self.client("ec2", home).describe_regions()
            return sorted(r["RegionName"] for r in answer["Regions"])
        if wanted:
            return list(dict.fromkeys(wanted))
        if not self.session.region_name:
            from ailab.core.errors import JanitorError

            raise JanitorError("no AWS region configured",
                               hint="pass --region REGION or set AWS_REGION")
        return [self.session.region_name]

    def scan(self, region: str, kinds: set[str], ctx: Context,
             lab_buckets: tuple[str, list[str]]) -> list[Resource]:
        ec2 = self.client("ec2", region)
        found: list[Resource] = []
        vols = inv.volumes(ec2, region) if kinds & {"volume", "instance"} else []
        if "instance" in kinds:
            insts = inv.instances(ec2, region)
            inv.attach_volume_details(insts, vols)
            found += insts
        if "volume" in kinds:
            found += vols
        if kinds & {"volume", "instance", "snapshot"}:
            snaps = inv.snapshots(ec2, region)
            self._remember_finals(region, snaps)
            if "snapshot" in kinds:
                ctx.ami_snapshots = inv.ami_snapshots(ec2)
                found += snaps
        if "address" in kinds:
            found += inv.addresses(ec2, region)
        if "nat-gateway" in kinds:
            found += inv.nat_gateways(ec2, region)
        if "multipart-upload" in kinds:
            s3 = self.client("s3", region)
            buckets = inv.lab_buckets(s3, region, *lab_buckets)
            found += inv.multipart_uploads(s3, region, buckets)
        return found

    def _remember_finals(self, region: str, snaps: list[Resource]) -> None:
        finals = {s.tags[_KEYS["final"]]: s.id for s in snaps if _KEYS["final"] in s.tags}
        with self._lock:
            self._finals[region] = finals

    def metrics(self, region: str, wanted: list[tuple[str, MetricQuery]],
                now: datetime) -> dict[tuple[str, str], list[float]]:
        if not wanted:
            return {}
        return aws_metrics.fetch(self.client("cloudwatch", region), wanted, now,
                                 self.metric_strategy)

    def mark(self, region: str, findings: list[Finding], now: datetime) -> None:
        """Tag candidates in as few calls as possible: one CreateTags per rule."""
        by_value: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            by_value[mark_value("aws", f.rule, now.date())].append(f)
        ec2 = self.client("ec2", region)
        for value, group in by_value.items():
            self._batched(group, lambda ids, v=value: ec2.create_tags(
                Resources=ids, Tags=[{"Key": _KEYS["mark"], "Value": v}]), "marked")

    def unmark(self, region: str, findings: list[Finding]) -> None:
        ec2 = self.client("ec2", region)
        self._batched(findings, lambda ids: ec2.delete_tags(
            Resources=ids, Tags=[{"Key": _KEYS["mark"]}]), "mark removed")

    @staticmethod
    def _batched(findings: list[Finding], call: Any, done: str) -> None:
        for start in range(0, len(findings), 500):
            chunk = findings[start:start + 500]
            try:
                call([f.resource.id for f in chunk])
            except Exception as exc:  # noqa: BLE001 - reported per finding, run goes on
                for f in chunk:
                    f.status, f.detail = Status.FAILED, f"{done} failed: {error_message(exc)}"
                continue
            for f in chunk:
                f.detail = f"{done}; {f.detail}"

    def act(self, finding: Finding, final_snapshot: bool) -> tuple[Status, str]:
        """Carry out one due action; snapshot data first where an action would lose it."""
        res, region = finding.resource, finding.resource.region
        ec2 = self.client("ec2", region)
        if finding.action is Action.ABORT_UPLOAD:
            self.client("s3", region).abort_multipart_upload(
                Bucket=res.attrs["bucket"], Key=res.attrs["key"], UploadId=res.attrs["upload_id"])
            return Status.DONE, "upload aborted (bucket kept)"
        if finding.action is Action.STOP:
            ec2.stop_instances(InstanceIds=[res.id])
            ec2.delete_tags(Resources=[res.id], Tags=[{"Key": _KEYS["mark"]}])
            return Status.DONE, "stop requested (disks kept), mark removed"
        if finding.action is Action.RELEASE:
            ec2.release_address(AllocationId=res.id)
            return Status.DONE, "released"
        if res.kind == "nat-gateway":
            ec2.delete_nat_gateway(NatGatewayId=res.id)
            return Status.DONE, "delete requested"
        if res.kind == "snapshot":
            ec2.delete_snapshot(SnapshotId=res.id)
            return Status.DONE, "deleted"
        vol_ids = [res.id] if res.kind == "volume" else [
            v["id"] for v in res.attrs.get("volumes", [])]
        if final_snapshot:
            pending = self._final_snapshots(ec2, region, vol_ids, res)
            if pending:
                return Status.PENDING, f"final snapshot in progress: {', '.join(pending)}"
        if res.kind == "volume":
            ec2.delete_volume(VolumeId=res.id)
            return Status.DONE, "deleted; " + _snap_note(
                final_snapshot, self._finals_for(region, vol_ids))
        ec2.terminate_instances(InstanceIds=[res.id])
        return Status.DONE, "terminated; " + _snap_note(
            final_snapshot, self._finals_for(region, vol_ids))

    def _finals_for(self, region: str, vol_ids: list[str]) -> list[str]:
        finals = self._finals.get(region, {})
        return [finals[v] for v in vol_ids if v in finals]

    def _final_snapshots(self, ec2: Any, region: str, vol_ids: list[str],
                         owner: Resource) -> list[str]:
        """Make sure each volume has a completed final snapshot; return those still pending."""
        finals = self._finals.setdefault(region, {})
        carried = {k: v for k, v in owner.tags.items()
                   if k in (_KEYS["stack"], _KEYS["owner"])}
        for vol in vol_ids:
            if vol in finals:
                continue
            tags = [{"Key": _KEYS["final"], "Value": vol}] + [
                {"Key": k, "Value": v} for k, v in carried.items()]
            snap = ec2.create_snapshot(
                VolumeId=vol, Description=f"ailab janitor final snapshot of {vol}",
                TagSpecifications=[{"ResourceType": "snapshot", "Tags": tags}])
            finals[vol] = snap["SnapshotId"]
        wanted = [finals[v] for v in vol_ids]
        if not wanted:
            return []
        states = ec2.describe_snapshots(SnapshotIds=wanted)["Snapshots"]
        return [s["SnapshotId"] for s in states if s["State"] != "completed"]


def _snap_note(final_snapshot: bool, snaps: list[str]) -> str:
    if not final_snapshot:
        return "no final snapshot (--no-snapshot)"
    return "final snapshot " + (", ".join(snaps) or "none (no volumes)")
