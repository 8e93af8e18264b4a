"""Small resources and policy documents for the guardrail rule cases: each builder
makes a resource that passes every rule, and keyword arguments make it bad."""

from __future__ import annotations

import base64
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t

TAGS = {"ailab:stack": "s", "ailab:owner": "o"}
LABELS = {"ailab-stack": "s", "ailab-owner": "o"}
IMDS2 = {"httpTokens": "required", "httpEndpoint": "enabled"}
SPOT = {"marketType": "spot"}
SHIELDED = {"enableSecureBoot": True, "enableVtpm": True, "enableIntegrityMonitoring": True}
EFS = "fs-0abc12345.efs.us-east-1.amazonaws.com"
EFS_NFS = f"echo {EFS}:/ /home/shared nfs4 nfsvers=4.1,_netdev 0 0 >> /etc/fstab\n"
EFS_TLS = f"echo {EFS}:/ /home/shared efs _netdev,tls 0 0 >> /etc/fstab\n"
GCSFUSE_664 = "gcsfuse --implicit-dirs -o allow_other --file-mode 664 --dir-mode 775 b /mnt/gcs\n"
WATCHDOG = "#!/bin/bash\nsystemctl enable --now ailab-idle-watchdog.service\n"
OSLOGIN = {"enable-oslogin": "TRUE", "ailab-idle-minutes": "60", "startup-script": WATCHDOG}


def r(type_: str, name: str, deps: dict[str, set[str]] | None = None,
      retain: bool | None = True, protect: bool = False, **props: Any) -> Resource:
    return Resource(type=type_, name=name, inputs=props, retain_on_delete=retain,
                    protect=protect, deps={k: sorted(v) for k, v in (deps or {}).items()},
                    id=f"{name}-id")


def ec2(name: str = "vm", **props: Any) -> Resource:
    base = {"instanceType": "g6.xlarge", "metadataOptions": IMDS2, "tags": TAGS,
            "rootBlockDevice": {"encrypted": True}, "instanceMarketOptions": SPOT}
    return r(tokens.AWS_EC2_INSTANCE, name, **{**base, **props})


def alarm(instance: str = "vm", name: str | None = None, **inputs: Any) -> Resource:
    base = {"alarmActions": ["arn:aws:automate:us-east-1:ec2:stop"],
            "dimensions": {"InstanceId": f"{instance}-id"}, "namespace": "CWAgent",
            "metricName": "nvidia_smi_utilization_gpu", "comparisonOperator": "LessThanThreshold",
            "threshold": 10, "treatMissingData": "notBreaching"}
    props = {k: v for k, v in {**base, **inputs}.items() if v is not None}
    links = {"metricQueries" if "metricQueries" in props else "dimensions": {instance}}
    return r(tokens.AWS_CLOUDWATCH_METRIC_ALARM, name or f"{instance}-idle", deps=links,
             **props)


def budget() -> Resource:
    return r(tokens.AWS_BUDGETS_BUDGET, "budget", limitAmount="100.00",
             notifications=[{"threshold": 80}])


