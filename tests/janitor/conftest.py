"""Fixtures for janitor tests: a moto-backed AWS with helpers to build and age a fleet.

moto stamps every resource with the current time; ``Fleet.age`` rewrites the
creation (or stop) time in moto's in-memory backend so rules that look at age
can be tested without waiting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ec2.models import elastic_block_store as moto_ebs

from ailab.janitor.aws import AwsDriver
from ailab.janitor.config import LeaseSettings, Policy, default_policy
from ailab.janitor.engine import RunOptions, run
from ailab.janitor.records import Finding, Report


@pytest.fixture(autouse=True)
def _no_default_amis() -> Iterator[None]:
    """moto otherwise seeds ~1300 public AMIs with snapshots owned by the test
    account; scoped to janitor tests so other suites keep moto's defaults. moto
    caches its EC2 backends across resets, so the cached one is rebuilt with
    the defaults on the way out."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        yield
    ec2_backends[DEFAULT_ACCOUNT_ID].reset()

REGION = "us-east-1"
AMI = "ami-12c6146b"
LEASE_BUCKET = "ailab-janitor-state"
H100_NAME = "NVIDIA H100 80GB HBM3"
MUTATING_PREFIXES = ("Create", "Delete", "Terminate", "Stop", "Release", "Abort", "Modify",
                     "Put", "Start", "Run", "Allocate", "Associate", "Disassociate")


class Fleet:
    """Build resources in moto and age them."""

    def __init__(self, region: str = REGION, session: Any = None) -> None:
        self.region = region
        maker: Any = session or boto3
        self.ec2: Any = maker.client("ec2", region_name=region)
        self.cw: Any = maker.client("cloudwatch", region_name=region)
        self.s3: Any = maker.client("s3", region_name=region)
        self.now = datetime.now(UTC)
        if LEASE_BUCKET not in {b["Name"] for b in self.s3.list_buckets()["Buckets"]}:
            self.s3.create_bucket(Bucket=LEASE_BUCKET)

    @property
    def backend(self) -> Any:
        return ec2_backends[DEFAULT_ACCOUNT_ID][self.region]

    def instance(self, itype: str = "g4dn.xlarge", tags: dict[str, str] | None = None,
                 days: float = 10, stopped_days: float | None = None,
                 spot: str | None = None) -> str:
        spec = [{"ResourceType": "instance", "Tags": _tags(tags)}] if tags else []
        if spot:  # a spot request of that type (one-time or persistent)
            request = self.ec2.request_spot_instances(
                InstanceCount=1, Type=spot, LaunchSpecification={
                    "ImageId": AMI, "InstanceType": itype},
                **({"InstanceInterruptionBehavior": "stop"} if spot == "persistent" else {}))
            iid = request["SpotInstanceRequests"][0]["InstanceId"]
            if tags:
                self.ec2.create_tags(Resources=[iid], Tags=_tags(tags))
        else:
            answer = self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1,
                                            InstanceType=itype, TagSpecifications=spec)
            iid = answer["Instances"][0]["InstanceId"]
        self.backend.get_instance(iid).launch_time = self.now - timedelta(days=days)
        if stopped_days is not None:
            self.ec2.stop_instances(InstanceIds=[iid])
            when = self.now - timedelta(days=stopped_days)
            self.backend.get_instance(iid)._reason = (
                f"User initiated ({when.strftime('%Y-%m-%d %H:%M:%S')} GMT)")
        return iid

    def volume(self, size: int = 100, days: float = 30, tags: dict[str, str] | None = None,
               attach_to: str | None = None) -> str:
        spec = [{"ResourceType": "volume", "Tags": _tags(tags)}] if tags else []
        vid = self.ec2.create_volume(Size=size, AvailabilityZone=f"{self.region}a",
                                     VolumeType="gp3", TagSpecifications=spec)["VolumeId"]
        self.backend.volumes[vid].create_time = self.now - timedelta(days=days)
        if attach_to:
            self.ec2.attach_volume(VolumeId=vid, InstanceId=attach_to, Device="/dev/sdf")
        return vid

    def snapshot(self, days: float = 200, tags: dict[str, str] | None = None) -> str:
        vid = self.volume(size=50, days=days)
        spec = [{"ResourceType": "snapshot", "Tags": _tags(tags)}] if tags else []
        sid = self.ec2.create_snapshot(VolumeId=vid, TagSpecifications=spec)["SnapshotId"]
        self.ec2.delete_volume(VolumeId=vid)
        self.backend.snapshots[sid].start_time = self.now - timedelta(days=days)
        return sid

    def ami_snapshot(self, days: float = 200) -> tuple[str, str]:
        """An AMI made from an instance, and the snapshot it uses (aged)."""
        iid = self.instance(itype="m5.large", days=days)
        ami = self.ec2.create_image(InstanceId=iid, Name=f"img-{iid}")["ImageId"]
        image = self.ec2.describe_images(ImageIds=[ami])["Images"][0]
        sid = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        self.backend.snapshots[sid].start_time = self.now - timedelta(days=days)
        self.ec2.terminate_instances(InstanceIds=[iid])
        return ami, sid

    def address(self, tags: dict[str, str] | None = None, attach_to: str | None = None) -> str:
        spec = [{"ResourceType": "elastic-ip", "Tags": _tags(tags)}] if tags else []
        alloc = self.ec2.allocate_address(Domain="vpc", TagSpecifications=spec)["AllocationId"]
        if attach_to:
            self.ec2.associate_address(AllocationId=alloc, InstanceId=attach_to)
        return alloc

    def nat_gateway(self, days: float = 30, tags: dict[str, str] | None = None) -> str:
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        alloc = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        spec = [{"ResourceType": "natgateway", "Tags": _tags(tags)}] if tags else []
        nat = self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=alloc,
                                          TagSpecifications=spec)["NatGateway"]["NatGatewayId"]
        self.backend.nat_gateways[nat]._created_at = self.now - timedelta(days=days)
        return nat

    def metric(self, namespace: str, name: str, dim: tuple[str, str], value: float,
               hours: float = 72, every_h: float = 1.0, ahead_h: float = 0) -> None:
        """A steady series over the last ``hours`` (one point per ``every_h``), reaching
        ``ahead_h`` past now for runs whose clock is shifted forward."""
        end = self.now + timedelta(hours=ahead_h)
        points = [{"MetricName": name, "Dimensions": [{"Name": dim[0], "Value": dim[1]}],
                   "Timestamp": end - timedelta(hours=every_h * (i + 0.5)), "Value": value}
                  for i in range(int((hours + ahead_h) / every_h))]
        for start in range(0, len(points), 500):
            self.cw.put_metric_data(Namespace=namespace, MetricData=points[start:start + 500])

    def cpu(self, iid: str, value: float, hours: float = 72, ahead_h: float = 0) -> None:
        self.metric("AWS/EC2", "CPUUtilization", ("InstanceId", iid), value, hours,
                    ahead_h=ahead_h)

    def gpu(self, iid: str, value: float, hours: float = 72) -> None:
        """An instance-level GPU series (dimension InstanceId only)."""
        self.metric("CWAgent", "nvidia_smi_utilization_gpu", ("InstanceId", iid), value, hours)

    def gpus(self, iid: str, values: list[float], hours: float = 72,
             extra: dict[str, str] | None = None, ahead_h: float = 0) -> None:
        """One series per GPU as the CloudWatch agent's nvidia_smi plugin publishes them:
        dimensions InstanceId, index, name (plus any appended ones)."""
        for index, value in enumerate(values):
            dims = [{"Name": "InstanceId", "Value": iid}, {"Name": "index", "Value": str(index)},
                    {"Name": "name", "Value": H100_NAME}] + [
                {"Name": k, "Value": v} for k, v in (extra or {}).items()]
            end = self.now + timedelta(hours=ahead_h)
            points = [{"MetricName": "nvidia_smi_utilization_gpu", "Dimensions": dims,
                       "Timestamp": end - timedelta(hours=i + 0.5), "Value": value}
                      for i in range(int(hours + ahead_h))]
            for start in range(0, len(points), 500):
                self.cw.put_metric_data(Namespace="CWAgent", MetricData=points[start:start + 500])

    def lab_bucket(self, name: str, lab: bool = True) -> None:
        self.s3.create_bucket(Bucket=name)
        if lab:
            self.s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
                {"Key": "ailab:stack", "Value": "dev"}]})

    def upload(self, bucket: str, key: str) -> str:
        upload_id = self.s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        self.s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                            Body=b"x" * 1024)
        return upload_id

    def tags(self, resource_id: str) -> dict[str, str]:
        answer = self.ec2.describe_tags(Filters=[{"Name": "resource-id",
                                                  "Values": [resource_id]}])
        return {t["Key"]: t["Value"] for t in answer["Tags"]}

    def exists(self, kind: str, rid: str) -> bool:
        if kind == "volume":
            return rid in self.backend.volumes
        if kind == "snapshot":
            return rid in self.backend.snapshots
        if kind == "address":
            return any(a["AllocationId"] == rid for a in
                       self.ec2.describe_addresses()["Addresses"])
        if kind == "instance":
            return self.backend.get_instance(rid).state not in ("terminated", "shutting-down")
        if kind == "running":
            return self.backend.get_instance(rid).state == "running"
        if kind == "nat-gateway":
            return self.backend.nat_gateways[rid].state == "available"
        raise ValueError(kind)


