"""Transport and shared-data guardrails: data in flight is encrypted, shared file
systems do not hand root or write access to every user of every machine.

Mounts are read from the machines' boot scripts (``documents.mounts``); export
ranges are address sets (``ailab.infra.cidr.address_count``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.documents import (
    Mount,
    as_list,
    boot_script,
    mounts,
    principals,
    statements,
)
from ailab.guardrails.links import bucket_settings
from ailab.guardrails.rule import (
    Finding,
    Severity,
    is_unknown,
    items,
    mapping,
    number,
    resource_rule,
    stack_rule,
)
from ailab.infra.cidr import address_count

SEC = "security"
DATA = "data"
_EFS_SOURCE = re.compile(r"(^|[^A-Za-z0-9-])(fs-[0-9a-f]{8,17}|[A-Za-z0-9.-]+\.efs\.[a-z0-9-]+"
                         r"\.amazonaws\.com)")
AWS_BOOTED = (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE)
GCP_BOOTED = (*t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE)
GCSFUSE_DEFAULT_MODES = {"file_mode": 0o644, "dir_mode": 0o755}
"""gcsfuse's defaults when --file-mode/--dir-mode are not given."""


def _efs_mount(mount: Mount, identities: set[str]) -> bool:
    host = mount.source.split(":", 1)[0]
    return bool(_EFS_SOURCE.search(mount.source)) or host in identities or \
        any(host.startswith(f"{i}.") for i in identities)


def efs_problem(mount: Mount) -> str | None:
    """Why an EFS mount sends data in clear text, or None when it uses TLS."""
    if mount.fstype == "efs" and mount.has("tls"):
        return None
    how = f"type {mount.fstype}" + ("" if mount.fstype == "efs" else ", not efs")
    return f"mounts EFS {mount.source} at {mount.target} without TLS ({how}; add -o tls " \
           "with amazon-efs-utils)"


@stack_rule("efs-in-transit-tls", "EFS is mounted with TLS", SEC, Severity.HIGH,
            "Mount EFS with the amazon-efs-utils helper and TLS: "
            "`FS_ID:/ /mnt efs _netdev,tls,iam 0 0` (NFS without tls is clear text).",
            (*AWS_BOOTED, tokens.AWS_EFS_FILE_SYSTEM))
def efs_in_transit_tls(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    for machine in inv.by_type(*AWS_BOOTED):
        script = boot_script(machine)
        if not script:
            continue
        prop = "userDataBase64" if machine.get("userDataBase64") is not None else "userData"
        identities = {i for fs in inv.refs(machine, prop, tokens.AWS_EFS_FILE_SYSTEM)
                      for i in fs.identities()}
        for mount in mounts(script):
            if _efs_mount(mount, identities):
                problem = efs_problem(mount)
                if problem:
                    yield machine, problem


def denies_insecure_transport(stmt: Mapping[str, Any]) -> bool:
    """A statement denying every S3 action to everyone when aws:SecureTransport is false."""
    if stmt.get("Effect") != "Deny" or "*" not in principals(stmt):
        return False
    if not any(a.lower() in ("*", "s3:*") for a in as_list(stmt.get("Action"))):
        return False
    for operator, values in mapping(stmt.get("Condition")).items():
        if str(operator).removesuffix("IfExists") != "Bool":
            continue
        for key, value in mapping(values).items():
            if str(key).lower() == "aws:securetransport" and \
                    [str(v).lower() for v in as_list(value)] == ["false"]:
                return True
    return False


@stack_rule("s3-deny-insecure-transport", "S3 buckets refuse requests without TLS", SEC,
            Severity.HIGH, "Add aws.s3.BucketPolicy with a Deny of s3:* to Principal \"*\" "
            "when aws:SecureTransport is false, on the bucket and its objects.",
            (*t.S3_BUCKETS, tokens.AWS_S3_BUCKET_POLICY))
def s3_deny_insecure_transport(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in inv.by_type(*t.S3_BUCKETS):
        policies = bucket_settings(inv, bucket, (tokens.AWS_S3_BUCKET_POLICY,), "policy")
        documents = [p.get("policy") for p in policies]
        if any(is_unknown(d) for d in documents):
            continue
        if not any(denies_insecure_transport(s) for d in documents for s in statements(d)):
            yield bucket, "no bucket policy denies requests without TLS (aws:SecureTransport)"


def _export_options(res: Resource) -> list[Mapping[str, Any]] | None:
    """Every NFS export option of every share; None when one share has none (then
    Filestore exports it read-write with no root squash to every client)."""
    shares = items(res.get("fileShares"))
    options: list[Mapping[str, Any]] = []
    for share in shares:
        share_options = items(mapping(share).get("nfsExportOptions"))
        if not share_options:
            return None
        options += [mapping(o) for o in share_options]
    return options


@resource_rule("filestore-root-squash", "Filestore squashes root for all but a few admin hosts",
               DATA, Severity.HIGH, "Export the share with squashMode ROOT_SQUASH to the lab "
               "subnet; give NO_ROOT_SQUASH only to an admin host's /32.",
               (tokens.GCP_FILESTORE_INSTANCE,), config={"maxNoRootSquashAddresses": 8})
def filestore_root_squash(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if is_unknown(res.get("fileShares")):
        return
    options = _export_options(res)
    if options is None:
        yield "a share has no NFS export options: Filestore exports it to every client with " \
              "NO_ROOT_SQUASH"
        return
    limit = number(cfg.get("maxNoRootSquashAddresses")) or 0
    for option in options:
        if str(option.get("squashMode") or "NO_ROOT_SQUASH") != "NO_ROOT_SQUASH":
            continue
        ranges = items(option.get("ipRanges"))
        if any(is_unknown(r) for r in ranges):
            continue
        count = address_count(ranges) if ranges else None
        if count is None or count > limit:
            where = ", ".join(map(str, ranges)) or "every client"
            yield f"exports NO_ROOT_SQUASH to {where} ({count or 'all'} addresses; root on any " \
                  f"of them owns every file; the limit is {limit:g})"


def gcsfuse_problem(mount: Mount) -> str | None:
    """Why a gcsfuse mount lets every local user write the bucket, or None."""
    if mount.fstype not in ("gcsfuse", "fuse.gcsfuse") or not mount.has("allow_other"):
        return None
    writable = [name for name, default in GCSFUSE_DEFAULT_MODES.items()
                if mount.mode(name, default) & 0o022]
    if not writable:
        return None
    modes = ", ".join(f"{n}={mount.options.get(n, oct(GCSFUSE_DEFAULT_MODES[n])[2:])}"
                      for n in writable)
    return f"mounts bucket {mount.source} at {mount.target} with allow_other and group/other " \
           f"write ({modes}): every user of the VM writes with its service account"


@resource_rule("gcsfuse-private-mount", "Cloud Storage FUSE mounts are not writable by every "
               "user", DATA, Severity.MEDIUM, "Drop allow_other, or keep it with --file-mode 644 "
               "--dir-mode 755 (read for all, write through the user's own credentials).",
               GCP_BOOTED)
def gcsfuse_private_mount(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    script = boot_script(res)
    for mount in mounts(script or ""):
        problem = gcsfuse_problem(mount)
        if problem:
            yield problem
