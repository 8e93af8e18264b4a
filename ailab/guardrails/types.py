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