def _tags(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


class CallCounter:
    """Counts AWS API calls by operation through botocore's before-call event."""

    def __init__(self, session: Any) -> None:
        self.calls: Counter[str] = Counter()
        session.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def mutating(self) -> list[str]:
        return [op for op in self.calls if op.startswith(MUTATING_PREFIXES)]


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with mock_aws():
        yield Fleet()


def test_policy() -> Policy:
    """The built-in defaults with the lease bucket every Fleet creates."""
    policy = default_policy()
    policy.lease = LeaseSettings(s3_bucket=LEASE_BUCKET)
    return policy


def policy_with(**overrides: Any) -> Policy:
    policy = test_policy()
    for key, value in overrides.items():
        setattr(policy, key, value)
    return policy


@contextmanager
def cloud_clock(now: datetime) -> Iterator[None]:
    """Make moto stamp snapshots with the janitor's (shifted) clock, as AWS would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto_ebs, "utcnow", lambda: now.astimezone(UTC).replace(tzinfo=None))
        yield


def janitor_run(mode: str = "scan", policy: Policy | None = None, days_later: float = 0,
                regions: list[str] | None = None, driver: AwsDriver | None = None,
                no_snapshot: bool = False, run_id: str | None = None) -> Report:
    now = datetime.now(UTC) + timedelta(days=days_later)
    with cloud_clock(now):
        return run([driver or AwsDriver()], policy or test_policy(),
                   RunOptions(mode=mode, regions=regions or [REGION], now=now,
                              final_snapshot=not no_snapshot, run_id=run_id))


def by_id(report: Report) -> dict[str, Finding]:
    return {f.resource.id: f for f in report.findings}
