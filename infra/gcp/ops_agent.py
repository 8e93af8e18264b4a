"""GPU metrics on GCP: Google's Ops Agent, kept to its GPU series.

On a VM with an NVIDIA GPU the Ops Agent's ``hostmetrics`` receiver adds an NVML
pipeline: ``agent.googleapis.com/gpu/utilization`` and ``gpu/memory/bytes_used``
(per GPU; memory split into used and free) and per-process GPU series. Agent
metrics are chargeable, by the bytes ingested, and the CPU and network of a VM
are already free system metrics (``compute.googleapis.com/instance/*``), so
ailab's configuration drops everything but the per-GPU series with the
documented ``exclude_metrics`` processor (patterns must start with
``agent.googleapis.com/`` and end with ``/*``; the agent keeps the NVML pipeline
unless all four GPU metrics are excluded). Logging keeps the agent's default
syslog pipeline: the idle watchdog's journal lines (``ailab-idle-watchdog``)
reach Cloud Logging, where the dashboard shows them.

The boot lines install the agent from Google's repository script when it is not
there (the lab's Cloud NAT reaches dl.google.com), write the configuration and
restart the agent; a failure is reported and never stops the rest of the
start-up script.

Sources (as of 2026-12): GoogleCloudPlatform/ops-agent ``apps/hostmetrics.go``
(NVML pipeline and ``MergeMetricsProcessor``), ``apps/metric_processors.go``
(``exclude_metrics`` validation), ``apps/builtinconf.go`` (the built-in
``metrics_filter`` processor of the default pipeline, which a user config of the
same name replaces); Cloud Monitoring "Install the Ops Agent" (the repository
script and ``--also-install``).
"""

from __future__ import annotations

import yaml

from ailab.core import gpu_metrics

CONFIG_PATH = "/etc/google-cloud-ops-agent/config.yaml"
REPO_SCRIPT = "https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh"
SERVICE = "google-cloud-ops-agent"
EXCLUDED = ("cpu", "disk", "interface", "memory", "network", "pagefile", "processes", "swap",
            "gpu/processes")
"""Metric families dropped: host series (free system metrics cover CPU and network)
and the per-process GPU series (one per process: unbounded)."""


def agent_config() -> dict:
    """The Ops Agent configuration: the built-in metrics filter replaced by one that
    keeps only the per-GPU series."""
    return {"metrics": {"processors": {"metrics_filter": {
        "type": "exclude_metrics",
        "metrics_pattern": [f"agent.googleapis.com/{family}/*" for family in EXCLUDED]}}}}


def install_lines() -> list[str]:
    """Start-up script lines: install the agent if missing, write the config, restart."""
    marker = gpu_metrics.GCP_CONFIG_MARKER
    return [
        "install_ops_agent() {",
        f"  if ! systemctl cat {SERVICE}.service >/dev/null 2>&1; then",
        f"    curl -fsSL -o /tmp/add-google-cloud-ops-agent-repo.sh {REPO_SCRIPT} || return 1",
        "    bash /tmp/add-google-cloud-ops-agent-repo.sh --also-install || return 1",
        "  fi",
        f"  mkdir -p {CONFIG_PATH.rsplit('/', 1)[0]}",
        f"  cat > {CONFIG_PATH} <<'{marker}'",
        yaml.safe_dump(agent_config(), sort_keys=False).rstrip("\n"),
        marker,
        f"  systemctl restart {SERVICE}",
        "}",
        "install_ops_agent || echo 'ailab: Ops Agent not installed: no GPU metrics for the "
        "dashboard' >&2",
    ]


def config_from_script(script: str) -> dict:
    """The Ops Agent configuration a start-up script writes (for tests and audits)."""
    marker = gpu_metrics.GCP_CONFIG_MARKER
    opening = f"<<'{marker}'\n"
    if opening not in script:
        raise ValueError("the script writes no Ops Agent configuration")
    body = script.split(opening, 1)[1].split(f"\n{marker}\n", 1)[0]
    found = yaml.safe_load(body)
    if not isinstance(found, dict):
        raise ValueError("the Ops Agent configuration is not a mapping")
    return found
