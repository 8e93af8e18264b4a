"""Auto Scaling, EFS, FSx, S3, CloudWatch, Budgets and IAM resources as the API
requests the AWS provider sends for them (see ``aws_ec2`` for the approach)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.infra.contract.aws_common import (
    TRANSLATORS,
    Context,
    autoname,
    clean,
    resource_id,
    tag_list,
)
from ailab.infra.contract.botocore_check import Request


def _translator(*types: str) -> Any:
    def register(fn: Any) -> Any:
        for token in types:
            TRANSLATORS[token] = fn
        return fn
    return register


@_translator(tokens.AWS_AUTOSCALING_GROUP)
def autoscaling_group(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    policy = i.get("mixedInstancesPolicy") or {}
    dist = policy.get("instancesDistribution") or {}
    lt = policy.get("launchTemplate") or {}
    spec = lt.get("launchTemplateSpecification") or {}
    return [("autoscaling", "CreateAutoScalingGroup", clean({
        "AutoScalingGroupName": i.get("name") or autoname(res),
        "MinSize": i.get("minSize"), "MaxSize": i.get("maxSize"),
        "DesiredCapacity": i.get("desiredCapacity"),
        "VPCZoneIdentifier": ",".join(i.get("vpcZoneIdentifiers") or []) or None,
        "CapacityRebalance": i.get("capacityRebalance"),
        "HealthCheckType": i.get("healthCheckType"),
        "MixedInstancesPolicy": clean({
            "InstancesDistribution": clean({
                "OnDemandBaseCapacity": dist.get("onDemandBaseCapacity"),
                "OnDemandPercentageAboveBaseCapacity":
                    dist.get("onDemandPercentageAboveBaseCapacity"),
                "SpotAllocationStrategy": dist.get("spotAllocationStrategy")}),
            "LaunchTemplate": clean({
                "LaunchTemplateSpecification": clean({
                    "LaunchTemplateId": spec.get("launchTemplateId"),
                    "Version": spec.get("version")}),
                "Overrides": [clean({"InstanceType": o.get("instanceType")})
                              for o in lt.get("overrides") or []]})}),
        "Tags": [clean({"Key": t.get("key"), "Value": t.get("value"),
                        "PropagateAtLaunch": t.get("propagateAtLaunch")})
                 for t in i.get("tags") or []],
    }))]


@_translator(tokens.AWS_EFS_FILE_SYSTEM)
def efs_file_system(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    out: list[Request] = [("efs", "CreateFileSystem", clean({
        "CreationToken": i.get("creationToken") or autoname(res, 64),
        "PerformanceMode": i.get("performanceMode"), "ThroughputMode": i.get("throughputMode"),
        "Encrypted": i.get("encrypted"), "Tags": tag_list(i.get("tags"))}))]
    policies = [clean({"TransitionToIA": p.get("transitionToIa"),
                       "TransitionToPrimaryStorageClass":
                           p.get("transitionToPrimaryStorageClass"),
                       "TransitionToArchive": p.get("transitionToArchive")})
                for p in i.get("lifecyclePolicies") or []]
    if policies:
        out.append(("efs", "PutLifecycleConfiguration",
                    {"FileSystemId": resource_id(res), "LifecyclePolicies": policies}))
    return out


@_translator(tokens.AWS_EFS_MOUNT_TARGET)
def efs_mount_target(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("efs", "CreateMountTarget", clean({
        "FileSystemId": i.get("fileSystemId"), "SubnetId": i.get("subnetId"),
        "SecurityGroups": i.get("securityGroups")}))]


@_translator(tokens.AWS_FSX_LUSTRE_FILE_SYSTEM)
def lustre(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    subnets = i.get("subnetIds")
    return [("fsx", "CreateFileSystem", clean({
        "FileSystemType": "LUSTRE", "StorageCapacity": i.get("storageCapacity"),
        "SubnetIds": [subnets] if isinstance(subnets, str) else subnets,
        "SecurityGroupIds": i.get("securityGroupIds"), "Tags": tag_list(i.get("tags")),
        "LustreConfiguration": clean({
            "DeploymentType": i.get("deploymentType"),
            "PerUnitStorageThroughput": i.get("perUnitStorageThroughput"),
            "DataCompressionType": i.get("dataCompressionType")})}))]


def _events(policy: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {"Events": policy["events"]} if policy and policy.get("events") else None


@_translator(tokens.AWS_FSX_DATA_REPOSITORY_ASSOCIATION)
def data_repository_association(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    s3 = i.get("s3") or {}
    return [("fsx", "CreateDataRepositoryAssociation", clean({
        "FileSystemId": i.get("fileSystemId"), "FileSystemPath": i.get("fileSystemPath"),
        "DataRepositoryPath": i.get("dataRepositoryPath"),
        "BatchImportMetaDataOnCreate": i.get("batchImportMetaDataOnCreate"),
        "S3": clean({"AutoImportPolicy": _events(s3.get("autoImportPolicy")),
                     "AutoExportPolicy": _events(s3.get("autoExportPolicy"))}),
        "Tags": tag_list(i.get("tags"))}))]


@_translator(tokens.AWS_S3_BUCKET)
def bucket(res: Resource, ctx: Context) -> list[Request]:
    name = res.outputs.get("bucket") or resource_id(res)
    create: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    out: list[Request] = [("s3", "CreateBucket", create)]
    tags = tag_list(res.inputs.get("tags"))
    if tags:
        out.append(("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tags}}))
    return out


@_translator(tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK)
def public_access_block(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("s3", "PutPublicAccessBlock", {"Bucket": i.get("bucket"),
             "PublicAccessBlockConfiguration": clean({
                 "BlockPublicAcls": i.get("blockPublicAcls"),
                 "IgnorePublicAcls": i.get("ignorePublicAcls"),
                 "BlockPublicPolicy": i.get("blockPublicPolicy"),
                 "RestrictPublicBuckets": i.get("restrictPublicBuckets")})})]


@_translator(tokens.AWS_S3_BUCKET_VERSIONING)
def versioning(res: Resource, ctx: Context) -> list[Request]:
    conf = res.inputs.get("versioningConfiguration") or {}
    return [("s3", "PutBucketVersioning", {"Bucket": res.inputs.get("bucket"),
             "VersioningConfiguration": clean({"Status": conf.get("status"),
                                               "MFADelete": conf.get("mfaDelete")})})]


@_translator(tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION)
def encryption(res: Resource, ctx: Context) -> list[Request]:
    rules = [clean({"ApplyServerSideEncryptionByDefault": clean({
                        "SSEAlgorithm": (r.get("applyServerSideEncryptionByDefault") or {})
                        .get("sseAlgorithm"),
                        "KMSMasterKeyID": (r.get("applyServerSideEncryptionByDefault") or {})
                        .get("kmsMasterKeyId")}),
                    "BucketKeyEnabled": r.get("bucketKeyEnabled")})
             for r in res.inputs.get("rules") or []]
    return [("s3", "PutBucketEncryption", {"Bucket": res.inputs.get("bucket"),
             "ServerSideEncryptionConfiguration": {"Rules": rules}})]


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    abort = rule.get("abortIncompleteMultipartUpload") or {}
    filt = rule.get("filter")
    return clean({
        "ID": rule.get("id"), "Status": rule.get("status"),
        "Filter": {"Prefix": (filt or {}).get("prefix", "")} if filt is not None else None,
        "Transitions": [clean({"Days": t.get("days"), "StorageClass": t.get("storageClass")})
                        for t in rule.get("transitions") or []],
        "NoncurrentVersionTransitions": [
            clean({"NoncurrentDays": t.get("noncurrentDays"),
                   "StorageClass": t.get("storageClass")})
            for t in rule.get("noncurrentVersionTransitions") or []],
        "AbortIncompleteMultipartUpload": clean({
            "DaysAfterInitiation": abort.get("daysAfterInitiation")})})


@_translator(tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION)
def lifecycle(res: Resource, ctx: Context) -> list[Request]:
    return [("s3", "PutBucketLifecycleConfiguration", {
        "Bucket": res.inputs.get("bucket"), "LifecycleConfiguration": {
            "Rules": [_lifecycle_rule(r) for r in res.inputs.get("rules") or []]}})]


@_translator(tokens.AWS_CLOUDWATCH_METRIC_ALARM)
def metric_alarm(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("cloudwatch", "PutMetricAlarm", clean({
        "AlarmName": i.get("name") or autoname(res), "AlarmDescription": i.get("alarmDescription"),
        "Namespace": i.get("namespace"), "MetricName": i.get("metricName"),
        "Statistic": i.get("statistic"),
        "Dimensions": [{"Name": k, "Value": v} for k, v in (i.get("dimensions") or {}).items()],
        "Period": i.get("period"), "EvaluationPeriods": i.get("evaluationPeriods"),
        "DatapointsToAlarm": i.get("datapointsToAlarm"), "Threshold": i.get("threshold"),
        "ComparisonOperator": i.get("comparisonOperator"),
        "TreatMissingData": i.get("treatMissingData"), "AlarmActions": i.get("alarmActions"),
        "Tags": tag_list(i.get("tags"))}))]


@_translator(tokens.AWS_BUDGETS_BUDGET)
def budget(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    filters = {f["name"]: f["values"] for f in i.get("costFilters") or []}
    notes = [{"Notification": clean({
                  "NotificationType": n.get("notificationType"),
                  "ComparisonOperator": n.get("comparisonOperator"),
                  "Threshold": n.get("threshold"), "ThresholdType": n.get("thresholdType")}),
              "Subscribers": [{"SubscriptionType": "EMAIL", "Address": a}
                              for a in n.get("subscriberEmailAddresses") or []]}
             for n in i.get("notifications") or []]
    return [("budgets", "CreateBudget", clean({
        "AccountId": i.get("accountId") or ctx.account_id,
        "Budget": clean({"BudgetName": i.get("name") or autoname(res, 100),
                         "BudgetType": i.get("budgetType"), "TimeUnit": i.get("timeUnit"),
                         "BudgetLimit": clean({"Amount": i.get("limitAmount"),
                                               "Unit": i.get("limitUnit")}),
                         "CostFilters": filters}),
        "NotificationsWithSubscribers": notes}))]


@_translator(tokens.AWS_IAM_ROLE)
def role(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("iam", "CreateRole", clean({
        "RoleName": i.get("name") or autoname(res, 64),
        "AssumeRolePolicyDocument": i.get("assumeRolePolicy"),
        "Description": i.get("description"), "Tags": tag_list(i.get("tags"))}))]


@_translator(tokens.AWS_IAM_ROLE_POLICY)
def role_policy(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("iam", "PutRolePolicy", {"RoleName": i.get("role"),
                                      "PolicyName": i.get("name") or autoname(res, 128),
                                      "PolicyDocument": i.get("policy")})]


@_translator(tokens.AWS_IAM_ROLE_POLICY_ATTACHMENT)
def role_policy_attachment(res: Resource, ctx: Context) -> list[Request]:
    return [("iam", "AttachRolePolicy", {"RoleName": res.inputs.get("role"),
                                         "PolicyArn": res.inputs.get("policyArn")})]


@_translator(tokens.AWS_IAM_INSTANCE_PROFILE)
def instance_profile(res: Resource, ctx: Context) -> list[Request]:
    name = res.inputs.get("name") or autoname(res, 128)
    return [("iam", "CreateInstanceProfile", clean({
                "InstanceProfileName": name, "Tags": tag_list(res.inputs.get("tags"))})),
            ("iam", "AddRoleToInstanceProfile", {"InstanceProfileName": name,
                                                 "RoleName": res.inputs.get("role")})]

