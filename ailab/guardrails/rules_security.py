"""Security guardrails: encryption at rest, public buckets, IMDSv2, IAM, GCE identity.

Each check returns messages (one per problem); an empty result means compliant.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.guardrails import types as t
from ailab.guardrails.rule import (
    Finding,
    Res,
    Severity,
    Stack,
    resource_rule,
    stack_rule,
    truthy,
)

SEC = "security"


@resource_rule("ebs-encrypted", "EBS volumes and instance block devices are encrypted",
               SEC, Severity.HIGH, "Set encrypted=True on every EBS volume, root block "
               "device and launch-template block device mapping.",
               (tokens.AWS_EBS_VOLUME, tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE))
def ebs_encrypted(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type == tokens.AWS_EBS_VOLUME:
        if not truthy(res.get("encrypted")):
            yield "EBS volume is not encrypted"
        return
    if res.type == tokens.AWS_EC2_INSTANCE:
        root = res.get("rootBlockDevice")
        if root is None and res.get("launchTemplate") is None:
            yield "root block device has no encryption setting (unencrypted by default)"
        elif root is not None and not truthy(root.get("encrypted")):
            yield "root block device is not encrypted"
        for dev in res.get("ebsBlockDevices") or []:
            if not truthy(dev.get("encrypted")):
                yield f"EBS block device {dev.get('deviceName', '?')} is not encrypted"
        return
    for mapping in res.get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs")
        if ebs is not None and not truthy(ebs.get("encrypted")):
            yield f"block device {mapping.get('deviceName', '?')} is not encrypted"


@resource_rule("efs-encrypted", "EFS file systems are encrypted at rest", SEC, Severity.HIGH,
               "Set encrypted=True on the EFS file system (it cannot be changed later).",
               (tokens.AWS_EFS_FILE_SYSTEM,))
def efs_encrypted(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    if not truthy(res.get("encrypted")):
        yield "EFS file system is not encrypted at rest"


@resource_rule("fsx-encrypted", "FSx for Lustre uses a persistent, KMS-encrypted deployment",
               SEC, Severity.MEDIUM, "Use deploymentType PERSISTENT_2 (KMS-encrypted at rest, "
               "optionally with kmsKeyId); scratch types use keys you cannot audit or revoke.",
               (tokens.AWS_FSX_LUSTRE_FILE_SYSTEM,))
def fsx_encrypted(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    deployment = str(res.get("deploymentType") or "SCRATCH_1")
    if not deployment.startswith("PERSISTENT"):
        yield f"deploymentType {deployment} is not KMS-encrypted at rest"


@resource_rule("pd-encrypted", "Persistent disks use Google-managed or Cloud KMS keys", SEC,
               Severity.HIGH, "Drop raw/RSA customer-supplied keys; use kmsKeySelfLink "
               "(CMEK) or the default Google-managed encryption.",
               (tokens.GCP_COMPUTE_DISK, tokens.GCP_COMPUTE_INSTANCE, *t.GCE_TEMPLATES))
def pd_encrypted(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    """GCP always encrypts PD; a raw or RSA-wrapped key in the program puts the key
    material into stack state, and losing it loses the disk."""
    if res.type == tokens.GCP_COMPUTE_DISK:
        key = res.get("diskEncryptionKey") or {}
        for field in ("rawKey", "rsaEncryptedKey"):
            if key.get(field):
                yield f"diskEncryptionKey.{field} holds key material in the stack"
        return
    if res.type == tokens.GCP_COMPUTE_INSTANCE:
        disks = [("bootDisk", res.get("bootDisk") or {})]
        disks += [(f"attachedDisks[{i}]", d) for i, d in enumerate(res.get("attachedDisks") or [])]
        for where, disk in disks:
            for field in ("diskEncryptionKeyRaw", "diskEncryptionKeyRsa"):
                if disk.get(field):
                    yield f"{where}.{field} holds key material in the stack"
        return
    for i, disk in enumerate(res.get("disks") or []):
        for field in ("sourceImageEncryptionKey", "sourceSnapshotEncryptionKey"):
            if (disk.get(field) or {}).get("rawKey"):
                yield f"disks[{i}].{field}.rawKey holds key material in the stack"


def _bucket_findings(stack: Stack, config_types: tuple[str, ...], inline: str | None,
                     ok: Any, missing: str) -> Iterator[Finding]:
    """For every S3 bucket: the linked config resource (or inline prop) must satisfy ``ok``."""
    for bucket in stack.of_type(*t.S3_BUCKETS):
        linked = stack.referencing(bucket, "bucket", *config_types)
        if inline and bucket.get(inline):
            linked = [*linked, Res(bucket.type, bucket.name, {inline: bucket.get(inline)})]
        if not linked:
            yield bucket, missing
            continue
        for cfg_res in linked:
            problem = ok(cfg_res)
            if problem:
                yield bucket, f"{problem} ({cfg_res.name})"


def _sse_problem(res: Res) -> str | None:
    rules = res.get("rules") or res.get("serverSideEncryptionConfiguration.rules") or []
    algos = [str((r.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm", ""))
             for r in rules]
    if not any(a in ("aws:kms", "aws:kms:dsse", "AES256") for a in algos):
        return "no default encryption algorithm (aws:kms, aws:kms:dsse or AES256)"
    return None


@stack_rule("s3-encrypted", "S3 buckets have default server-side encryption", SEC, Severity.HIGH,
            "Add aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm aws:kms.",
            (*t.S3_BUCKETS, *t.S3_SSE))
def s3_encrypted(stack: Stack, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _bucket_findings(stack, t.S3_SSE, "serverSideEncryptionConfiguration",
                                _sse_problem, "bucket has no server-side encryption configuration")


_PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _pab_problem(res: Res) -> str | None:
    off = [f for f in _PAB_FLAGS if not truthy(res.get(f))]
    return f"public access block leaves {', '.join(off)} off" if off else None


@stack_rule("s3-public-access-block", "S3 buckets block every form of public access", SEC,
            Severity.CRITICAL, "Add aws.s3.BucketPublicAccessBlock with all four block/ignore/"
            "restrict flags True.", (*t.S3_BUCKETS, tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK))
def s3_public_access_block(stack: Stack, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _bucket_findings(stack, (tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK,), None,
                                _pab_problem,
                                "bucket has no public access block")


@resource_rule("gcs-public-access-prevention", "GCS buckets enforce public access prevention",
               SEC, Severity.CRITICAL, "Set public_access_prevention=\"enforced\" on the bucket.",
               (tokens.GCP_STORAGE_BUCKET,))
def gcs_public_access_prevention(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.get("publicAccessPrevention") != "enforced":
        yield f"publicAccessPrevention is {res.get('publicAccessPrevention')!r}, not 'enforced'"


@resource_rule("gcs-uniform-access", "GCS buckets use uniform bucket-level access", SEC,
               Severity.HIGH, "Set uniform_bucket_level_access=True (IAM only, no object ACLs).",
               (tokens.GCP_STORAGE_BUCKET,))
def gcs_uniform_access(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    if not truthy(res.get("uniformBucketLevelAccess")):
        yield "uniformBucketLevelAccess is off (object ACLs can make objects public)"


@resource_rule("imdsv2", "EC2 instances and launch templates require IMDSv2", SEC, Severity.HIGH,
               "Set metadata_options http_tokens=\"required\" (instance or launch template).",
               (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE))
def imdsv2(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Instances launched from a template inherit its setting (checked on the template)."""
    if res.type == tokens.AWS_EC2_INSTANCE and res.get("launchTemplate") and \
            res.get("metadataOptions") is None:
        return
    if res.get("metadataOptions.httpEndpoint") == "disabled":
        return
    if res.get("metadataOptions.httpTokens") != "required":
        yield "instance metadata accepts IMDSv1 (httpTokens is not 'required')"


