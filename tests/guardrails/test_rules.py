"""Every rule fires on a deliberately bad resource and stays quiet on a good one.

Each case is a small stack (a list of core ``Resource``); links between resources
are declared as property dependencies, the way the engine reports them.
"""

from __future__ import annotations

from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.evaluate import evaluate
from ailab.guardrails.rule import load_rules
from tests.guardrails.builders import (
    ADMIN_ARN,
    CLOUD_PLATFORM,
    DEFAULT_SA,
    EC2_TRUST,
    EFS_NFS,
    EFS_TLS,
    GCP_OWNER_POLICY,
    GCSFUSE_664,
    IAM_STAR,
    IMDS2,
    LABELS,
    NOT_ACTION,
    NOT_RESOURCE,
    OPEN_SSH,
    OSLOGIN,
    PUBLIC_READ,
    SCOPED,
    SSH_ALLOW,
    SSM_ARN,
    TAGS,
    TLS_ONLY,
    WILDCARD,
    alarm,
    b64,
    budget,
    ec2,
    filestore,
    fw,
    gce,
    gcs,
    priced,
    queued,
    r,
    s3,
    sg_ingress,
    sg_rule,
    tpu,
)
from tests.guardrails.test_rules_observability import CASES as OBSERVABILITY_CASES

# rule id -> list of (case id, bad stack, good stack)
CASES: dict[str, list[tuple[str, list[Resource], list[Resource]]]] = {
    "ebs-encrypted": [
        ("volume", [r(tokens.AWS_EBS_VOLUME, "v", encrypted=False)], [r(tokens.AWS_EBS_VOLUME,
                                                                        "v", encrypted=True)]),
        ("root", [ec2(rootBlockDevice={"encrypted": False})], [ec2()]),
        ("template", [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", blockDeviceMappings=[
            {"deviceName": "/dev/sda1", "ebs": {"encrypted": "false"}}])],
         [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", blockDeviceMappings=[
             {"deviceName": "/dev/sda1", "ebs": {"encrypted": "true"}}])]),
        ("template-without-mappings", [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt")],
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
        ("gcp", [r(tokens.GCP_PROJECTS_IAM_MEMBER, "m", role="roles/owner")],
         [r(tokens.GCP_PROJECTS_IAM_MEMBER, "m", role="roles/storage.objectUser")]),
        ("not-action", [r(tokens.AWS_IAM_POLICY, "p", policy=NOT_ACTION)],
         [r(tokens.AWS_IAM_POLICY, "p", policy=SCOPED)]),
        ("not-resource", [r(tokens.AWS_IAM_ROLE_POLICY, "p", policy=NOT_RESOURCE)],
         [r(tokens.AWS_IAM_ROLE_POLICY, "p", policy=SCOPED)]),
        ("iam-star", [r(tokens.AWS_IAM_USER_POLICY, "p", policy=IAM_STAR)],
         [r(tokens.AWS_IAM_USER_POLICY, "p", policy=SCOPED)]),
        ("gcp-binding", [r(tokens.GCP_PROJECTS_IAM_BINDING, "b", role="roles/editor",
                           members=["user:a@example.com"])],
         [r(tokens.GCP_PROJECTS_IAM_BINDING, "b", role="roles/viewer",
            members=["user:a@example.com"])]),
        ("gcp-policy", [r(tokens.GCP_PROJECTS_IAM_POLICY, "p", policyData=GCP_OWNER_POLICY)],
         [r(tokens.GCP_PROJECTS_IAM_POLICY, "p", policyData=GCP_OWNER_POLICY.replace(
             "roles/owner", "roles/logging.logWriter"))]),
        ("gcp-other-kind", [r("gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding", "k",
                              role="roles/owner", members=["user:a@example.com"])],
         [r("gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding", "k",
            role="roles/cloudkms.cryptoKeyEncrypter", members=["user:a@example.com"])]),
        ("exclusive-attachments", [r(tokens.AWS_IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE, "x",
                                     policyArns=[ADMIN_ARN])],
         [r(tokens.AWS_IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE, "x", policyArns=[SSM_ARN])]),
    ],
    "iam-no-public-principal": [
        ("bucket-policy", [r(tokens.AWS_S3_BUCKET_POLICY, "bp", policy=PUBLIC_READ)],
         [r(tokens.AWS_S3_BUCKET_POLICY, "bp", policy=TLS_ONLY)]),
        ("trust", [r(tokens.AWS_IAM_ROLE, "role", assumeRolePolicy=PUBLIC_READ)],
         [r(tokens.AWS_IAM_ROLE, "role", assumeRolePolicy=EC2_TRUST)]),
        ("gcp-member", [r(tokens.GCP_STORAGE_BUCKET_IAM_MEMBER, "m", role="roles/storage."
                          "objectViewer", member="allUsers")],
         [r(tokens.GCP_STORAGE_BUCKET_IAM_MEMBER, "m", role="roles/storage.objectViewer",
            member="serviceAccount:lab@p.iam.gserviceaccount.com")]),
        ("gcp-binding", [r(tokens.GCP_STORAGE_BUCKET_IAM_BINDING, "b", role="roles/storage."
                           "objectViewer", members=["allAuthenticatedUsers"])],
         [r(tokens.GCP_STORAGE_BUCKET_IAM_BINDING, "b", role="roles/storage.objectViewer",
            members=["group:lab@example.com"])]),
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
        ("half-internet", [sg_ingress(["0.0.0.0/1"])], [sg_ingress(["10.0.0.0/8"])]),
        ("quarter", [sg_ingress(["64.0.0.0/2"])], [sg_ingress(["198.51.100.0/24"])]),
        ("ipv6-world", [sg_ingress([], ipv6=["0::/0"])], [sg_ingress([], ipv6=["2001:db8::/32"])]),
        ("two-halves-in-one-group", [sg_ingress(["0.0.0.0/1"]), sg_ingress(["128.0.0.0/1"])],
         [sg_ingress(["203.0.113.0/24"]), sg_ingress(["198.51.100.0/24"])]),
        ("two-rule-resources", [r(tokens.AWS_EC2_SECURITY_GROUP, "sg"),
                                sg_rule("a", "0.0.0.0/1"), sg_rule("b", "128.0.0.0/1")],
         [r(tokens.AWS_EC2_SECURITY_GROUP, "sg"), sg_rule("a", "203.0.113.0/24")]),
        ("gcp-default-source", [r(tokens.GCP_COMPUTE_FIREWALL, "fw", allows=[SSH_ALLOW])],
         [r(tokens.GCP_COMPUTE_FIREWALL, "fw", sourceTags=["bastion"], allows=[SSH_ALLOW])]),
        ("gcp-two-halves", [fw("a", ["0.0.0.0/1"]), fw("b", ["128.0.0.0/1"])],
         [fw("a", ["203.0.113.0/24"]), fw("b", ["198.51.100.0/24"])]),
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
        ("elastic-ip", [ec2(placementGroup="pg-id"), r(tokens.AWS_EC2_EIP, "eip",
                                                     deps={"instance": {"vm"}}, instance="vm-id")],
         [ec2(), r(tokens.AWS_EC2_EIP, "eip", deps={"instance": {"vm"}}, instance="vm-id")]),
        ("eip-association", [ec2(launchTemplate={"id": "lt-id"}),
                             r(tokens.AWS_EC2_EIP_ASSOCIATION, "assoc", instanceId="vm-id")],
         [ec2(), r(tokens.AWS_EC2_EIP_ASSOCIATION, "assoc", instanceId="vm-id")]),
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
        ("cpu-only-alarm", [ec2(), alarm(namespace="AWS/EC2", metricName="CPUUtilization")],
         [ec2(), alarm()]),
        ("cpu-alarm-beside-a-gpu-alarm",
         [ec2(), alarm(), alarm("vm", namespace="AWS/EC2", metricName="CPUUtilization",
                               name="vm-cpu")],
         [ec2(), alarm()]),
        ("watchdog", [ec2(tags={**TAGS, "ailab:idle-minutes": "0"})],
         [ec2(tags={**TAGS, "ailab:idle-minutes": "60", "ailab:idle-gpu-percent": "10",
                    "ailab:idle-cpu-percent": "20"})]),
        ("gce", [gce(metadata={**OSLOGIN, "ailab-idle-minutes": "0"})], [gce()]),
        ("gce-watchdog-not-installed", [gce(metadata={**OSLOGIN, "startup-script": ""})],
         [gce()]),
        ("placement-is-not-a-schedule",
         [gce(metadata={}, resourcePolicies=["compact-id"], deps={"resourcePolicies": {"compact"}}),
          r(tokens.GCP_COMPUTE_RESOURCE_POLICY, "compact",
            groupPlacementPolicy={"collocation": "COLLOCATED"})],
         [gce(metadata={}, resourcePolicies=["sched-id"], deps={"resourcePolicies": {"sched"}}),
          r(tokens.GCP_COMPUTE_RESOURCE_POLICY, "sched", instanceSchedulePolicy={
              "vmStopSchedule": {"schedule": "0 19 * * *"}, "timeZone": "UTC"})]),
        ("max-run-duration", [gce(metadata={}, scheduling={"provisioningModel": "SPOT"})],
         [gce(metadata={}, scheduling={"provisioningModel": "SPOT", "maxRunDuration": {
             "seconds": 28800}, "instanceTerminationAction": "STOP"})]),
        ("threshold-zero", [ec2(), alarm(threshold=0)], [ec2(), alarm(threshold=5)]),
        ("no-stop-action", [ec2(), alarm(alarmActions=["arn:aws:sns:us-east-1:1:topic"])],
         [ec2(), alarm()]),
        ("missing-is-idle", [ec2(), alarm(treatMissingData="breaching")], [ec2(), alarm()]),
        ("fires-when-busy", [ec2(), alarm(comparisonOperator="GreaterThanThreshold")],
         [ec2(), alarm()]),
        ("gpu-metric-math", [ec2(), alarm(metricName=None, namespace=None, metricQueries=[
            {"id": "m", "expression": "SEARCH('MetricName=\"DiskReadOps\"', 'Average', 300)"}])],
         [ec2(), alarm(metricName=None, namespace=None, metricQueries=[
             {"id": "m", "expression": "MAX(SEARCH('{CWAgent,InstanceId,index,name} MetricName="
              "\"nvidia_smi_utilization_gpu\" InstanceId=\"vm-id\"', 'Maximum', 300))"}])]),
        ("cluster-node-type-on-template",
         [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", instanceType="p5.48xlarge"),
          ec2(instanceType=None, launchTemplate={"id": "lt-id"}, deps={"launchTemplate": {"lt"}})],
         [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", instanceType="p5.48xlarge"),
          ec2(instanceType=None, launchTemplate={"id": "lt-id"}, deps={"launchTemplate": {"lt"}}),
          alarm()]),
    ],
    "efs-in-transit-tls": [
        ("nfs4", [ec2(userData=EFS_NFS)], [ec2(userData=EFS_TLS)]),
        ("efs-without-tls", [ec2(userData=EFS_TLS.replace("_netdev,tls", "_netdev"))],
         [ec2(userData=EFS_TLS)]),
        ("mount-command", [ec2(userData="mount -t nfs4 -o nfsvers=4.1 fs-0abc12345:/ /mnt\n")],
         [ec2(userData="mount -t efs -o tls fs-0abc12345:/ /mnt\n")]),
        ("template", [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", userData=b64(EFS_NFS))],
         [r(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt", userData=b64(EFS_TLS))]),
    ],
    "s3-deny-insecure-transport": [
        ("missing", s3(pab={}), [*s3(pab={}), r(tokens.AWS_S3_BUCKET_POLICY, "bp",
                                                 deps={"bucket": {"b"}}, policy=TLS_ONLY)]),
        ("allow-only", [*s3(pab={}), r(tokens.AWS_S3_BUCKET_POLICY, "bp", deps={"bucket": {"b"}},
                                       policy=SCOPED)],
         [*s3(pab={}), r(tokens.AWS_S3_BUCKET_POLICY, "bp", deps={"bucket": {"b"}},
                         policy=TLS_ONLY)]),
    ],
    "filestore-root-squash": [
        ("subnet", [filestore([{"ipRanges": ["10.30.0.0/20"], "squashMode": "NO_ROOT_SQUASH"}])],
         [filestore([{"ipRanges": ["10.30.0.0/20"], "squashMode": "ROOT_SQUASH"}])]),
        ("default-export", [filestore(None)],
         [filestore([{"ipRanges": ["10.30.0.5"], "squashMode": "NO_ROOT_SQUASH"},
                     {"ipRanges": ["10.30.0.0/20"], "squashMode": "ROOT_SQUASH"}])]),
        ("squash-unset", [filestore([{"ipRanges": ["10.30.0.0/24"]}])],
         [filestore([{"ipRanges": ["10.30.0.0/24"], "squashMode": "ROOT_SQUASH"}])]),
    ],
    "gcsfuse-private-mount": [
        ("group-writable", [gce(metadata={**OSLOGIN, "startup-script": GCSFUSE_664})],
         [gce(metadata={**OSLOGIN, "startup-script": GCSFUSE_664.replace(
             "664", "644").replace("775", "755")})]),
        ("fstab", [gce(metadata={**OSLOGIN, "startup-script": "echo 'b /mnt/gcs gcsfuse rw,"
                                 "allow_other,file_mode=777,dir_mode=777' >> /etc/fstab\n"})],
         [gce(metadata={**OSLOGIN, "startup-script": "echo 'b /mnt/gcs gcsfuse rw,"
                        "file_mode=777,dir_mode=777' >> /etc/fstab\n"})]),
    ],
    "budget-forecast": [
        ("over", priced(budget_usd="100.00"), priced(budget_usd="2000.00")),
        ("quarterly", priced(budget_usd="300.00", timeUnit="QUARTERLY"),
         priced(budget_usd="3000.00", timeUnit="QUARTERLY")),
    ],
    "budget-forecast-warning": [
        ("near", priced(budget_usd="330.00"), priced(budget_usd="2000.00")),
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


def _fired(rule_id: str, stack: list[Resource] | Inventory) -> list[str]:
    return [v.message for v in evaluate(stack, only=[rule_id])]

CASES.update(OBSERVABILITY_CASES)  # dashboards, tracking database, secrets

CASE_PARAMS = [pytest.param(rule_id, bad, good, id=f"{rule_id}-{case}")
               for rule_id, cases in CASES.items() for case, bad, good in cases]


@pytest.mark.parametrize(("rule_id", "bad", "good"), CASE_PARAMS)
def test_rule_fires_on_bad_and_stays_quiet_on_good(rule_id: str, bad: Any, good: Any) -> None:
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
    node = r(tokens.AWS_EC2_INSTANCE, "node", deps={"launchTemplate": {"lt"}}, **node.inputs)
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
