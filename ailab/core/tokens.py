"""Pulumi type tokens: the one place a resource, invoke or provider type is spelled.

Everything else (the preview engine, stack pricing, guardrails, summaries)
imports these names instead of writing ``"aws:ec2/instance:Instance"`` again,
so a typo is a NameError rather than a rule that silently never matches. The
values are checked against the ``pulumi.type_token`` of the pulumi_aws and
pulumi_gcp classes (and the invoke functions' tokens) by the core tests.

Naming: ``<CLOUD>_<MODULE>_<RESOURCE>`` in upper snake case, e.g.
``aws:ec2/launchTemplate:LaunchTemplate`` is ``AWS_EC2_LAUNCH_TEMPLATE``.
"""

from __future__ import annotations

# AWS (pulumi-aws)

AWS_ALB_LOAD_BALANCER = "aws:alb/loadBalancer:LoadBalancer"
AWS_AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
AWS_BUDGETS_BUDGET = "aws:budgets/budget:Budget"
AWS_CLOUDWATCH_DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
AWS_CLOUDWATCH_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
AWS_CLOUDWATCH_METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
AWS_EBS_VOLUME = "aws:ebs/volume:Volume"
AWS_EC2_EIP = "aws:ec2/eip:Eip"
AWS_EC2_EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"
AWS_EC2_GET_AMI = "aws:ec2/getAmi:getAmi"
AWS_EC2_INSTANCE = "aws:ec2/instance:Instance"
AWS_EC2_INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
AWS_EC2_KEY_PAIR = "aws:ec2/keyPair:KeyPair"
AWS_EC2_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_EC2_MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
AWS_EC2_NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
AWS_EC2_NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
AWS_EC2_PLACEMENT_GROUP = "aws:ec2/placementGroup:PlacementGroup"
AWS_EC2_ROUTE = "aws:ec2/route:Route"
AWS_EC2_ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
AWS_EC2_ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
AWS_EC2_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
AWS_EC2_SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
AWS_EC2_SUBNET = "aws:ec2/subnet:Subnet"
AWS_EC2_VOLUME_ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment"
AWS_EC2_VPC = "aws:ec2/vpc:Vpc"
AWS_EC2_VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
AWS_ECS_CLUSTER = "aws:ecs/cluster:Cluster"
AWS_ECS_SERVICE = "aws:ecs/service:Service"
AWS_ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
AWS_EFS_ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
AWS_EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
AWS_EFS_FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
AWS_EFS_MOUNT_TARGET = "aws:efs/mountTarget:MountTarget"
AWS_FSX_DATA_REPOSITORY_ASSOCIATION = "aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation"
AWS_FSX_LUSTRE_FILE_SYSTEM = "aws:fsx/lustreFileSystem:LustreFileSystem"
AWS_IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
AWS_IAM_GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
AWS_IAM_GROUP_POLICY_ATTACHMENTS_EXCLUSIVE = (
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive")
AWS_IAM_INSTANCE_PROFILE = "aws:iam/instanceProfile:InstanceProfile"
AWS_IAM_POLICY = "aws:iam/policy:Policy"
AWS_IAM_POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
AWS_IAM_ROLE = "aws:iam/role:Role"
AWS_IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
AWS_IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
AWS_IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = (
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive")
AWS_IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
AWS_IAM_USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
AWS_IAM_USER_POLICY_ATTACHMENTS_EXCLUSIVE = (
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive")
AWS_INDEX_GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
AWS_KMS_KEY = "aws:kms/key:Key"
AWS_LB_LISTENER = "aws:lb/listener:Listener"
AWS_LB_LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
AWS_LB_TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
AWS_LB_TARGET_GROUP_ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
AWS_RDS_INSTANCE = "aws:rds/instance:Instance"
AWS_RDS_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
AWS_S3_BUCKET = "aws:s3/bucket:Bucket"
AWS_S3_BUCKET_INTELLIGENT_TIERING_CONFIGURATION = (
    "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration")
AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION_V2 = (
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
AWS_S3_BUCKET_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
AWS_S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
AWS_S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
AWS_S3_BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
AWS_S3_BUCKET_VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
AWS_SAGEMAKER_NOTEBOOK_INSTANCE = "aws:sagemaker/notebookInstance:NotebookInstance"
AWS_SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
AWS_SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
AWS_VPC_SECURITY_GROUP_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
AWS_VPC_SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

# GCP (pulumi-gcp)

GCP_ARTIFACTREGISTRY_REPOSITORY = "gcp:artifactregistry/repository:Repository"
GCP_BILLING_BUDGET = "gcp:billing/budget:Budget"
GCP_CLOUDRUNV2_SERVICE = "gcp:cloudrunv2/service:Service"
GCP_COMPUTE_ADDRESS = "gcp:compute/address:Address"
GCP_COMPUTE_AUTOSCALER = "gcp:compute/autoscaler:Autoscaler"
GCP_COMPUTE_BACKEND_SERVICE = "gcp:compute/backendService:BackendService"
GCP_COMPUTE_DISK = "gcp:compute/disk:Disk"
GCP_COMPUTE_FIREWALL = "gcp:compute/firewall:Firewall"
GCP_COMPUTE_FORWARDING_RULE = "gcp:compute/forwardingRule:ForwardingRule"
GCP_COMPUTE_GET_IMAGE = "gcp:compute/getImage:getImage"
GCP_COMPUTE_GLOBAL_ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
GCP_COMPUTE_GLOBAL_FORWARDING_RULE = "gcp:compute/globalForwardingRule:GlobalForwardingRule"
GCP_COMPUTE_HEALTH_CHECK = "gcp:compute/healthCheck:HealthCheck"
GCP_COMPUTE_INSTANCE = "gcp:compute/instance:Instance"
GCP_COMPUTE_INSTANCE_GROUP_MANAGER = "gcp:compute/instanceGroupManager:InstanceGroupManager"
GCP_COMPUTE_INSTANCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
GCP_COMPUTE_NETWORK = "gcp:compute/network:Network"
GCP_COMPUTE_PROJECT_METADATA = "gcp:compute/projectMetadata:ProjectMetadata"
GCP_COMPUTE_PROJECT_METADATA_ITEM = "gcp:compute/projectMetadataItem:ProjectMetadataItem"
GCP_COMPUTE_REGION_AUTOSCALER = "gcp:compute/regionAutoscaler:RegionAutoscaler"
GCP_COMPUTE_REGION_BACKEND_SERVICE = "gcp:compute/regionBackendService:RegionBackendService"
GCP_COMPUTE_REGION_HEALTH_CHECK = "gcp:compute/regionHealthCheck:RegionHealthCheck"
GCP_COMPUTE_REGION_INSTANCE_GROUP_MANAGER = (
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")
GCP_COMPUTE_REGION_INSTANCE_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"
GCP_COMPUTE_RESOURCE_POLICY = "gcp:compute/resourcePolicy:ResourcePolicy"
GCP_COMPUTE_RESOURCE_POLICY_ATTACHMENT = (
    "gcp:compute/resourcePolicyAttachment:ResourcePolicyAttachment")
GCP_COMPUTE_ROUTE = "gcp:compute/route:Route"
GCP_COMPUTE_ROUTER = "gcp:compute/router:Router"
GCP_COMPUTE_ROUTER_NAT = "gcp:compute/routerNat:RouterNat"
GCP_COMPUTE_SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"
GCP_FILESTORE_INSTANCE = "gcp:filestore/instance:Instance"
GCP_MONITORING_DASHBOARD = "gcp:monitoring/dashboard:Dashboard"
GCP_MONITORING_NOTIFICATION_CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
GCP_ORGANIZATIONS_GET_PROJECT = "gcp:organizations/getProject:getProject"
GCP_PROJECTS_IAM_BINDING = "gcp:projects/iAMBinding:IAMBinding"
GCP_PROJECTS_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember"
GCP_PROJECTS_IAM_POLICY = "gcp:projects/iAMPolicy:IAMPolicy"
GCP_PROJECTS_SERVICE = "gcp:projects/service:Service"
GCP_SECRETMANAGER_SECRET = "gcp:secretmanager/secret:Secret"
GCP_SECRETMANAGER_SECRET_IAM_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
GCP_SECRETMANAGER_SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
GCP_SERVICEACCOUNT_ACCOUNT = "gcp:serviceaccount/account:Account"
GCP_SERVICEACCOUNT_IAM_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
GCP_SERVICENETWORKING_CONNECTION = "gcp:servicenetworking/connection:Connection"
GCP_SQL_DATABASE = "gcp:sql/database:Database"
GCP_SQL_DATABASE_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
GCP_SQL_USER = "gcp:sql/user:User"
GCP_STORAGE_BUCKET = "gcp:storage/bucket:Bucket"
GCP_STORAGE_BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
GCP_STORAGE_BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
GCP_STORAGE_BUCKET_IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy"
GCP_STORAGE_BUCKET_OBJECT = "gcp:storage/bucketObject:BucketObject"
GCP_TPU_V2_QUEUED_RESOURCE = "gcp:tpu/v2QueuedResource:V2QueuedResource"
GCP_TPU_V2_VM = "gcp:tpu/v2Vm:V2Vm"

# Random (pulumi-random): generated secrets that never appear in stack config

RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"

# Pulumi itself

DYNAMIC_RESOURCE = "pulumi-python:dynamic:Resource"
PROVIDER_AWS = "pulumi:providers:aws"
PROVIDER_GCP = "pulumi:providers:gcp"
STACK = "pulumi:pulumi:Stack"


def display_name(token: str) -> str:
    """The one spelling tables use: ``aws:ec2/instance:Instance`` -> ``aws.ec2.Instance``
    (as the Python SDK names the class); component and engine tokens unchanged."""
    parts = token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[0]}.{parts[1].split('/')[0]}.{parts[2]}"
    return token
