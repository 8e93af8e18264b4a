"""The AWS driver: clients per region, inventory, metrics, ledger store and marks.

Clients use botocore's adaptive retry mode (throttling is retried with client
side rate limiting) and boto3's own configuration chain: the region from
``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the profile (``AWS_PROFILE``), and
``AWS_ENDPOINT_URL``, all read by botocore itself. Actions live in
``aws_actions``.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from datetime import datetime
from typing import Any

from ailab.core import tags
from ailab.core.errors import JanitorError
from ailab.janitor import aws_inventory as inv
from ailab.janitor import aws_metrics
from ailab.janitor.aws_ledger import S3LedgerStore
from ailab.janitor.config import LeaseSettings
from ailab.janitor.ledger import MarkRecord
from ailab.janitor.marks import mark_value
from ailab.janitor.records import Finding, Resource, Status, error_message
from ailab.janitor.rules import Context, MetricQuery, Metrics

RETRY: Any = {"mode": "adaptive", "max_attempts": 10}
KEYS = tags.AWS
TAG_BATCH = 500
"""Resources per CreateTags/DeleteTags call (kept well under the API's request size)."""


def make_session(profile: str | None = None) -> Any:
    """A boto3 session; the profile defaults to AWS_PROFILE as boto3 reads it."""
    import boto3

    return boto3.Session(profile_name=profile) if profile else boto3.Session()


def home_region(session: Any) -> str | None:
    """The region boto3's chain resolves: AWS_REGION, AWS_DEFAULT_REGION, the profile.

    botocore reads ``AWS_DEFAULT_REGION`` and the profile; ``AWS_REGION`` (what the
    other AWS SDKs and the CLI v2 read) is honoured here first when set."""
    return os.environ.get("AWS_REGION") or session.region_name or None


class AwsDriver:
    """Everything the engine asks of AWS, one region at a time (thread safe)."""

    cloud = "aws"

    def __init__(self, session: Any = None, metric_strategy: str = "batched") -> None:
        from botocore.config import Config

        self.session = session if session is not None else make_session()
        self.config = Config(retries=RETRY)
        self.metric_strategy = metric_strategy
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._account: str | None = None

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
        home = home_region(self.session)
        if wanted and "all" in wanted:
            answer = self.client("ec2", home or "us-east-1").describe_regions()
            return sorted(r["RegionName"] for r in answer["Regions"])
        if wanted:
            return list(dict.fromkeys(wanted))
        if not home:
            raise JanitorError("no AWS region configured", field="region",
                               hint="pass --region REGION, set AWS_REGION or "
                                    "AWS_DEFAULT_REGION, or give the profile a region")
        return [home]

    def scan(self, region: str, kinds: set[str], ctx: Context,
             lab_buckets: tuple[str, list[str]]) -> list[Resource]:
        ec2 = self.client("ec2", region)
        found: list[Resource] = []
        if kinds & {"volume", "instance"}:
            # both, always: a volume attached to a protected instance is protected
            vols, insts = inv.volumes(ec2, region), inv.instances(ec2, region)
            inv.attach_volume_details(insts, vols)
            found += insts + vols
        if "snapshot" in kinds:
            ctx.ami_snapshots = inv.ami_snapshots(ec2)
            found += inv.snapshots(ec2, region)
        if "address" in kinds:
            found += inv.addresses(ec2, region)
        if "nat-gateway" in kinds:
            found += inv.nat_gateways(ec2, region)
        if "multipart-upload" in kinds:
            s3 = self.client("s3", region)
            buckets = inv.lab_buckets(s3, region, *lab_buckets)
            found += inv.multipart_uploads(s3, region, buckets)
        return found

    def metrics(self, region: str, wanted: list[tuple[str, MetricQuery]],
                now: datetime) -> Metrics:
        if not wanted:
            return {}
        return aws_metrics.fetch(self.client("cloudwatch", region), wanted, now,
                                 self.metric_strategy)

    def account(self, region: str) -> str:
        with self._lock:
            cached = self._account
        if cached is None:
            cached = str(self.client("sts", region).get_caller_identity()["Account"])
            with self._lock:
                self._account = cached
        return cached

    def ledger_store(self, region: str, settings: LeaseSettings) -> S3LedgerStore | None:
        if not settings.s3_bucket:
            return None
        account = self.account(region)
        return S3LedgerStore(self.client("s3", region), settings.s3_bucket,
                             f"{settings.prefix}{account}/{region}.json",
                             f"aws account {account} region {region}")

    def mark(self, region: str, findings: list[Finding],
             marks: dict[str, MarkRecord]) -> None:
        """Tag candidates in as few calls as possible: one CreateTags per distinct mark."""
        by_value: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            by_value[mark_value("aws", marks[f.resource.id])].append(f)
        ec2 = self.client("ec2", region)
        for value, group in by_value.items():
            _batched(group, lambda ids, v=value: ec2.create_tags(
                Resources=ids, Tags=[{"Key": KEYS.janitor_mark, "Value": v}]), "marked")

    def unmark(self, region: str, findings: list[Finding]) -> None:
        ec2 = self.client("ec2", region)
        _batched(findings, lambda ids: ec2.delete_tags(
            Resources=ids, Tags=[{"Key": KEYS.janitor_mark}]), "mark removed")


def _batched(findings: list[Finding], call: Any, done: str) -> None:
    for start in range(0, len(findings), TAG_BATCH):
        chunk = findings[start:start + TAG_BATCH]
        try:
            call([f.resource.id for f in chunk])
        except Exception as exc:  # noqa: BLE001 - reported per finding, run goes on
            for f in chunk:
                f.status, f.detail = Status.FAILED, f"{done} failed: {error_message(exc)}"
            continue
        for f in chunk:
            f.detail = f"{done}; {f.detail}"
