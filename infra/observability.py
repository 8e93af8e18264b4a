"""The lab's observability settings: its dashboard and the optional tracking server.

Both are cloud-neutral in the config (``ailab:dashboard``, ``ailab:tracking``) and
validated here into typed specs; each cloud builds them in its own components
(``infra/<cloud>/dashboard.py``, ``infra/<cloud>/tracking.py``).

Tracking server choice, and why:

- **AWS: ECS Fargate behind an internal ALB.** One 0.5 vCPU / 1 GiB task costs
  about $18/month and the ALB about $16, against about $12 for a t4g.small EC2
  instance. For the extra ~$22/month nobody patches an OS, ECS replaces a task
  that fails its health check, and a replaced task reads the database password
  afresh from Secrets Manager (RDS rotates the password it manages), which a
  long-lived VM would not. The ALB gives a stable private DNS name.
- **GCP: Cloud Run, internal ingress, Direct VPC egress.** Request-based
  billing with no minimum instance costs nothing while nobody logs; requests
  from the lab's VPC count as internal (Private Google Access on the lab
  subnet). Cloud Run pulls only from Artifact Registry or Docker Hub, so the
  MLflow image (``ghcr.io``) comes through a remote Artifact Registry
  repository.
- **Database**: managed PostgreSQL (RDS ``db.t4g.small`` / Cloud SQL
  ``db-g1-small``, about 2 GB of memory each), private only, encrypted,
  automated backups kept 7 days, deletion protection, retained on destroy.
- **Credentials**: RDS manages the master password in Secrets Manager
  (``manage_master_user_password``); on GCP a generated password goes to Secret
  Manager and to the database user. The server reads it at start through its
  own role; it is never in stack config or user data.
- **Image**: the official MLflow image with its database drivers and cloud
  storage clients (``-full``), pinned; artifacts are proxied by the server into
  the lab bucket under ``mlflow/``, so nodes need only ``mlflow`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ailab.core.errors import ConfigError

NS = "ailab"
TRACKING_ENGINES = ("mlflow",)

MLFLOW_IMAGE = "ghcr.io/mlflow/mlflow:v3.14.0-full"
"""Official image with database drivers and cloud storage clients (the MLflow
Helm chart's default); ``<version>`` without ``-full`` has no psycopg2."""
MLFLOW_PORT = 5000
ARTIFACT_PREFIX = "mlflow"
DB_NAME = "mlflow"
DB_USER = "mlflow"
DB_PORT = 5432
BACKUP_RETENTION_DAYS = 7
"""Days of automated backups kept (the database guardrail's minimum)."""
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
"""Where the training workloads look for the server (stack output ``tracking_uri``)."""


@dataclass(frozen=True)
class TrackingSpec:
    """An MLflow tracking server and its database, sized for a lab."""

    engine: str = "mlflow"
    image: str = MLFLOW_IMAGE
    port: int = MLFLOW_PORT
    aws_db_class: str = "db.t4g.small"
    aws_db_engine_version: str = "16"
    aws_db_storage_gb: int = 20
    aws_task_cpu: int = 512
    """Fargate CPU units (1024 = 1 vCPU)."""
    aws_task_memory_mib: int = 1024
    gcp_db_tier: str = "db-g1-small"
    gcp_db_version: str = "POSTGRES_16"
    gcp_db_disk_gb: int = 10
    gcp_run_cpu: str = "1"
    gcp_run_memory: str = "1Gi"
    backup_days: int = BACKUP_RETENTION_DAYS


@dataclass(frozen=True)
class ObservabilitySpec:
    """Whether the lab has a dashboard, and its tracking server if any."""

    dashboard: bool = True
    tracking: TrackingSpec | None = None


def build_observability(values: dict[str, Any]) -> ObservabilitySpec:
    """The typed settings from parsed config (one-line errors naming the key)."""
    engine = str(values.get("tracking") or "").strip().lower()
    if engine and engine not in TRACKING_ENGINES:
        raise ConfigError(f"{NS}:tracking", values["tracking"],
                          f"allowed: {', '.join(TRACKING_ENGINES)} (or empty for none)")
    return ObservabilitySpec(dashboard=bool(values.get("dashboard", True)),
                             tracking=TrackingSpec(engine=engine) if engine else None)


def check_aws_tracking(spec: ObservabilitySpec, nat_gateway: bool) -> None:
    """The AWS server runs in the private subnets: it pulls its image from ghcr.io and
    calls Secrets Manager, ECR and CloudWatch Logs, so those subnets need egress."""
    if spec.tracking is not None and not nat_gateway:
        raise ConfigError(f"{NS}:tracking", spec.tracking.engine, "the tracking server runs "
                          "in the private subnets and needs their NAT gateway to pull its "
                          "image and read its secret; set ailab:natGateway true or drop "
                          "ailab:tracking")


def allowed_host_patterns(vpc_cidr: str) -> list[str]:
    """Host headers the MLflow server accepts besides its own name (MLflow >= 3.5 refuses
    others: DNS-rebinding guard): localhost through a tunnel, and the VPC's private
    addresses (load balancer health checks send the target's IP)."""
    octets = vpc_cidr.split("/")[0].split(".")
    prefix = int(vpc_cidr.split("/")[1]) if "/" in vpc_cidr else 32
    fixed = max(1, prefix // 8)
    return ["localhost:*", "127.0.0.1:*", ".".join(octets[:fixed]) + ".*"]


def server_command(artifacts_uri: str) -> str:
    """The shell line that starts the server: the database URI is assembled from the
    environment at start (password URL-quoted, never on the command line), then
    ``mlflow server`` proxies artifacts into ``artifacts_uri``."""
    quote = ("python3 -c 'import os,urllib.parse as u;"
             "print(u.quote(os.environ[\"MLFLOW_DB_PASSWORD\"],safe=\"\"))'")
    return (f'export MLFLOW_BACKEND_STORE_URI="postgresql://${{MLFLOW_DB_USER}}:$({quote})'
            f'@${{MLFLOW_DB_HOST}}:${{MLFLOW_DB_PORT}}/{DB_NAME}?sslmode=require" && '
            "unset MLFLOW_DB_PASSWORD && "
            f"exec mlflow server --host 0.0.0.0 --port ${{MLFLOW_PORT}} --serve-artifacts "
            f"--artifacts-destination {artifacts_uri}")
