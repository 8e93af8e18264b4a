"""Every rule fires on a deliberately bad resource and stays quiet on a good one.

Each case is a small stack (a list of ``Res``); links between resources are
declared as property dependencies, the way the engine reports them.
"""

from __future__ import annotations

from typing import Any

import pytest

from ailab.core import tokens
from ailab.guardrails import types as t
from ailab.guardrails.evaluate import evaluate
from ailab.guardrails.rule import Res, load_rules
from tests.guardrails.test_rules_observability import CASES as OBSERVABILITY_CASES

TAGS = {"ailab:stack": "s", "ailab:owner": "o"}
LABELS = {"ailab-stack": "s", "ailab-owner": "o"}
IMDS2 = {"httpTokens": "required", "httpEndpoint": "enabled"}
SPOT = {"marketType": "spot"}
SHIELDED = {"enableSecureBoot": True, "enableVtpm": True, "enableIntegrityMonitoring": True}
OSLOGIN = {"enable-oslogin": "TRUE", "ailab-idle-minutes": "60"}


def r(type_: str, name: str, deps: dict[str, set[str]] | None = None,
      retain: bool | None = True, protect: bool = False, **props: Any) -> Res:
    return Res(type=type_, name=name, props=props, retain_on_delete=retain, protect=protect,
               deps={k: frozenset(v) for k, v in (deps or {}).items()})


def ec2(name: str = "vm", **props: Any) -> Res:
    base = {"instanceType": "g6.xlarge", "metadataOptions": IMDS2, "tags": TAGS,
            "rootBlockDevice": {"encrypted": True}, "instanceMarketOptions": SPOT}
    return r(tokens.AWS_EC2_INSTANCE, name, **{**base, **props})


def alarm(instance: str = "vm", namespace: str = "CWAgent",
          metric: str = "nvidia_smi_utilization_gpu") -> Res:
    return r(tokens.AWS_CLOUDWATCH_METRIC_ALARM, f"{instance}-idle",
             deps={"dimensions": {instance}},
             alarmActions=["arn:aws:automate:us-east-1:ec2:stop"],
             dimensions={"InstanceId": f"{instance}-id"}, namespace=namespace,
             metricName=metric)


def budget() -> Res:
    return r(tokens.AWS_BUDGETS_BUDGET, "budget", limitAmount="100.00",
             notifications=[{"threshold": 80}])


def s3(pab: dict[str, Any] | None = None, sse: str | None = "aws:kms",
       versioning: str | None = "Enabled", lifecycle: bool = True, **bucket: Any) -> list[Res]:
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


def gcs(**props: Any) -> Res:
    base = {"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": True,
            "versioning": {"enabled": True}, "lifecycleRules": [{"action": {"type": "Delete"}}],
            "labels": LABELS, "forceDestroy": False}
    return r(tokens.GCP_STORAGE_BUCKET, "gcs", **{**base, **props})


def gce(type_: str = tokens.GCP_COMPUTE_INSTANCE, **props: Any) -> Res:
    base = {"machineType": "g2-standard-8", "labels": LABELS,
            "scheduling": {"provisioningModel": "SPOT", "preemptible": True},
            "shieldedInstanceConfig": SHIELDED, "metadata": OSLOGIN,
            "serviceAccount": {"email": "lab@p.iam.gserviceaccount.com",
                               "scopes": ["https://www.googleapis.com/auth/cloud-platform"]},
            "networkInterfaces": [{"network": "lab"}]}
    return r(type_, "gce", **{**base, **props})


def tpu(**props: Any) -> Res:
    base = {"acceleratorType": "v5litepod-8", "labels": LABELS, "metadata": OSLOGIN,
            "schedulingConfig": {"spot": True}, "networkConfig": {"enableExternalIps": False}}
    return r(tokens.GCP_TPU_V2_VM, "tpu", **{**base, **props})


def queued(spot: bool = True, external: bool = False, **node: Any) -> Res:
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

