"""Security guardrails: encryption at rest, public buckets, IMDSv2, GCE identity.

Each check returns messages (one per problem); an empty result means compliant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.links import bucket_findings
from ailab.guardrails.rule import (
    Finding,
    Severity,
    is_unknown,
    items,
    mapping,
    resource_rule,
    stack_rule,
    truthy,
)

SEC = "security"


@resource_rule("ebs-encrypted", "EBS volumes and instance block devices are encrypted",
               SEC, Severity.HIGH, "Set encrypted=True on every EBS volume, root block "
               "device and launch-template block device mapping (a template without mappings "
               "boots the AMI's default, unencrypted root).",
               (tokens.AWS_EBS_VOLUME, tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE))
def ebs_encrypted(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type == tokens.AWS_EBS_VOLUME:
        if not truthy(res.get("encrypted")):
            yield "EBS volume is not encrypted"
        return
    if res.type == tokens.AWS_EC2_INSTANCE:
        root = res.get("rootBlockDevice")
        if root is None and res.get("launchTemplate") is None:
            yield "root block device has no encryption setting (unencrypted by default)"
        elif root is not None and not is_unknown(root) and \
                not truthy(mapping(root).get("encrypted")):
            yield "root block device is not encrypted"
        for dev in items(res.get("ebsBlockDevices")):
            if not truthy(mapping(dev).get("encrypted")):
                yield f"EBS block device {mapping(dev).get('deviceName', '?')} is not encrypted"
        return
    yield from _template_devices(res)


def _template_devices(res: Resource) -> Iterator[str]:
    """A launch template must map at least one encrypted EBS device (the root), and
    every EBS device it maps must be encrypted."""
    mappings = res.get("blockDeviceMappings")
    if is_unknown(mappings):
        return
    ebs = [(mapping(m).get("deviceName", "?"), mapping(mapping(m).get("ebs")))
           for m in items(mappings) if mapping(m).get("ebs") is not None]
    if not ebs:
        yield "launch template has no block device mappings: instances boot the AMI's " \
              "default root volume, unencrypted unless the account encrypts by default"
    for device, settings in ebs:
        if not truthy(settings.get("encrypted")):
            yield f"block device {device} is not encrypted"


@resource_rule("efs-encrypted", "EFS file systems are encrypted at rest", SEC, Severity.HIGH,
               "Set encrypted=True on the EFS file system (it cannot be changed later).",
               (tokens.AWS_EFS_FILE_SYSTEM,))
def efs_encrypted(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if not truthy(res.get("encrypted")):
        yield "EFS file system is not encrypted at rest"


@resource_rule("fsx-encrypted", "FSx for Lustre uses a persistent, KMS-encrypted deployment",
               SEC, Severity.MEDIUM, "Use deploymentType PERSISTENT_2 (KMS-encrypted at rest, "
               "optionally with kmsKeyId); scratch types use keys you cannot audit or revoke.",
               (tokens.AWS_FSX_LUSTRE_FILE_SYSTEM,))
def fsx_encrypted(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    deployment = str(res.get("deploymentType") or "SCRATCH_1")
    if not deployment.startswith("PERSISTENT") and not is_unknown(deployment):
        yield f"deploymentType {deployment} is not KMS-encrypted at rest"


@resource_rule("pd-encrypted", "Persistent disks use Google-managed or Cloud KMS keys", SEC,
               Severity.HIGH, "Drop raw/RSA customer-supplied keys; use kmsKeySelfLink "
               "(CMEK) or the default Google-managed encryption.",
               (tokens.GCP_COMPUTE_DISK, tokens.GCP_COMPUTE_INSTANCE, *t.GCE_TEMPLATES))
def pd_encrypted(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """GCP always encrypts PD; a raw or RSA-wrapped key in the program puts the key
    material into stack state, and losing it loses the disk."""
    if res.type == tokens.GCP_COMPUTE_DISK:
        key = mapping(res.get("diskEncryptionKey"))
        for name in ("rawKey", "rsaEncryptedKey"):
            if key.get(name):
                yield f"diskEncryptionKey.{name} holds key material in the stack"
        return
    if res.type == tokens.GCP_COMPUTE_INSTANCE:
        disks = [("bootDisk", mapping(res.get("bootDisk")))]
        disks += [(f"attachedDisks[{i}]", mapping(d))
                  for i, d in enumerate(items(res.get("attachedDisks")))]
        for where, disk in disks:
            for name in ("diskEncryptionKeyRaw", "diskEncryptionKeyRsa"):
                if disk.get(name):
                    yield f"{where}.{name} holds key material in the stack"
        return
    for i, disk in enumerate(items(res.get("disks"))):
        for name in ("sourceImageEncryptionKey", "sourceSnapshotEncryptionKey"):
            if mapping(mapping(disk).get(name)).get("rawKey"):
                yield f"disks[{i}].{name}.rawKey holds key material in the stack"


def _sse_problem(res: Resource) -> str | None:
    rules = res.get("rules") or res.get("serverSideEncryptionConfiguration.rules")
    if is_unknown(rules):
        return None
    algos = [str(mapping(mapping(r).get("applyServerSideEncryptionByDefault"))
                 .get("sseAlgorithm", "")) for r in items(rules)]
    if not any(a in ("aws:kms", "aws:kms:dsse", "AES256") for a in algos):
        return "no default encryption algorithm (aws:kms, aws:kms:dsse or AES256)"
    return None


@stack_rule("s3-encrypted", "S3 buckets have default server-side encryption", SEC, Severity.HIGH,
            "Add aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm aws:kms.",
            (*t.S3_BUCKETS, *t.S3_SSE))
def s3_encrypted(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from bucket_findings(inv, t.S3_SSE, "serverSideEncryptionConfiguration",
                               _sse_problem, "bucket has no server-side encryption configuration")


_PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _pab_problem(res: Resource) -> str | None:
    off = [f for f in _PAB_FLAGS if not truthy(res.get(f)) and not is_unknown(res.get(f))]
    return f"public access block leaves {', '.join(off)} off" if off else None


@stack_rule("s3-public-access-block", "S3 buckets block every form of public access", SEC,
            Severity.CRITICAL, "Add aws.s3.BucketPublicAccessBlock with all four block/ignore/"
            "restrict flags True.", (*t.S3_BUCKETS, tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK))
def s3_public_access_block(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from bucket_findings(inv, (tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK,), None,
                               _pab_problem, "bucket has no public access block")


@resource_rule("gcs-public-access-prevention", "GCS buckets enforce public access prevention",
               SEC, Severity.CRITICAL, "Set public_access_prevention=\"enforced\" on the bucket.",
               (tokens.GCP_STORAGE_BUCKET,))
def gcs_public_access_prevention(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.get("publicAccessPrevention") != "enforced":
        yield f"publicAccessPrevention is {res.get('publicAccessPrevention')!r}, not 'enforced'"


@resource_rule("gcs-uniform-access", "GCS buckets use uniform bucket-level access", SEC,
               Severity.HIGH, "Set uniform_bucket_level_access=True (IAM only, no object ACLs).",
               (tokens.GCP_STORAGE_BUCKET,))
def gcs_uniform_access(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if not truthy(res.get("uniformBucketLevelAccess")):
        yield "uniformBucketLevelAccess is off (object ACLs can make objects public)"


@resource_rule("imdsv2", "EC2 instances and launch templates require IMDSv2", SEC, Severity.HIGH,
               "Set metadata_options http_tokens=\"required\" (instance or launch template).",
               (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE))
def imdsv2(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Instances launched from a template inherit its setting (checked on the template)."""
    if res.type == tokens.AWS_EC2_INSTANCE and res.get("launchTemplate") and \
            res.get("metadataOptions") is None:
        return
    if is_unknown(res.get("metadataOptions")):
        return
    if res.get("metadataOptions.httpEndpoint") == "disabled":
        return
    if res.get("metadataOptions.httpTokens") != "required":
        yield "instance metadata accepts IMDSv1 (httpTokens is not 'required')"


