"""Resource type tokens the guardrails inspect, grouped by what they are."""

from __future__ import annotations

import re

# AWS
EC2_INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
EBS_VOLUME = "aws:ebs/volume:Volume"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
S3_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_SSE_V2 = ("aws:s3/bucketServerSideEncryptionConfigurationV2:"
             "BucketServerSideEncryptionConfigurationV2")
S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
S3_VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
S3_LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
EFS = "aws:efs/fileSystem:FileSystem"
FSX_LUSTRE = "aws:fsx/lustreFileSystem:LustreFileSystem"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
IAM_POLICY_TYPES = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy",
                    "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy")
IAM_ROLE = "aws:iam/role:Role"
IAM_ATTACHMENT_TYPES = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
                        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
                        "aws:iam/policyAttachment:PolicyAttachment")
AWS_BUDGET = "aws:budgets/budget:Budget"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EIP = "aws:ec2/eip:Eip"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
VPC = "aws:ec2/vpc:Vpc"

S3_BUCKETS = (S3_BUCKET, S3_BUCKET_V2)

# GCP
GCE_INSTANCE = "gcp:compute/instance:Instance"
GCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
GCE_REGION_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"
GCE_DISK = "gcp:compute/disk:Disk"
GCE_FIREWALL = "gcp:compute/firewall:Firewall"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
FILESTORE = "gcp:filestore/instance:Instance"
TPU_VM = "gcp:tpu/v2Vm:V2Vm"
TPU_QUEUED = "gcp:tpu/v2QueuedResource:V2QueuedResource"
GCP_BUDGET = "gcp:billing/budget:Budget"
GCP_SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
GCP_PROJECT_METADATA = ("gcp:compute/projectMetadata:ProjectMetadata",
                        "gcp:compute/projectMetadataItem:ProjectMetadataItem")
GCP_IAM_TYPES = ("gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding")

GCE_TEMPLATES = (GCE_TEMPLATE, GCE_REGION_TEMPLATE)
GCE_MACHINES = (GCE_INSTANCE, *GCE_TEMPLATES)

# Data stores: what teardown must not silently delete.
DATA_STORES = (S3_BUCKET, S3_BUCKET_V2, EBS_VOLUME, EFS, FSX_LUSTRE, GCS_BUCKET, GCE_DISK,
               FILESTORE)

_GPU_FAMILY = re.compile(r"^(p\d+[a-z]*|g\d+[a-z]*|gr\d+|trn\d+[a-z]*|inf\d+|dl\d+[a-z]*)\.")
_GCP_GPU_MACHINE = re.compile(r"^(a2|a3|a4|g2|g4)-")


def is_aws_accelerator_type(instance_type: str) -> bool:
    """GPU/Trainium/Inferentia/Gaudi families (p*, g*, trn*, inf*, dl*)."""
    return bool(_GPU_FAMILY.match(instance_type or ""))


def is_gcp_gpu_machine(machine_type: str, accelerators: object = None) -> bool:
    """Accelerator-optimised machine families, or any machine with guest GPUs."""
    name = (machine_type or "").rsplit("/", 1)[-1]
    return bool(_GCP_GPU_MACHINE.match(name)) or bool(accelerators)


DYNAMIC = "pulumi-python:dynamic:Resource"
"""ailab's queued TPU slice is a dynamic resource (kind tpu.v2.QueuedResource):
pulumi-gcp's V2QueuedResource cannot ask for spot capacity."""
QUEUED_TPU_KIND = "tpu.v2.QueuedResource"
QUEUED_TPUS = (TPU_QUEUED, DYNAMIC)

_TPU_GENERATIONS = {"V2": ("v2", 2), "V3": ("v3", 2), "V4": ("v4", 2), "V5P": ("v5p", 2),
                    "V5LITE_POD": ("v5litepod", 1), "V6E": ("v6e", 1)}


def tpu_type_name(node: dict) -> str | None:
    """Catalog name of a TPU node: accelerator type, or type+topology (v5e 2x4 -> v5litepod-8;
    v4/v5p names count TensorCores, two per chip)."""
    explicit = node.get("acceleratorType") or node.get("accelerator_type")
    if explicit:
        return f"tpu-{explicit}"
    config = node.get("acceleratorConfig") or node.get("accelerator_config") or {}
    gen = _TPU_GENERATIONS.get(str(config.get("type", "")).upper())
    dims = str(config.get("topology", "")).split("x")
    if gen is None or not all(d.isdigit() for d in dims):
        return None
    chips = 1
    for d in dims:
        chips *= int(d)
    return f"tpu-{gen[0]}-{chips * gen[1]}"


def queued_tpu_nodes(res: object) -> list[dict]:
    """The TPU node specs of a queued resource (pulumi-gcp's or ailab's dynamic one),
    normalised: acceleratorType name, externalIps, spot (None: cannot be expressed),
    labels, metadata, serviceAccount {email, scopes}."""
    type_ = getattr(res, "type", "")
    get = res.get  # type: ignore[attr-defined]
    if type_ == TPU_QUEUED:
        nodes = [(s.get("node") or {}) for s in get("tpu.nodeSpecs") or []]
        return [{"type": tpu_type_name(n), "spot": None, "labels": {}, "metadata": {},
                 "serviceAccount": None,
                 "externalIps": bool((n.get("networkConfig") or {}).get("enableExternalIps"))}
                for n in nodes]
    if type_ != DYNAMIC or get("kind") != QUEUED_TPU_KIND:
        return []
    node = get("node") or {}
    account = node.get("service_account") or None
    return [{"type": tpu_type_name(node), "spot": bool(get("spot")),
             "labels": node.get("labels") or {}, "metadata": node.get("metadata") or {},
             "serviceAccount": {"email": account.get("email"), "scopes": account.get("scope")}
             if account else None,
             "externalIps": bool((node.get("network_config") or {}).get("enable_external_ips"))}]