def _statements(document: Any) -> list[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    if not isinstance(document, Mapping):
        return []
    stmts = document.get("Statement") or []
    return [s for s in ([stmts] if isinstance(stmts, Mapping) else stmts)
            if isinstance(s, Mapping)]


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]


ADMIN_POLICY_ARNS = ("arn:aws:iam::aws:policy/AdministratorAccess",
                     "arn:aws:iam::aws:policy/PowerUserAccess")
GCP_PRIMITIVE_ROLES = ("roles/owner", "roles/editor")


@resource_rule("iam-no-wildcard-admin", "No IAM policy allows all actions on all resources",
               SEC, Severity.CRITICAL, "List the actions and resource ARNs the workload needs; "
               "never Action \"*\" on Resource \"*\", AdministratorAccess or roles/owner|editor.",
               (*t.IAM_POLICY_TYPES, tokens.AWS_IAM_ROLE, *t.IAM_ATTACHMENT_TYPES,
                *t.GCP_IAM_TYPES))
def iam_no_wildcard_admin(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type in t.IAM_ATTACHMENT_TYPES:
        if res.get("policyArn") in ADMIN_POLICY_ARNS:
            yield f"attaches {res.get('policyArn')}"
        return
    if res.type in t.GCP_IAM_TYPES:
        if res.get("role") in GCP_PRIMITIVE_ROLES:
            yield f"grants the primitive role {res.get('role')}"
        return
    docs = [res.get("policy")] if res.type != tokens.AWS_IAM_ROLE else [
        p.get("policy") for p in res.get("inlinePolicies") or [] if isinstance(p, Mapping)]
    for doc in docs:
        for stmt in _statements(doc):
            if stmt.get("Effect", "Allow") != "Allow":
                continue
            actions = _as_list(stmt.get("Action"))
            resources = _as_list(stmt.get("Resource"))
            if any(a in ("*", "*:*") for a in actions) and "*" in resources:
                yield "a statement allows Action \"*\" on Resource \"*\""
    if res.type == tokens.AWS_IAM_ROLE:
        for arn in res.get("managedPolicyArns") or []:
            if arn in ADMIN_POLICY_ARNS:
                yield f"attaches {arn}"


def _default_sa(email: Any) -> bool:
    text = str(email or "default")
    return text == "default" or text.endswith("-compute@developer.gserviceaccount.com")


@resource_rule("gce-default-sa-scope", "No GCE default service account with the cloud-platform "
               "scope", SEC, Severity.HIGH, "Attach a dedicated gcp.serviceaccount.Account with "
               "only the roles the VM needs (or no service account at all).",
               (*t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE))
def gce_default_sa_scope(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    accounts = [n["serviceAccount"] for n in t.queued_tpu_nodes(res)] \
        if res.type == tokens.DYNAMIC_RESOURCE else [res.get("serviceAccount")]
    for account in accounts:
        if isinstance(account, Mapping):
            yield from _default_sa_findings(account)


def _default_sa_findings(account: Mapping[str, Any]) -> Iterator[str]:
    scopes = [str(s) for s in account.get("scopes") or []]
    broad = [s for s in scopes if s.rsplit("/", 1)[-1] == "cloud-platform"]
    if _default_sa(account.get("email")) and broad:
        yield "runs as the Compute Engine default service account with the cloud-platform scope"


@resource_rule("gce-shielded-vm", "GCE VMs run as Shielded VMs", SEC, Severity.MEDIUM,
               "Set shielded_instance_config enable_vtpm and enable_integrity_monitoring (and "
               "enable_secure_boot, except on GPU VMs whose drivers are built at boot).",
               t.GCE_MACHINES, config={"secureBootOnGpu": False})
def gce_shielded_vm(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    """vTPM and integrity monitoring default to on; Secure Boot defaults to off. GPU
    VMs are exempt from Secure Boot unless configured: the Deep Learning VM images
    build NVIDIA kernel modules at first boot, unsigned."""
    shielded = res.get("shieldedInstanceConfig")
    if not isinstance(shielded, Mapping):
        shielded = {}
    gpu = t.is_gcp_gpu_machine(str(res.get("machineType") or ""), res.get("guestAccelerators"))
    wanted = {"enableVtpm": True, "enableIntegrityMonitoring": True,
              "enableSecureBoot": not gpu or bool(cfg.get("secureBootOnGpu"))}
    off = [f for f, needed in wanted.items()
           if needed and shielded.get(f, f != "enableSecureBoot") is not True]
    if off:
        yield f"Shielded VM features off: {', '.join(off)}"


@stack_rule("gce-os-login", "GCE and TPU VMs use OS Login, not project SSH keys", SEC,
            Severity.MEDIUM, "Set metadata enable-oslogin=\"TRUE\" on the VM (or project-wide) "
            "and grant roles/compute.osLogin instead of adding SSH keys.",
            (*t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE,
             *t.GCP_PROJECT_METADATA))
def gce_os_login(stack: Stack, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    project_wide = any(_oslogin_on(r) for r in stack.of_type(*t.GCP_PROJECT_METADATA))
    vms = [(vm, vm.get("metadata") or {}) for vm in stack.of_type(*t.GCE_MACHINES,
                                                                  tokens.GCP_TPU_V2_VM)]
    vms += [(q, n["metadata"]) for q in stack.of_type(tokens.DYNAMIC_RESOURCE)
            for n in t.queued_tpu_nodes(q)]
    for vm, metadata in vms:
        if "ssh-keys" in metadata or "sshKeys" in metadata:
            yield vm, "metadata carries SSH keys (use OS Login instead)"
        value = str(metadata.get("enable-oslogin", "")).upper()
        if value == "FALSE" or (not value and not project_wide):
            yield vm, "OS Login is not enabled (metadata enable-oslogin)"


def _oslogin_on(res: Res) -> bool:
    if res.get("key") == "enable-oslogin":
        return str(res.get("value", "")).upper() == "TRUE"
    return str((res.get("metadata") or {}).get("enable-oslogin", "")).upper() == "TRUE"