def s3(pab: dict[str, Any] | None = None, sse: str | None = "aws:kms",
       versioning: str | None = "Enabled", lifecycle: bool = True, **bucket: Any) -> list[Resource]:
    """A bucket and its linked configuration resources (None/False leaves one out)."""
    link = {"bucket": {"b"}}
    out = [r(tokens.AWS_S3_BUCKET, "b", tags=TAGS, forceDestroy=False, **bucket)]
    flags = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
             "restrictPublicBuckets": True}
    if pab is not None:
        out.append(r(tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK, "b-pab", deps=link, bucket="b-id",
                     **{**flags, **pab}))
    if sse:
        out.append(r(tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION, "b-sse",
                     deps=link, bucket="b-id", rules=[
            {"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse}}]))
    if versioning:
        out.append(r(tokens.AWS_S3_BUCKET_VERSIONING, "b-ver", deps=link, bucket="b-id",
                     versioningConfiguration={"status": versioning}))
    if lifecycle:
        out.append(r(tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION, "b-lc", deps=link, bucket="b-id",
                     rules=[{"id": "tier", "status": "Enabled"}]))
    return out


def gcs(**props: Any) -> Resource:
    base = {"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": True,
            "versioning": {"enabled": True}, "lifecycleRules": [{"action": {"type": "Delete"}}],
            "labels": LABELS, "forceDestroy": False}
    return r(tokens.GCP_STORAGE_BUCKET, "gcs", **{**base, **props})


def gce(type_: str = tokens.GCP_COMPUTE_INSTANCE, **props: Any) -> Resource:
    base = {"machineType": "g2-standard-8", "labels": LABELS,
            "scheduling": {"provisioningModel": "SPOT", "preemptible": True},
            "shieldedInstanceConfig": SHIELDED, "metadata": OSLOGIN,
            "serviceAccount": {"email": "lab@p.iam.gserviceaccount.com",
                               "scopes": ["https://www.googleapis.com/auth/cloud-platform"]},
            "networkInterfaces": [{"network": "lab"}]}
    return r(type_, "gce", **{**base, **props})


def tpu(**props: Any) -> Resource:
    base = {"acceleratorType": "v5litepod-8", "labels": LABELS, "metadata": OSLOGIN,
            "schedulingConfig": {"spot": True}, "networkConfig": {"enableExternalIps": False}}
    return r(tokens.GCP_TPU_V2_VM, "tpu", **{**base, **props})


def queued(spot: bool = True, external: bool = False, **node: Any) -> Resource:
    """ailab's dynamic queued TPU slice (snake_case inputs, as the provider takes them)."""
    base = {"accelerator_config": {"type": "V5LITE_POD", "topology": "2x4"},
            "labels": LABELS, "metadata": OSLOGIN,
            "network_config": {"enable_external_ips": external}}
    return r(tokens.DYNAMIC_RESOURCE, "qr", kind=t.QUEUED_TPU_KIND, spot=spot, node={**base,
                                                                                     **node})


DEFAULT_SA = "123-compute@developer.gserviceaccount.com"
CLOUD_PLATFORM = ["https://www.googleapis.com/auth/cloud-platform"]
OPEN_SSH = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}
WILDCARD = '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
SCOPED = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
NOT_ACTION = '{"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}'
NOT_RESOURCE = ('{"Statement": [{"Effect": "Allow", "Action": "*", '
                '"NotResource": "arn:aws:s3:::secret/*"}]}')
IAM_STAR = '{"Statement": [{"Effect": "Allow", "Action": ["IAM:*"], "Resource": ["*"]}]}'
GCP_OWNER_POLICY = '{"bindings": [{"role": "roles/owner", "members": ["user:a@example.com"]}]}'
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
SSM_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
PUBLIC_READ = ('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, '
               '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}')
EC2_TRUST = ('{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},'
             ' "Action": "sts:AssumeRole"}]}')
TLS_ONLY = ('{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", '
            '"Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], '
            '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}')

def sg_ingress(cidrs: list[str], ipv6: list[str] | None = None) -> Resource:
    return r(tokens.AWS_EC2_SECURITY_GROUP, "sg", ingress=[
        {**OPEN_SSH, "cidrBlocks": cidrs, "ipv6CidrBlocks": ipv6 or []}])


def sg_rule(name: str, cidr: str) -> Resource:
    return r(tokens.AWS_EC2_SECURITY_GROUP_RULE, name, deps={"securityGroupId": {"sg"}},
             type="ingress", protocol="tcp", fromPort=22, toPort=22, cidrBlocks=[cidr],
             securityGroupId="sg-id")


SSH_ALLOW = {"protocol": "tcp", "ports": ["22"]}


def fw(name: str, ranges: list[str], network: str = "vpc") -> Resource:
    return r(tokens.GCP_COMPUTE_FIREWALL, name, network=network, sourceRanges=ranges,
             allows=[SSH_ALLOW])


def filestore(options: list[dict[str, Any]] | None) -> Resource:
    share: dict[str, Any] = {"name": "home", "capacityGb": 1024}
    if options is not None:
        share["nfsExportOptions"] = options
    return r(tokens.GCP_FILESTORE_INSTANCE, "fs", fileShares=share, labels=LABELS)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def priced(budget_usd: str, **budget_inputs: Any) -> Inventory:
    """A g6.xlarge spot machine for 730 h (295 USD a month) and an AWS budget."""
    return Inventory("s", "aws", "us-east-1", [
        ec2(), r(tokens.AWS_BUDGETS_BUDGET, "budget", limitAmount=budget_usd, limitUnit="USD",
                 timeUnit=budget_inputs.pop("timeUnit", "MONTHLY"),
                 notifications=[{"threshold": 80}])])
