"""The GPU metrics the lab machines' agents publish: one contract for every reader.

The infra installs the agents (``infra/aws/cloudwatch_agent.py``,
``infra/gcp/ops_agent.py``); the auto-stop alarm, the janitor and the dashboards
read the series; stack pricing bills them. All of them take the names and
the count of series per machine from here.

AWS, CloudWatch agent (namespace ``CWAgent``): per GPU ``nvidia_smi_<measurement>``
with dimensions ``InstanceId``, ``index``, ``name``, plus one roll-up series per
measurement with ``InstanceId`` alone (``aggregation_dimensions``). Each distinct
series is one CloudWatch custom metric, billed per metric-month, prorated by the
hour it receives data: a machine with ``g`` GPUs publishes
``measurements x (g + roll-ups)`` of them (8 GPUs, 3 measurements: 27).

GCP, Ops Agent on an NVIDIA host (NVML receiver, ``agent.googleapis.com/gpu/*``):
per GPU ``gpu/utilization`` and ``gpu/memory/bytes_used`` split by
``memory_state`` (used, free), so 3 series per GPU; the per-process series
(``gpu/processes/*``) and the host metrics are excluded by ailab's agent
config. Chargeable agent metrics are billed by bytes ingested: 8 bytes per
point (Cloud Monitoring pricing), one point per collection interval.

Sources (as of 2026-12): Amazon CloudWatch User Guide, "Collect NVIDIA GPU
metrics" and the agent configuration reference; GoogleCloudPlatform/ops-agent
``apps/hostmetrics.go`` (NVML pipeline on GPU hosts, metric renames),
``apps/metric_processors.go`` (``exclude_metrics`` patterns) and the NVML
receiver's scraper (``memory_state`` used/free); Cloud Monitoring pricing
(byte-based ingestion, 8 bytes per point).
"""

from __future__ import annotations

import json
from typing import Any

# AWS: CloudWatch agent ------------------------------------------------------------

AWS_NAMESPACE = "CWAgent"
AWS_MEASUREMENTS = ("utilization_gpu", "memory_used", "power_draw")
AWS_METRIC_PREFIX = "nvidia_smi_"
AWS_GPU_UTILIZATION = AWS_METRIC_PREFIX + "utilization_gpu"
AWS_GPU_MEMORY_USED = AWS_METRIC_PREFIX + "memory_used"
AWS_METRICS = tuple(AWS_METRIC_PREFIX + m for m in AWS_MEASUREMENTS)
AWS_PER_GPU_DIMENSIONS = ("InstanceId", "index", "name")
AWS_INSTANCE_DIMENSIONS = ("InstanceId",)
AWS_INTERVAL_S = 60
AWS_CONFIG_MARKER = "AILAB_AGENT_CONFIG"
"""Heredoc delimiter around the agent's JSON configuration in a boot script."""

# GCP: Ops Agent -------------------------------------------------------------------

GCP_GPU_UTILIZATION = "agent.googleapis.com/gpu/utilization"
GCP_GPU_MEMORY_USED = "agent.googleapis.com/gpu/memory/bytes_used"
GCP_SERIES_PER_GPU = 3
"""utilization, plus bytes_used for memory_state used and free."""
GCP_INTERVAL_S = 60
GCP_BYTES_PER_POINT = 8
GCP_CONFIG_MARKER = "AILAB_OPS_AGENT_CONFIG"
"""Heredoc delimiter around the Ops Agent's YAML configuration in a start-up script."""


def aws_agent_config(script: str | None) -> dict[str, Any] | None:
    """The CloudWatch agent configuration a boot script writes, or None without one."""
    opening = f"<<'{AWS_CONFIG_MARKER}'\n"
    if not script or opening not in script:
        return None
    body = script.split(opening, 1)[1].split(f"\n{AWS_CONFIG_MARKER}\n", 1)[0]
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def aws_series_per_machine(config: dict[str, Any], gpus: int) -> int:
    """Custom metrics one machine with ``gpus`` GPUs publishes under ``config``: each
    GPU measurement per GPU, plus once per aggregation (roll-up) dimension set."""
    metrics = config.get("metrics") or {}
    section = (metrics.get("metrics_collected") or {}).get("nvidia_gpu") or {}
    measurements = len(section.get("measurement") or [])
    rollups = len(metrics.get("aggregation_dimensions") or [])
    return measurements * (gpus + rollups) if gpus > 0 else 0


def gcp_ops_agent_installed(script: str | None) -> bool:
    """Whether a start-up script installs ailab's Ops Agent configuration."""
    return bool(script) and f"<<'{GCP_CONFIG_MARKER}'" in str(script)


def gcp_mib_per_series_month(hours: float, interval_s: int = GCP_INTERVAL_S) -> float:
    """MiB ingested by one series sampled every ``interval_s`` for ``hours``."""
    points = hours * 3600 / interval_s
    return points * GCP_BYTES_PER_POINT / (1024 * 1024)
