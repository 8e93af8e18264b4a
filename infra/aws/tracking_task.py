"""The AWS tracking server's task and permissions, as plain data.

The ECS task definition's container (``container_definitions``) and the IAM
documents of its two roles: the *execution* role ECS uses to pull the image,
write the logs and read the database secret into the container's environment
(``secrets``: the password never sits in the task definition, the stack config
or any user data), and the *task* role the server runs as, which may read and
write the lab bucket under ``mlflow/`` only.
"""

from __future__ import annotations

import re
from typing import Any

from ailab.infra.observability import (
    ARTIFACT_PREFIX,
    DB_PORT,
    TrackingSpec,
    allowed_host_patterns,
    server_command,
)

CONTAINER = "mlflow"
EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
LOG_RETENTION_DAYS = 30
HEALTH_PATH = "/health"
PROBE = ("python3 -c \"import urllib.request as u; u.urlopen('http://localhost:{port}"
         "/api/2.0/mlflow/experiments/search?max_results=1', timeout=5)\" || exit 1")
"""Container health check that reaches the database: a task whose connections fail
(say after RDS rotated the password) is replaced, and the new task reads the
current secret."""


def physical_name(stack: str, suffix: str, limit: int) -> str:
    """A name AWS accepts for load balancers, target groups and DB instances: letters,
    digits and single hyphens, starting with a letter, at most ``limit`` long."""
    base = re.sub(r"[^a-z0-9]+", "-", f"{stack}-{suffix}".lower()).strip("-")
    if not base[:1].isalpha():
        base = f"a-{base}"
    if len(base) <= limit:
        return base
    import hashlib

    digest = hashlib.sha256(base.encode()).hexdigest()[:6]
    return f"{base[:limit - 7].rstrip('-')}-{digest}"


def ecs_assume_role_policy() -> dict[str, Any]:
    """Trust policy letting ECS tasks assume a role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}


def secret_read_policy(secret_arn: str) -> dict[str, Any]:
    """The execution role reads the one database secret, nothing else."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadDatabaseSecret", "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn}]}


def artifact_policy(bucket_arn: str) -> dict[str, Any]:
    """The server reads and writes artifacts under ``mlflow/`` of the lab bucket."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ListArtifacts", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": bucket_arn,
         "Condition": {"StringLike": {"s3:prefix": [f"{ARTIFACT_PREFIX}/*"]}}},
        {"Sid": "ReadWriteArtifacts", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
         "Resource": f"{bucket_arn}/{ARTIFACT_PREFIX}/*"}]}


def container_definitions(spec: TrackingSpec, *, region: str, db_host: str, secret_arn: str,
                          bucket: str, log_group: str, lb_dns: str,
                          vpc_cidr: str) -> list[dict[str, Any]]:
    """The one container of the task: MLflow, its database credentials from Secrets
    Manager (``secrets``), the rest from plain environment values."""
    hosts = [lb_dns, f"{lb_dns}:*", *allowed_host_patterns(vpc_cidr)]
    env = {"MLFLOW_DB_HOST": db_host, "MLFLOW_DB_PORT": str(DB_PORT),
           "MLFLOW_PORT": str(spec.port), "MLFLOW_SERVER_ALLOWED_HOSTS": ",".join(hosts),
           "AWS_DEFAULT_REGION": region}
    return [{
        "name": CONTAINER, "image": spec.image, "essential": True,
        "entryPoint": ["/bin/sh", "-c"],
        "command": [server_command(f"s3://{bucket}/{ARTIFACT_PREFIX}")],
        "portMappings": [{"containerPort": spec.port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
        "secrets": [{"name": "MLFLOW_DB_USER", "valueFrom": f"{secret_arn}:username::"},
                    {"name": "MLFLOW_DB_PASSWORD", "valueFrom": f"{secret_arn}:password::"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group, "awslogs-region": region,
            "awslogs-stream-prefix": CONTAINER}},
        "healthCheck": {"command": ["CMD-SHELL", PROBE.format(port=spec.port)],
                        "interval": 30, "timeout": 10, "retries": 3, "startPeriod": 180},
    }]