# rule id -> list of (case id, bad stack, good stack)
CASES: dict[str, list[tuple[str, list[Res], list[Res]]]] = {
    "ebs-encrypted": [
        ("volume", [r(tokens.AWS_EBS_VOLUME, "v", encrypted=False)], [r(tokens.AWS_EBS_VOLUME,
                                                                        "v", encrypted=True)]),
        ("root", [ec2(rootBlockDevice={"encrypted": False})], [ec2()]),
        ("template", [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", blockDeviceMappings=[
            {"deviceName": "/dev/sda1", "ebs": {"encrypted": "false"}}])],
         [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", blockDeviceMappings=[
             {"deviceName": "/dev/sda1", "ebs": {"encrypted": "true"}}])]),
    ],
    "efs-encrypted": [("efs", [r(tokens.AWS_EFS_FILE_SYSTEM, "fs")],
                       [r(tokens.AWS_EFS_FILE_SYSTEM, "fs", encrypted=True)])],
    "fsx-encrypted": [("scratch", [r(tokens.AWS_FSX_LUSTRE_FILE_SYSTEM, "fsx",
                                     deploymentType="SCRATCH_2")],
                       [r(tokens.AWS_FSX_LUSTRE_FILE_SYSTEM, "fsx",
                          deploymentType="PERSISTENT_2")])],
    "pd-encrypted": [
        ("disk", [r(tokens.GCP_COMPUTE_DISK, "d", diskEncryptionKey={"rawKey": "c2VjcmV0"})],
         [r(tokens.GCP_COMPUTE_DISK, "d",
            diskEncryptionKey={"kmsKeySelfLink": "projects/p/keys/k"})]),
        ("boot", [gce(bootDisk={"diskEncryptionKeyRaw": "c2VjcmV0"})], [gce(bootDisk={})]),
    ],
    "s3-encrypted": [("sse", s3(pab={}, sse=None), s3(pab={}))],
    "s3-public-access-block": [
        ("missing", s3(pab=None), s3(pab={})),
        ("partial", s3(pab={"restrictPublicBuckets": False}), s3(pab={})),
    ],
    "gcs-public-access-prevention": [("gcs", [gcs(publicAccessPrevention="inherited")],
                                      [gcs()])],
    "gcs-uniform-access": [("gcs", [gcs(uniformBucketLevelAccess=False)], [gcs()])],
    "imdsv2": [
        ("instance", [ec2(metadataOptions={"httpTokens": "optional"})], [ec2()]),
        ("template", [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt")],
         [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", metadataOptions=IMDS2)]),
    ],
    "iam-no-wildcard-admin": [
        ("policy", [r(t.IAM_POLICY_TYPES[1], "p", policy=WILDCARD)],
         [r(t.IAM_POLICY_TYPES[1], "p", policy=SCOPED)]),
        ("attachment", [r(t.IAM_ATTACHMENT_TYPES[0], "a",
                          policyArn="arn:aws:iam::aws:policy/AdministratorAccess")],
         [r(t.IAM_ATTACHMENT_TYPES[0], "a",
            policyArn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")]),
        ("gcp", [r(t.GCP_IAM_TYPES[0], "m", role="roles/owner")],
         [r(t.GCP_IAM_TYPES[0], "m", role="roles/storage.objectUser")]),
    ],
    "gce-default-sa-scope": [
        ("instance", [gce(serviceAccount={"email": DEFAULT_SA, "scopes": CLOUD_PLATFORM})],
         [gce()]),
        ("tpu", [tpu(serviceAccount={"email": "default", "scopes": CLOUD_PLATFORM})], [tpu()]),
        ("queued", [queued(service_account={"email": DEFAULT_SA, "scope": CLOUD_PLATFORM})],
         [queued(service_account={"email": "lab@p.iam.gserviceaccount.com",
                                  "scope": CLOUD_PLATFORM})]),
    ],
    "gce-shielded-vm": [
        ("gpu-vtpm-off", [gce(shieldedInstanceConfig={"enableVtpm": False})],
         [gce(shieldedInstanceConfig={"enableSecureBoot": False})]),
        ("cpu-secure-boot", [gce(machineType="n2-standard-8", shieldedInstanceConfig={})],
         [gce(machineType="n2-standard-8")]),
    ],
    "gce-os-login": [
        ("off", [gce(metadata={"enable-oslogin": "FALSE", "ailab-idle-minutes": "60"})],
         [gce()]),
        ("ssh-keys", [tpu(metadata={**OSLOGIN, "ssh-keys": "me:ssh-rsa AAAA"})], [tpu()]),
        ("queued", [queued(metadata={})], [queued()]),
    ],
    "no-admin-ports-from-internet": [
        ("sg", [r(tokens.AWS_EC2_SECURITY_GROUP, "sg", ingress=[OPEN_SSH])],
         [r(tokens.AWS_EC2_SECURITY_GROUP, "sg", ingress=[{**OPEN_SSH,
                                                           "cidrBlocks": ["203.0.113.0/24"]}])]),
        ("rdp-all", [r(tokens.AWS_EC2_SECURITY_GROUP_RULE, "rule", type="ingress", protocol="-1",
                       fromPort=0, toPort=0,
                       cidrBlocks=["0.0.0.0/0"])],
         [r(tokens.AWS_EC2_SECURITY_GROUP_RULE, "rule", type="egress", protocol="-1", fromPort=0,
            toPort=0,
            cidrBlocks=["0.0.0.0/0"])]),
        ("firewall", [r(tokens.GCP_COMPUTE_FIREWALL, "fw", sourceRanges=["0.0.0.0/0"],
                        allows=[{"protocol": "tcp", "ports": ["3389"]}])],
         [r(tokens.GCP_COMPUTE_FIREWALL, "fw", sourceRanges=["35.235.240.0/20"],
            allows=[{"protocol": "tcp", "ports": ["22"]}])]),
    ],
    "no-public-ip-cluster-nodes": [
        ("placement", [ec2(placementGroup="pg-id", associatePublicIpAddress=True)],
         [ec2(placementGroup="pg-id", associatePublicIpAddress=False)]),
        ("template", [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", networkInterfaces=[
            {"associatePublicIpAddress": "true"}])],
         [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt",
            networkInterfaces=[{"associatePublicIpAddress": "false"}])]),
        ("gce-template", [gce(tokens.GCP_COMPUTE_INSTANCE_TEMPLATE,
                              networkInterfaces=[{"accessConfigs": [{}]}])],
         [gce(tokens.GCP_COMPUTE_INSTANCE_TEMPLATE)]),
        ("tpu", [tpu(networkConfig={"enableExternalIps": True})], [tpu()]),
        ("queued", [queued(external=True)], [queued()]),
    ],
    "data-retained-on-delete": [
        ("volume", [r(tokens.AWS_EBS_VOLUME, "v", retain=False, encrypted=True)],
         [r(tokens.AWS_EBS_VOLUME, "v", retain=False, protect=True, encrypted=True)]),
        ("force-destroy", [gcs(forceDestroy=True)], [gcs()]),
    ],
    "bucket-versioning": [
        ("s3", s3(pab={}, versioning="Suspended"), s3(pab={})),
        ("gcs", [gcs(versioning={"enabled": False})], [gcs()]),
    ],
    "bucket-lifecycle": [
        ("s3", s3(pab={}, lifecycle=False), s3(pab={})),
        ("gcs", [gcs(lifecycleRules=[])], [gcs(lifecycleRules=[], autoclass={"enabled": True})]),
    ],
    "required-tags": [
        ("aws", [ec2(tags={"ailab:stack": "s"})], [ec2()]),
        ("gcp", [gcs(labels={"ailab-owner": "o"})], [gcs()]),
        ("queued", [queued(labels={})], [queued()]),
    ],
    "spot-required": [
        ("ec2", [ec2(instanceMarketOptions=None)],
         [ec2(instanceMarketOptions=None, tags={**TAGS, "ailab:spot-exempt": "reserved"})]),
        ("asg", [r(tokens.AWS_AUTOSCALING_GROUP, "asg",
                   mixedInstancesPolicy={"instancesDistribution": {
            "onDemandBaseCapacity": 1}})],
         [r(tokens.AWS_AUTOSCALING_GROUP, "asg", mixedInstancesPolicy={"instancesDistribution": {
             "onDemandBaseCapacity": 1, "onDemandPercentageAboveBaseCapacity": 0}})]),
        ("gce", [gce(scheduling={"provisioningModel": "STANDARD"})], [gce()]),
        ("tpu", [tpu(schedulingConfig={})],
         [tpu(schedulingConfig={}, labels={**LABELS, "ailab-spot-exempt": "reserved"})]),
        ("queued", [queued(spot=False)], [queued()]),
    ],
    "budget-present": [
        ("missing", [r(tokens.AWS_EBS_VOLUME, "v", encrypted=True)],
         [r(tokens.AWS_EBS_VOLUME, "v", encrypted=True), budget()]),
        ("empty", [r(tokens.GCP_BILLING_BUDGET, "b", amount={"specifiedAmount": {"units": "0"}},
                     thresholdRules=[{"thresholdPercent": 0.5}])],
         [r(tokens.GCP_BILLING_BUDGET, "b", amount={"specifiedAmount": {"units": "500"}},
            thresholdRules=[{"thresholdPercent": 0.5}])]),
    ],
    "gpu-auto-stop": [
        ("ec2", [ec2()], [ec2(), alarm()]),
        ("cpu-only-alarm", [ec2(), alarm(namespace="AWS/EC2", metric="CPUUtilization")],
         [ec2(), alarm()]),
        ("watchdog", [ec2(tags={**TAGS, "ailab:idle-minutes": "0"})],
         [ec2(tags={**TAGS, "ailab:idle-minutes": "60", "ailab:idle-gpu-percent": "10",
                    "ailab:idle-cpu-percent": "20"})]),
        ("gce", [gce(metadata={"enable-oslogin": "TRUE", "ailab-idle-minutes": "0"})],
         [gce()]),
    ],
    "allowed-instance-types": [
        ("ec2", [ec2(instanceType="x2iedn.32xlarge")], [ec2()]),
        ("tpu", [tpu(acceleratorType="v99-8")], [tpu()]),
        ("queued", [queued(accelerator_config={"type": "V5LITE_POD", "topology": "9x9"})],
         [queued()]),
        ("asg", [r(tokens.AWS_AUTOSCALING_GROUP, "asg", mixedInstancesPolicy={"launchTemplate": {
            "overrides": [{"instanceType": "g6.xlarge"}, {"instanceType": "m1.small"}]}})],
         [r(tokens.AWS_AUTOSCALING_GROUP, "asg", mixedInstancesPolicy={"launchTemplate": {
             "overrides": [{"instanceType": "g6.xlarge"}, {"instanceType": "g5.xlarge"}]}})]),
    ],
}


def _fired(rule_id: str, stack: list[Res]) -> list[str]:
    return [v.message for v in evaluate(stack, only=[rule_id])]

CASES.update(OBSERVABILITY_CASES)  # dashboards, tracking database, secrets

CASE_PARAMS = [pytest.param(rule_id, bad, good, id=f"{rule_id}-{case}")
               for rule_id, cases in CASES.items() for case, bad, good in cases]


@pytest.mark.parametrize(("rule_id", "bad", "good"), CASE_PARAMS)
def test_rule_fires_on_bad_and_stays_quiet_on_good(rule_id: str, bad: list[Res],
                                                   good: list[Res]) -> None:
    assert _fired(rule_id, bad), f"{rule_id} did not fire on its bad case"
    assert _fired(rule_id, good) == [], f"{rule_id} fired on its good case"


def test_every_rule_has_cases() -> None:
    assert set(CASES) == set(load_rules())


def test_spot_exemption_via_launch_template() -> None:
    template = r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", tags={**TAGS,
                                                             "ailab:spot-exempt": "reserved"},
                 metadataOptions=IMDS2)
    node = ec2("node", instanceMarketOptions=None, launchTemplate={"id": "lt-id"},
               deps={"launchTemplate": {"lt"}})
    node = r(tokens.AWS_EC2_INSTANCE, "node", deps={"launchTemplate": {"lt"}}, **node.props)
    assert _fired("spot-required", [template, node]) == []
    assert _fired("spot-required", [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt"), node])


def test_allowed_list_comes_from_config() -> None:
    stack = [ec2(instanceType="m1.small")]
    assert evaluate(stack, only=["allowed-instance-types"])
    assert evaluate(stack, {"allowed-instance-types": {"extraAllowed": ["m1.*"]}},
                    only=["allowed-instance-types"]) == []
    only_g6 = {"allowed-instance-types": {"allowed": ["g6.*"]}}
    assert evaluate([ec2(instanceType="g5.xlarge")], only_g6, only=["allowed-instance-types"])


def test_retention_unknown_under_crossguard_is_not_a_violation() -> None:
    """CrossGuard does not pass retainOnDelete: only what it can see is judged."""
    vol = r(tokens.AWS_EBS_VOLUME, "v", retain=None, encrypted=True)
    assert _fired("data-retained-on-delete", [vol]) == []
