"""Read-only AWS inventory: paginated describes turned into ``Resource`` records.

One region at a time; the caller runs regions concurrently. Only the kinds the
enabled rules look at are listed, each with the fewest calls its API allows
(largest page size, server-side owner filters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from ailab.janitor.prices import accelerator_count
from ailab.janitor.records import Resource

_STOP_REASON = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")


def tags_of(items: Iterable[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or ()}


def _pages(client: Any, op: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(op).paginate(**kwargs):
        yield from page.get(key, [])


def stopped_since(reason: str) -> datetime | None:
    """When an instance was stopped, from 'User initiated (YYYY-MM-DD HH:MM:SS GMT)'."""
    match = _STOP_REASON.search(reason or "")
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def block_devices(inst: dict[str, Any]) -> list[dict[str, Any]]:
    """The instance's EBS volumes: device name, volume id, DeleteOnTermination."""
    return [{"device": m["DeviceName"], "volume_id": m["Ebs"]["VolumeId"],
             "delete_on_termination": bool(m["Ebs"].get("DeleteOnTermination", False))}
            for m in inst.get("BlockDeviceMappings", []) if "Ebs" in m]


def instances(ec2: Any, region: str) -> list[Resource]:
    """Every instance that is not terminated, with GPU count from the catalog."""
    found = []
    for reservation in _pages(ec2, "describe_instances", "Reservations", MaxResults=1000):
        for inst in reservation["Instances"]:
            state = inst["State"]["Name"]
            if state in ("terminated", "shutting-down"):
                continue
            itype = inst["InstanceType"]
            devices = block_devices(inst)
            found.append(Resource(
                cloud="aws", kind="instance", id=inst["InstanceId"], region=region,
                state=state, created=inst.get("LaunchTime"), tags=tags_of(inst.get("Tags")),
                attrs={"instance_type": itype, "gpus": accelerator_count("aws", itype, region),
                       "spot": inst.get("InstanceLifecycle") == "spot",
                       "spot_request": inst.get("SpotInstanceRequestId"),
                       "stopped_since": stopped_since(inst.get("StateTransitionReason", "")),
                       "block_devices": devices,
                       "volume_ids": [d["volume_id"] for d in devices]}))
    spot_requests(ec2, [r for r in found if r.attrs["spot"]])
    return found


def spot_requests(ec2: Any, spot: list[Resource]) -> None:
    """Whether each spot instance can be stopped: only one from a persistent request
    can (EC2 refuses to stop a one-time spot instance)."""
    if not spot:
        return
    kinds: dict[str, str] = {}
    for req in _pages(ec2, "describe_spot_instance_requests", "SpotInstanceRequests",
                      MaxResults=1000):
        kinds[req["SpotInstanceRequestId"]] = req.get("Type", "one-time")
        if req.get("InstanceId"):
            kinds[req["InstanceId"]] = req.get("Type", "one-time")
    for res in spot:
        kind = kinds.get(res.attrs.get("spot_request") or "") or kinds.get(res.id)
        res.attrs["spot_stoppable"] = kind == "persistent"


def volumes(ec2: Any, region: str) -> list[Resource]:
    # MaxResults 1000: the largest page DescribeVolumes returns (the AWS CLI's default).
    return [Resource(
        cloud="aws", kind="volume", id=v["VolumeId"], region=region, state=v["State"],
        created=v.get("CreateTime"), tags=tags_of(v.get("Tags")),
        attrs={"size_gib": v.get("Size", 0), "volume_type": v.get("VolumeType", "gp2"),
               "attachments": [a["InstanceId"] for a in v.get("Attachments", [])]})
        for v in _pages(ec2, "describe_volumes", "Volumes", MaxResults=1000)]


def snapshots(ec2: Any, region: str) -> list[Resource]:
    return [Resource(
        cloud="aws", kind="snapshot", id=s["SnapshotId"], region=region, state=s["State"],
        created=s.get("StartTime"), tags=tags_of(s.get("Tags")),
        attrs={"size_gib": s.get("VolumeSize", 0), "volume_id": s.get("VolumeId", "")})
        for s in _pages(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"],
                        MaxResults=1000)]


def ami_snapshots(ec2: Any) -> set[str]:
    """Snapshot ids that any of this account's AMIs refers to (these are in use)."""
    used = set()
    for image in _pages(ec2, "describe_images", "Images", Owners=["self"], MaxResults=1000):
        for mapping in image.get("BlockDeviceMappings", []):
            snap = mapping.get("Ebs", {}).get("SnapshotId")
            if snap:
                used.add(snap)
    return used


def addresses(ec2: Any, region: str) -> list[Resource]:
    return [Resource(
        cloud="aws", kind="address", id=a.get("AllocationId") or a["PublicIp"], region=region,
        state="associated" if a.get("AssociationId") else "unassociated",
        tags=tags_of(a.get("Tags")),
        attrs={"public_ip": a.get("PublicIp"), "association_id": a.get("AssociationId")})
        for a in ec2.describe_addresses().get("Addresses", [])]


def nat_gateways(ec2: Any, region: str) -> list[Resource]:
    return [Resource(
        cloud="aws", kind="nat-gateway", id=n["NatGatewayId"], region=region,
        state=n["State"], created=n.get("CreateTime"), tags=tags_of(n.get("Tags")),
        attrs={"subnet_id": n.get("SubnetId"), "vpc_id": n.get("VpcId")})
        for n in _pages(ec2, "describe_nat_gateways", "NatGateways", MaxResults=1000)
        if n["State"] in ("available", "pending")]


def lab_buckets(s3: Any, region: str, tag_key: str, names: list[str]) -> list[tuple[str, dict]]:
    """Buckets in this region that carry the lab tag or are named in the policy."""
    found = []
    for bucket in _pages(s3, "list_buckets", "Buckets", BucketRegion=region):
        name = bucket["Name"]
        tags = _buckettags_of(s3, name)
        if name in names or tag_key in tags:
            found.append((name, tags))
    return found


def _buckettags_of(s3: Any, name: str) -> dict[str, str]:
    try:
        return tags_of(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchTagSet":
            return {}
        raise


def multipart_uploads(s3: Any, region: str, buckets: list[tuple[str, dict]]) -> list[Resource]:
    """Incomplete uploads in lab buckets; the bucket's tags stand for the upload's."""
    found = []
    for name, tags in buckets:
        for up in _pages(s3, "list_multipart_uploads", "Uploads", Bucket=name):
            size = sum(p.get("Size", 0) for p in _pages(
                s3, "list_parts", "Parts", Bucket=name, Key=up["Key"], UploadId=up["UploadId"]))
            found.append(Resource(
                cloud="aws", kind="multipart-upload",
                id=f"s3://{name}/{up['Key']}#{up['UploadId'][:12]}", region=region,
                state="incomplete", created=up.get("Initiated"), tags=tags,
                attrs={"bucket": name, "key": up["Key"], "upload_id": up["UploadId"],
                       "size_bytes": size}))
    return found


def attach_volume_details(insts: list[Resource], vols: list[Resource]) -> None:
    """Give each instance the size and type of its volumes (to price stopped ones)."""
    by_id = {v.id: v for v in vols}
    for inst in insts:
        inst.attrs["volumes"] = [
            {"id": vid, "type": by_id[vid].attrs["volume_type"],
             "size_gib": by_id[vid].attrs["size_gib"]}
            for vid in inst.attrs.get("volume_ids", []) if vid in by_id]

