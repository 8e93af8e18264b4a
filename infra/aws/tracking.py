"""Experiment tracking on AWS: MLflow on ECS Fargate behind an internal ALB, backed
by RDS for PostgreSQL, artifacts in the lab bucket (``infra.observability`` says
why this shape).

Network: everything sits in the lab's private subnets. The lab's machines reach
the load balancer on port 80 (its security group admits only the lab group),
the load balancer reaches the task on the server port, the task reaches the
database on 5432; the database admits nothing else and has no route in from
outside (``publicly_accessible`` false). The task pulls its image and reads its
secret through the NAT gateway (the spec requires one).

Database: encrypted (``storage_encrypted``), automated backups kept
``backup_days``, deletion protection on, a final snapshot on delete, and
retained when the stack is destroyed (``retainOnDelete``). RDS manages the
master password in Secrets Manager (``manage_master_user_password``): it is
generated and rotated by RDS and read by ECS into the container at start.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ailab.infra.aws import tracking_task as task
from ailab.infra.observability import DB_NAME, DB_PORT, DB_USER, TrackingSpec

HTTP_PORT = 80


@dataclass
class TrackingServerArgs:
    """Inputs of the tracking server."""

    stack: str
    region: str
    spec: TrackingSpec
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets (two zones: the load balancer and the DB subnet group need two)."""
    client_security_group_id: pulumi.Input[str]
    """The lab machines' group: the only one that reaches the server."""
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    retain_on_delete: bool = True
    tags: dict[str, str] = field(default_factory=dict)


def _first_secret_arn(found: Any) -> str:
    """``master_user_secrets[0].secret_arn`` (an output type; empty until RDS made it)."""
    first = (found or [None])[0]
    return str(getattr(first, "secret_arn", None) or "")


