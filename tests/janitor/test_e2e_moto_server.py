"""End to end: the ``ailab janitor`` CLI in a subprocess against a real moto_server.

The server listens on 127.0.0.1 on a free port and is always stopped. Ages
cannot be rewritten inside another process, so the policy here sets the age
thresholds and the grace period to zero; ages and grace are covered in-process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
LEASE_BUCKET = "ailab-janitor-state"
POLICY = """
grace_hours: 0
mark_delay_days: 0
lease: {s3_bucket: ailab-janitor-state}
rules:
  stopped-instance: {days: 0}
  unattached-volume: {days: 0}
  old-snapshot: {days: 0}
  unassociated-address: {}
  stale-multipart-upload: {days: 0}
  expired: {}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    log = (tmp_path / "moto.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _cli(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION=REGION)
    return subprocess.run([sys.executable, "-c", "from ailab.cli import main; main()",
                           "janitor", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def _report(endpoint: str, *args: str) -> dict[str, Any]:
    done = _cli(endpoint, *args, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _seed(ec2: Any, s3: Any) -> dict[str, str]:
    ids: dict[str, str] = {}
    run = ec2.run_instances(ImageId="ami-12c6146b", MinCount=3, MaxCount=3,
                            InstanceType="m5.large")
    busy, stopped, imaged = (i["InstanceId"] for i in run["Instances"])
    ec2.stop_instances(InstanceIds=[stopped])
    ids["stopped"] = stopped
    ids["busy"] = busy

    def vol(tags: dict[str, str]) -> str:
        spec = [{"ResourceType": "volume", "Tags": [{"Key": k, "Value": v}
                                                    for k, v in tags.items()]}]
        return str(ec2.create_volume(Size=200, AvailabilityZone=f"{REGION}a",
                                     TagSpecifications=spec)["VolumeId"])

    ids["loose"] = vol({"ailab:stack": "dev"})
    ids["protected"] = vol({"ailab:protect": "true"})
    ids["attached"] = vol({"ailab:stack": "dev"})
    ec2.attach_volume(VolumeId=ids["attached"], InstanceId=busy, Device="/dev/sdf")
    source = vol({"purpose": "source"})
    ids["old_snapshot"] = ec2.create_snapshot(VolumeId=source)["SnapshotId"]
    ec2.delete_volume(VolumeId=source)
    image = ec2.create_image(InstanceId=imaged, Name="golden")["ImageId"]
    ids["ami_snapshot"] = ec2.describe_images(ImageIds=[image])["Images"][0][
        "BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    ec2.terminate_instances(InstanceIds=[imaged])
    ids["eip"] = ec2.allocate_address(Domain="vpc")["AllocationId"]
    s3.create_bucket(Bucket=LEASE_BUCKET)
    s3.create_bucket(Bucket="lab-ckpt")
    s3.put_bucket_tagging(Bucket="lab-ckpt",
                          Tagging={"TagSet": [{"Key": "ailab:stack", "Value": "dev"}]})
    ids["upload"] = s3.create_multipart_upload(Bucket="lab-ckpt", Key="run/1")["UploadId"]
    return ids


def test_cli_scan_mark_act_converge(moto_server: str, tmp_path: Path) -> None:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_server)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server)
    ids = _seed(ec2, s3)
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    opts = ("--region", REGION, "--config", str(policy))

    scan = _report(moto_server, "scan", *opts)
    flagged = {f["resource"]: f for f in scan["findings"]}
    assert flagged[ids["loose"]]["rule"] == "unattached-volume"
    assert flagged[ids["stopped"]]["rule"] == "stopped-instance"
    assert flagged[ids["old_snapshot"]]["rule"] == "old-snapshot"
    assert flagged[ids["eip"]]["rule"] == "unassociated-address"
    assert flagged[ids["protected"]]["status"] == "protected"
    for keep in ("attached", "ami_snapshot", "busy"):
        assert ids[keep] not in flagged
    assert scan["monthly_saving_usd"] > 0

    _report(moto_server, "clean", *opts)  # dry run
    assert "ailab:janitor-marked" not in _tags(ec2, ids["loose"])

    marked = _report(moto_server, "clean", "--yes", *opts)
    assert {f["status"] for f in marked["findings"]} >= {"mark", "protected"}
    assert _tags(ec2, ids["loose"])["ailab:janitor-marked"].startswith("unattached-volume@")
    assert s3.list_multipart_uploads(Bucket="lab-ckpt").get("Uploads", []) == []

    acted = _report(moto_server, "clean", "--yes", *opts)
    statuses = {f["resource"]: f["status"] for f in acted["findings"]}
    for gone in ("loose", "stopped", "old_snapshot", "eip"):
        assert statuses[ids[gone]] == "done", acted
    volumes = {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    assert ids["loose"] not in volumes
    assert {ids["protected"], ids["attached"]} <= volumes
    finals = ec2.describe_snapshots(Filters=[{"Name": "tag:ailab:janitor-final-snapshot-of",
                                              "Values": [ids["loose"]]}])["Snapshots"]
    assert len(finals) == 1
    snaps = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert ids["ami_snapshot"] in snaps and ids["old_snapshot"] not in snaps
    assert ec2.describe_addresses()["Addresses"] == []
    states = {i["InstanceId"]: i["State"]["Name"] for r in
              ec2.describe_instances()["Reservations"] for i in r["Instances"]}
    assert states[ids["stopped"]] == "terminated" and states[ids["busy"]] == "running"
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == [LEASE_BUCKET,
                                                                      "lab-ckpt"]

    again = _report(moto_server, "clean", "--yes", *opts)
    assert {f["status"] for f in again["findings"]} <= {"protected"}


def test_cli_bad_policy_is_one_line(moto_server: str, tmp_path: Path) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("rules:\n  idle-gpu-instance: {cpu: 1}\n")
    done = _cli(moto_server, "scan", "--policy", str(policy))  # the deprecated spelling
    assert done.returncode == 2
    assert done.stderr.startswith("warning: --policy is deprecated; use --config\n"
                                  f"error: {policy}: rules.idle-gpu-instance.cpu: unknown key")
    assert "Traceback" not in done.stderr


def _tags(ec2: Any, rid: str) -> dict[str, str]:
    answer = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rid]}])
    return {t["Key"]: t["Value"] for t in answer["Tags"]}
