"""The resource kinds each guardrail judges: groups of type tokens (from
``ailab.core.tokens``) and the classifiers that tell a kind from its token or
inputs (GPU machine families, every GCP IAM resource kind, queued TPU slices)."""

from __future__ import annotations

import re
from typing import Any

from ailab.core import tokens, tpu
from ailab.core.inventory import Resource

# AWS
S3_BUCKETS = (tokens.AWS_S3_BUCKET, tokens.AWS_S3_BUCKET_V2)
S3_SSE = (tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION,
          tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION_V2)
S3_VERSIONING = (tokens.AWS_S3_BUCKET_VERSIONING, tokens.AWS_S3_BUCKET_VERSIONING_V2)
S3_LIFECYCLE = (tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION,
                tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION_V2)
IAM_POLICY_TYPES = (tokens.AWS_IAM_POLICY, tokens.AWS_IAM_ROLE_POLICY,
                    tokens.AWS_IAM_USER_POLICY, tokens.AWS_IAM_GROUP_POLICY)
IAM_ATTACHMENT_TYPES = (tokens.AWS_IAM_ROLE_POLICY_ATTACHMENT,
                        tokens.AWS_IAM_USER_POLICY_ATTACHMENT,
                        tokens.AWS_IAM_GROUP_POLICY_ATTACHMENT,
                        tokens.AWS_IAM_POLICY_ATTACHMENT)
"""Attach one managed policy (``policyArn``)."""
IAM_EXCLUSIVE_ATTACHMENT_TYPES = (tokens.AWS_IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
                                  tokens.AWS_IAM_USER_POLICY_ATTACHMENTS_EXCLUSIVE,
                                  tokens.AWS_IAM_GROUP_POLICY_ATTACHMENTS_EXCLUSIVE)
"""Attach a list of managed policies (``policyArns``)."""
AWS_IAM_TYPES = (*IAM_POLICY_TYPES, tokens.AWS_IAM_ROLE, *IAM_ATTACHMENT_TYPES,
                 *IAM_EXCLUSIVE_ATTACHMENT_TYPES)
"""Every AWS resource that grants identity permissions."""
RESOURCE_POLICY_TYPES = {tokens.AWS_S3_BUCKET_POLICY: "policy",
                         tokens.AWS_SNS_TOPIC_POLICY: "policy",
                         tokens.AWS_SQS_QUEUE_POLICY: "policy", tokens.AWS_KMS_KEY: "policy",
                         tokens.AWS_EFS_FILE_SYSTEM_POLICY: "policy",
                         tokens.AWS_IAM_ROLE: "assumeRolePolicy"}
"""Resource-based policies (who may act on the resource) and the input holding each."""
AWS_MACHINES = (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE,
                tokens.AWS_AUTOSCALING_GROUP)

# GCP
GCP_PROJECT_METADATA = (tokens.GCP_COMPUTE_PROJECT_METADATA,
                        tokens.GCP_COMPUTE_PROJECT_METADATA_ITEM)
GCP_IAM_PATTERNS = ("gcp:*IAMMember", "gcp:*IAMBinding", "gcp:*IAMPolicy")
"""Every GCP IAM resource kind: pulumi-gcp names each service's grants
``<Thing>IAMMember`` (one member), ``<Thing>IAMBinding`` (members of one role)
and ``<Thing>IAMPolicy`` (the whole policy as ``policyData`` JSON)."""


def gcp_iam_kind(type_: str) -> str | None:
    """``member``, ``binding`` or ``policy`` for a GCP IAM resource token, else None."""
    if not type_.startswith("gcp:"):
        return None
    member = type_.rsplit(":", 1)[-1]
    for suffix, kind in (("IAMMember", "member"), ("IAMBinding", "binding"),
                         ("IAMPolicy", "policy")):
        if member.endswith(suffix):
            return kind
    return None


GCE_TEMPLATES = (tokens.GCP_COMPUTE_INSTANCE_TEMPLATE,
                 tokens.GCP_COMPUTE_REGION_INSTANCE_TEMPLATE)
GCE_MACHINES = (tokens.GCP_COMPUTE_INSTANCE, *GCE_TEMPLATES)

# Data stores: what teardown must not silently delete.
DATA_STORES = (*S3_BUCKETS, tokens.AWS_EBS_VOLUME, tokens.AWS_EFS_FILE_SYSTEM,
               tokens.AWS_FSX_LUSTRE_FILE_SYSTEM, tokens.GCP_STORAGE_BUCKET,
               tokens.GCP_COMPUTE_DISK, tokens.GCP_FILESTORE_INSTANCE)

_GPU_FAMILY = re.compile(r"^(p\d+[a-z]*|g\d+[a-z]*|gr\d+|trn\d+[a-z]*|inf\d+|dl\d+[a-z]*)\.")
_GCP_GPU_MACHINE = re.compile(r"^(a2|a3|a4|g2|g4)-")


def is_aws_accelerator_type(instance_type: str) -> bool:
    """GPU/Trainium/Inferentia/Gaudi families (p*, g*, trn*, inf*, dl*)."""
    return bool(_GPU_FAMILY.match(instance_type or ""))


def is_gcp_gpu_machine(machine_type: str, accelerators: object = None) -> bool:
    """Accelerator-optimised machine families, or any machine with guest GPUs."""
    name = (machine_type or "").rsplit("/", 1)[-1]
    return bool(_GCP_GPU_MACHINE.match(name)) or bool(accelerators)


"""ailab's queued TPU slice is a dynamic resource (kind tpu.v2.QueuedResource):
pulumi-gcp's V2QueuedResource cannot ask for spot capacity."""
QUEUED_TPU_KIND = "tpu.v2.QueuedResource"
QUEUED_TPUS = (tokens.GCP_TPU_V2_QUEUED_RESOURCE, tokens.DYNAMIC_RESOURCE)

def tpu_type_name(node: dict) -> str | None:
    """Catalog name of a TPU node (``tpu-v5litepod-8``), or None when it cannot be told."""
    found = tpu.node_type(node)
    return tpu.catalog_name(found) if found else None


def queued_tpu_nodes(res: Resource) -> list[dict[str, Any]]:
    """The TPU node specs of a queued resource (pulumi-gcp's or ailab's dynamic one),
    normalised: acceleratorType name, externalIps, spot (None: cannot be expressed),
    labels, metadata, serviceAccount {email, scopes}."""
    if res.type == tokens.GCP_TPU_V2_QUEUED_RESOURCE:
        nodes = [_dict(_dict(s).get("node")) for s in res.get("tpu.nodeSpecs") or []
                 if isinstance(s, dict)]
        return [{"type": tpu_type_name(n), "spot": None, "labels": {}, "metadata": {},
                 "serviceAccount": None,
                 "externalIps": bool(_dict(n.get("networkConfig")).get("enableExternalIps"))}
                for n in nodes]
    if res.type != tokens.DYNAMIC_RESOURCE or res.get("kind") != QUEUED_TPU_KIND:
        return []
    node = _dict(res.get("node"))
    account = _dict(node.get("service_account"))
    return [{"type": tpu_type_name(node), "spot": bool(res.get("spot")),
             "labels": _dict(node.get("labels")), "metadata": _dict(node.get("metadata")),
             "serviceAccount": {"email": account.get("email"), "scopes": account.get("scope")}
             if account else None,
             "externalIps": bool(_dict(node.get("network_config")).get("enable_external_ips"))}]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
