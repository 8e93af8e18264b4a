"""GPU metrics on AWS: the CloudWatch agent with its NVIDIA GPU plugin.

Every AWS GPU machine (stand-alone instance, pool node, cluster node) installs
the agent from user data and publishes, every minute, in namespace ``CWAgent``:

- per GPU: ``nvidia_smi_utilization_gpu`` (%), ``nvidia_smi_memory_used`` (MiB),
  ``nvidia_smi_power_draw`` (W) with dimensions ``InstanceId``, ``index``,
  ``name`` (the plugin tags each GPU with ``index``/``name``; ``append_dimensions``
  adds ``InstanceId``; ``omit_hostname`` drops ``host``);
- per instance: the same three metrics with the one dimension ``InstanceId``
  (``aggregation_dimensions: [["InstanceId"]]``): the agent rolls every GPU of
  the machine into one series, so its ``Maximum`` is the busiest GPU.

That is the contract the janitor's idle rule and the auto-stop alarm read
(``PER_GPU_DIMENSIONS``, ``INSTANCE_DIMENSIONS``). The instance role may call
``cloudwatch:PutMetricData`` for this namespace only (``iam.py``).

Sources (as of 2026-11): Amazon CloudWatch User Guide, "Collect NVIDIA GPU
metrics" (config section ``nvidia_gpu``, its measurements, the ``nvidia_smi_``
prefix) and "Manually create or edit the CloudWatch agent configuration file"
(``agent``/``metrics`` keys, ``append_dimensions``, ``aggregation_dimensions``,
``omit_hostname``); "Install the CloudWatch agent using the command line"
(regional download bucket, ``amazon-cloudwatch-agent-ctl -a fetch-config``).
"""

from __future__ import annotations

import json
from typing import Any

from ailab.core import gpu_metrics

# The contract itself lives in ``ailab.core.gpu_metrics`` (dashboards and pricing read
# it too); these names stay for the modules that import them from here.
NAMESPACE = gpu_metrics.AWS_NAMESPACE
MEASUREMENTS = gpu_metrics.AWS_MEASUREMENTS
METRIC_PREFIX = gpu_metrics.AWS_METRIC_PREFIX
GPU_UTILIZATION = gpu_metrics.AWS_GPU_UTILIZATION
METRICS = gpu_metrics.AWS_METRICS
PER_GPU_DIMENSIONS = gpu_metrics.AWS_PER_GPU_DIMENSIONS
INSTANCE_DIMENSIONS = gpu_metrics.AWS_INSTANCE_DIMENSIONS
INTERVAL_S = gpu_metrics.AWS_INTERVAL_S
MARKER = gpu_metrics.AWS_CONFIG_MARKER
CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/ailab-agent.json"
CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"

DOCUMENTED_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"agent", "metrics", "logs", "traces"}),
    "agent": frozenset({"metrics_collection_interval", "region", "credentials", "debug",
                        "logfile", "omit_hostname", "run_as_user", "user_agent",
                        "aws_sdk_log_level", "usage_data"}),
    "metrics": frozenset({"namespace", "append_dimensions", "aggregation_dimensions",
                          "metrics_collected", "endpoint_override", "force_flush_interval",
                          "credentials", "metrics_destinations"}),
    "nvidia_gpu": frozenset({"measurement", "metrics_collection_interval"}),
}
"""Keys the agent's configuration reference documents for each section we write."""
DOCUMENTED_MEASUREMENTS = frozenset({
    "utilization_gpu", "utilization_memory", "temperature_gpu", "power_draw", "fan_speed",
    "memory_total", "memory_used", "memory_free", "pcie_link_gen_current",
    "pcie_link_width_current", "encoder_stats_session_count", "encoder_stats_average_fps",
    "encoder_stats_average_latency", "clocks_current_graphics", "clocks_current_sm",
    "clocks_current_memory", "clocks_current_video"})
"""Measurements the ``nvidia_gpu`` section accepts (the user guide's table)."""
APPEND_DIMENSION_VALUES = {"ImageId": "${aws:ImageId}", "InstanceId": "${aws:InstanceId}",
                           "InstanceType": "${aws:InstanceType}",
                           "AutoScalingGroupName": "${aws:AutoScalingGroupName}"}
"""The only ``append_dimensions`` the agent fills in (key: placeholder)."""


def agent_config() -> dict[str, Any]:
    """The agent's JSON configuration: GPU metrics only, per GPU and per instance."""
    return {
        "agent": {"metrics_collection_interval": INTERVAL_S, "omit_hostname": True},
        "metrics": {
            "namespace": NAMESPACE,
            "append_dimensions": {"InstanceId": APPEND_DIMENSION_VALUES["InstanceId"]},
            "aggregation_dimensions": [list(INSTANCE_DIMENSIONS)],
            "metrics_collected": {"nvidia_gpu": {
                "measurement": list(MEASUREMENTS),
                "metrics_collection_interval": INTERVAL_S}},
        },
    }


def undocumented_keys(config: dict[str, Any]) -> list[str]:
    """Keys of ``config`` the agent's reference does not document (dotted paths)."""
    found = [k for k in config if k not in DOCUMENTED_KEYS[""]]
    for section in ("agent", "metrics"):
        found += [f"{section}.{k}" for k in config.get(section, {})
                  if k not in DOCUMENTED_KEYS[section]]
    gpu = config.get("metrics", {}).get("metrics_collected", {}).get("nvidia_gpu", {})
    found += [f"nvidia_gpu.{k}" for k in gpu if k not in DOCUMENTED_KEYS["nvidia_gpu"]]
    found += [f"nvidia_gpu.measurement.{m}" for m in gpu.get("measurement", [])
              if m not in DOCUMENTED_MEASUREMENTS]
    appended = config.get("metrics", {}).get("append_dimensions", {})
    found += [f"append_dimensions.{k}" for k, v in appended.items()
              if APPEND_DIMENSION_VALUES.get(k) != v]
    return found


def install_lines(region: str) -> list[str]:
    """Boot-script lines: download the agent from the region's bucket (reachable
    through the VPC's S3 gateway endpoint), install it, load the config, start it
    at every boot. Needs the ``retry`` shell function of the boot script."""
    url = (f"https://amazoncloudwatch-agent-{region}.s3.{region}.amazonaws.com/ubuntu/"
           "amd64/latest/amazon-cloudwatch-agent.deb")
    return [
        "install_cloudwatch_agent() {",
        f"  if [ ! -x {CTL} ]; then",
        f"    retry 10 15 curl -fsSL -o /tmp/amazon-cloudwatch-agent.deb {url} || return 1",
        "    dpkg -i -E /tmp/amazon-cloudwatch-agent.deb || return 1",
        "  fi",
        f"  mkdir -p {CONFIG_PATH.rsplit('/', 1)[0]}",
        f"  cat > {CONFIG_PATH} <<'{MARKER}'",
        json.dumps(agent_config(), indent=2),
        MARKER,
        f"  {CTL} -a fetch-config -m ec2 -s -c file:{CONFIG_PATH}",
        "}",
        "install_cloudwatch_agent || note 'CloudWatch agent not installed: no GPU metrics, "
        "so the GPU idle alarm cannot fire (it treats missing data as busy)'",
    ]


def config_from_user_data(script: str) -> dict[str, Any]:
    """The agent configuration a boot script writes (for tests and audits)."""
    found = gpu_metrics.aws_agent_config(script)
    if found is None:
        raise ValueError("the script writes no CloudWatch agent configuration")
    return found