class TrackingServer(pulumi.ComponentResource):
    """Database, server task and service, internal load balancer; ``uri`` is the
    tracking URI the workloads use."""

    def __init__(self, name: str, args: TrackingServerArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:TrackingServer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        groups = self._security_groups(name, args, child)
        self.database = self._database(name, args, groups["db"])
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/ailab/{args.stack}/mlflow",
            retention_in_days=task.LOG_RETENTION_DAYS, tags=args.tags, opts=child)
        self.load_balancer, target_group, listener = self._load_balancer(
            name, args, groups["alb"], child)
        self.uri = pulumi.Output.concat("http://", self.load_balancer.dns_name)
        secret_arn = self._secret_arn()
        execution, runner = self._roles(name, args, secret_arn, child)
        definition = aws.ecs.TaskDefinition(
            f"{name}-task", family=task.physical_name(args.stack, "mlflow", 255),
            requires_compatibilities=["FARGATE"], network_mode="awsvpc",
            cpu=str(args.spec.aws_task_cpu), memory=str(args.spec.aws_task_memory_mib),
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            execution_role_arn=execution.arn, task_role_arn=runner.arn,
            container_definitions=pulumi.Output.all(
                self.database.address, secret_arn, args.bucket_name, logs.name,
                self.load_balancer.dns_name).apply(lambda v: json.dumps(
                    task.container_definitions(args.spec, region=args.region, db_host=v[0],
                                               secret_arn=v[1], bucket=v[2], log_group=v[3],
                                               lb_dns=v[4], vpc_cidr=args.vpc_cidr))),
            tags=args.tags, opts=child)
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster", name=task.physical_name(args.stack, "tracking", 255),
            settings=[{"name": "containerInsights", "value": "disabled"}], tags=args.tags,
            opts=child)
        self.service = aws.ecs.Service(
            f"{name}-service", name="mlflow", cluster=self.cluster.arn,
            task_definition=definition.arn, desired_count=1, launch_type="FARGATE",
            network_configuration={"subnets": list(args.subnet_ids),
                                   "security_groups": [groups["server"].id],
                                   "assign_public_ip": False},
            load_balancers=[{"target_group_arn": target_group.arn,
                             "container_name": task.CONTAINER,
                             "container_port": args.spec.port}],
            health_check_grace_period_seconds=240,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            propagate_tags="SERVICE", tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[listener]))
        self.register_outputs({"tracking_uri": self.uri,
                               "database": self.database.identifier,
                               "service": self.service.name})

    def _secret_arn(self) -> pulumi.Output[str]:
        """ARN of the secret RDS keeps the master credentials in."""
        return self.database.master_user_secrets.apply(_first_secret_arn)

    @staticmethod
    def _security_groups(name: str, args: TrackingServerArgs, child: pulumi.ResourceOptions
                         ) -> dict[str, aws.ec2.SecurityGroup]:
        port = args.spec.port
        alb = aws.ec2.SecurityGroup(
            f"{name}-alb-sg", vpc_id=args.vpc_id,
            description="MLflow load balancer: HTTP from the lab machines only",
            ingress=[{"protocol": "tcp", "from_port": HTTP_PORT, "to_port": HTTP_PORT,
                      "security_groups": [args.client_security_group_id],
                      "description": "lab machines"}],
            egress=[{"protocol": "tcp", "from_port": port, "to_port": port,
                     "cidr_blocks": [args.vpc_cidr], "description": "to the server task"}],
            tags=args.tags, opts=child)
        server = aws.ec2.SecurityGroup(
            f"{name}-server-sg", vpc_id=args.vpc_id,
            description="MLflow server task: its port from the load balancer only",
            ingress=[{"protocol": "tcp", "from_port": port, "to_port": port,
                      "security_groups": [alb.id], "description": "load balancer"}],
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0,
                     "cidr_blocks": ["0.0.0.0/0"],
                     "description": "image pull, Secrets Manager, S3, the database"}],
            tags=args.tags, opts=child)
        db = aws.ec2.SecurityGroup(
            f"{name}-db-sg", vpc_id=args.vpc_id,
            description="MLflow database: PostgreSQL from the server task only",
            ingress=[{"protocol": "tcp", "from_port": DB_PORT, "to_port": DB_PORT,
                      "security_groups": [server.id], "description": "server task"}],
            egress=[], tags=args.tags, opts=child)
        return {"alb": alb, "server": server, "db": db}

    def _database(self, name: str, args: TrackingServerArgs,
                  group: aws.ec2.SecurityGroup) -> aws.rds.Instance:
        child = pulumi.ResourceOptions(parent=self)
        subnets = aws.rds.SubnetGroup(
            f"{name}-db-subnets", subnet_ids=list(args.subnet_ids),
            description="ailab tracking database: the lab's private subnets",
            tags=args.tags, opts=child)
        identifier = task.physical_name(args.stack, "mlflow", 63)
        spec = args.spec
        return aws.rds.Instance(
            f"{name}-db", identifier=identifier, engine="postgres",
            engine_version=spec.aws_db_engine_version, instance_class=spec.aws_db_class,
            allocated_storage=spec.aws_db_storage_gb, max_allocated_storage=100,
            storage_type="gp3", storage_encrypted=True, db_name=DB_NAME, username=DB_USER,
            manage_master_user_password=True, port=DB_PORT,
            db_subnet_group_name=subnets.name, vpc_security_group_ids=[group.id],
            publicly_accessible=False, multi_az=False,
            backup_retention_period=spec.backup_days, backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30", copy_tags_to_snapshot=True,
            delete_automated_backups=False, deletion_protection=True,
            skip_final_snapshot=False, final_snapshot_identifier=f"{identifier}-final",
            auto_minor_version_upgrade=True, tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete))

    @staticmethod
    def _load_balancer(name: str, args: TrackingServerArgs, group: aws.ec2.SecurityGroup,
                       child: pulumi.ResourceOptions
                       ) -> tuple[aws.lb.LoadBalancer, aws.lb.TargetGroup, aws.lb.Listener]:
        balancer = aws.lb.LoadBalancer(
            f"{name}-alb", name=task.physical_name(args.stack, "mlflow", 32), internal=True,
            load_balancer_type="application", security_groups=[group.id],
            subnets=list(args.subnet_ids), drop_invalid_header_fields=True, tags=args.tags,
            opts=child)
        target = aws.lb.TargetGroup(
            f"{name}-tg", name=task.physical_name(args.stack, "mlflow-tg", 32),
            port=args.spec.port, protocol="HTTP", target_type="ip", vpc_id=args.vpc_id,
            health_check={"path": task.HEALTH_PATH, "matcher": "200", "interval": 30,
                          "healthy_threshold": 2, "unhealthy_threshold": 3},
            tags=args.tags, opts=child)
        listener = aws.lb.Listener(
            f"{name}-http", load_balancer_arn=balancer.arn, port=HTTP_PORT, protocol="HTTP",
            default_actions=[{"type": "forward", "target_group_arn": target.arn}],
            tags=args.tags, opts=child)
        return balancer, target, listener

    @staticmethod
    def _roles(name: str, args: TrackingServerArgs, secret_arn: pulumi.Output[str],
               child: pulumi.ResourceOptions) -> tuple[aws.iam.Role, aws.iam.Role]:
        trust = json.dumps(task.ecs_assume_role_policy())
        execution = aws.iam.Role(
            f"{name}-exec-role", assume_role_policy=trust,
            description="ailab tracking: pull the image, write logs, read the DB secret",
            tags=args.tags, opts=child)
        aws.iam.RolePolicyAttachment(f"{name}-exec-managed", role=execution.name,
                                     policy_arn=task.EXECUTION_POLICY_ARN, opts=child)
        aws.iam.RolePolicy(
            f"{name}-exec-secret", role=execution.id,
            policy=secret_arn.apply(lambda arn: json.dumps(task.secret_read_policy(arn))),
            opts=child)
        runner = aws.iam.Role(
            f"{name}-task-role", assume_role_policy=trust,
            description="ailab tracking server: artifacts under mlflow/ of the lab bucket",
            tags=args.tags, opts=child)
        aws.iam.RolePolicy(
            f"{name}-artifacts", role=runner.id,
            policy=pulumi.Output.from_input(args.bucket_arn).apply(
                lambda arn: json.dumps(task.artifact_policy(arn))), opts=child)
        return execution, runner
