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


# A hook run inside the CLI's process before main(): every boto3 session gets a
# before-call handler on EC2, so the test can kill the process (os._exit: no
# clean-up, like SIGKILL) or start a second run at an exact call.
HOOK = """
import os, subprocess, sys, boto3
_init = boto3.Session.__init__
def _hooked(self, *a, **k):
    _init(self, *a, **k)
    seen = {"n": 0}
    def on_call(model, **_):
        if model.name != "DeleteVolume":
            return
        seen["n"] += 1
        if seen["n"] == AT:
            ACTION
    self.events.register("before-call.ec2.*", on_call)
boto3.Session.__init__ = _hooked
from ailab.cli import main
main()
"""
KILL = "os._exit(137)"
SECOND_RUN = """second = subprocess.run([sys.executable, "-c",
        "from ailab.cli import main; main()", *sys.argv[1:]], capture_output=True, text=True)
            out = open(os.environ["SECOND_RUN_OUT"], "w")
            out.write(f"{second.returncode}\\n{second.stderr}")"""


def _hooked_cli(endpoint: str, at: int, action: str, *args: str,
                extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION=REGION, **(extra_env or {}))
    code = HOOK.replace("AT", str(at)).replace("ACTION", action)
    return subprocess.run([sys.executable, "-c", code, "janitor", *args], env=env,
                          capture_output=True, text=True, timeout=180, check=False)


def _loose_volumes(ec2: Any, count: int) -> list[str]:
    return [str(ec2.create_volume(Size=50, AvailabilityZone=f"{REGION}a")["VolumeId"])
            for _ in range(count)]


def _finals_by_volume(ec2: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for snap in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]:
        tags = {t["Key"]: t["Value"] for t in snap.get("Tags", [])}
        if "ailab:janitor-final-snapshot-of" in tags:
            assert snap["VolumeId"] == tags["ailab:janitor-final-snapshot-of"]
            assert snap["State"] == "completed"
            found.setdefault(snap["VolumeId"], []).append(snap["SnapshotId"])
    return found


def test_cli_killed_run_then_rerun_converges(moto_server: str, tmp_path: Path) -> None:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_server)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server)
    s3.create_bucket(Bucket=LEASE_BUCKET)
    vols = _loose_volumes(ec2, 6)
    config = tmp_path / "janitor.yaml"
    config.write_text(POLICY)
    opts = ("--region", REGION, "--config", str(config))
    _report(moto_server, "clean", "--yes", *opts)  # marks

    killed = _hooked_cli(moto_server, 3, KILL, "clean", "--yes", *opts)
    assert killed.returncode == 137
    left = {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    assert 0 < len(left & set(vols)) < len(vols)  # killed mid-way

    refused = _cli(moto_server, "clean", "--yes", *opts)  # the dead run's lease holds
    assert refused.returncode == 3, refused.stderr
    assert refused.stderr.startswith("error: another janitor run (r")
    assert refused.stderr.count("\n") == 1

    key = next(o["Key"] for o in s3.list_objects_v2(Bucket=LEASE_BUCKET)["Contents"])
    ledger = json.loads(s3.get_object(Bucket=LEASE_BUCKET, Key=key)["Body"].read())
    ledger["expires"] = "2000-01-01T00:00:00Z"  # an hour later: the lease has expired
    s3.put_object(Bucket=LEASE_BUCKET, Key=key, Body=json.dumps(ledger).encode())

    rerun = _report(moto_server, "clean", "--yes", *opts)
    assert {f["status"] for f in rerun["findings"]} <= {"done"}
    left = {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    assert not left & set(vols)
    finals = _finals_by_volume(ec2)
    assert {v: len(finals.get(v, [])) for v in vols} == dict.fromkeys(vols, 1)
    assert _report(moto_server, "clean", "--yes", *opts)["findings"] == []


def test_cli_concurrent_run_is_refused(moto_server: str, tmp_path: Path) -> None:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_server)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server)
    s3.create_bucket(Bucket=LEASE_BUCKET)
    vols = _loose_volumes(ec2, 4)
    config = tmp_path / "janitor.yaml"
    config.write_text(POLICY)
    opts = ("--region", REGION, "--config", str(config))
    _report(moto_server, "clean", "--yes", *opts)  # marks
    second = tmp_path / "second.txt"
    first = _hooked_cli(moto_server, 1, SECOND_RUN, "clean", "--yes", *opts, "--json",
                        extra_env={"SECOND_RUN_OUT": str(second)})
    assert first.returncode == 0, first.stderr
    code, message = second.read_text().split("\n", 1)
    assert code == "3"
    assert message.startswith("error: another janitor run (r") and "nothing was done" in message
    assert {f["status"] for f in json.loads(first.stdout)["findings"]} == {"done"}
    finals = _finals_by_volume(ec2)
    assert {v: len(finals.get(v, [])) for v in vols} == dict.fromkeys(vols, 1)