def _default_sa(email: Any) -> bool:
    text = str(email or "default")
    return text == "default" or text.endswith("-compute@developer.gserviceaccount.com")


@resource_rule("gce-default-sa-scope", "No GCE default service account with the cloud-platform "
               "scope", SEC, Severity.HIGH, "Attach a dedicated gcp.serviceaccount.Account with "
               "only the roles the VM needs (or no service account at all).",
               (*t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE))
def gce_default_sa_scope(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    accounts = [n["serviceAccount"] for n in t.queued_tpu_nodes(res)] \
        if res.type == tokens.DYNAMIC_RESOURCE else [res.get("serviceAccount")]
    for account in accounts:
        if isinstance(account, Mapping):
            yield from _default_sa_findings(account)


def _default_sa_findings(account: Mapping[str, Any]) -> Iterator[str]:
    scopes = [str(s) for s in items(account.get("scopes")) or
              ([account["scopes"]] if isinstance(account.get("scopes"), str) else [])]
    broad = [s for s in scopes if s.rsplit("/", 1)[-1] == "cloud-platform"]
    if _default_sa(account.get("email")) and broad and not is_unknown(account.get("email")):
        yield "runs as the Compute Engine default service account with the cloud-platform scope"


@resource_rule("gce-shielded-vm", "GCE VMs run as Shielded VMs", SEC, Severity.MEDIUM,
               "Set shielded_instance_config enable_vtpm and enable_integrity_monitoring (and "
               "enable_secure_boot, except on GPU VMs whose drivers are built at boot).",
               t.GCE_MACHINES, config={"secureBootOnGpu": False})
def gce_shielded_vm(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """vTPM and integrity monitoring default to on; Secure Boot defaults to off. GPU
    VMs are exempt from Secure Boot unless configured: the Deep Learning VM images
    build NVIDIA kernel modules at first boot, unsigned."""
    shielded = mapping(res.get("shieldedInstanceConfig"))
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
def gce_os_login(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    project_wide = any(_oslogin_on(r) for r in inv.by_type(*t.GCP_PROJECT_METADATA))
    vms = [(vm, vm.get("metadata")) for vm in inv.by_type(*t.GCE_MACHINES, tokens.GCP_TPU_V2_VM)]
    vms += [(q, n["metadata"]) for q in inv.by_type(tokens.DYNAMIC_RESOURCE)
            for n in t.queued_tpu_nodes(q)]
    for vm, metadata in vms:
        if is_unknown(metadata):
            continue
        metadata = mapping(metadata)
        if "ssh-keys" in metadata or "sshKeys" in metadata:
            yield vm, "metadata carries SSH keys (use OS Login instead)"
        value = str(metadata.get("enable-oslogin", "")).upper()
        if value == "FALSE" or (not value and not project_wide):
            yield vm, "OS Login is not enabled (metadata enable-oslogin)"


def _oslogin_on(res: Resource) -> bool:
    if res.get("key") == "enable-oslogin":
        return str(res.get("value", "")).upper() == "TRUE"
    return str(mapping(res.get("metadata")).get("enable-oslogin", "")).upper() == "TRUE"
