"""Idle auto-stop on GCP, two layers.

1. An instance schedule resource policy stops (and optionally starts) the lab
   VMs at fixed lab hours. Compute Engine's service agent performs the start and
   stop, so it gets ``compute.instanceAdmin.v1`` on the project.
2. A start-up idle watchdog on each GPU VM: a systemd service that samples
   ``nvidia-smi`` every minute and shuts the VM down (a guest shutdown stops a
   GCE VM; disks and IP are kept) when every GPU stays below a utilisation
   threshold for N minutes. Thresholds live in instance metadata
   (``ailab-idle-minutes``, ``ailab-idle-gpu-percent``) and are re-read every
   sample, so ``gcloud compute instances add-metadata`` changes them live.

TPU VMs have neither: instance schedules do not apply to them and ``nvidia-smi``
does not see TPUs; spot TPUs and the budget bound their cost instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.services import child_options, invoke_options
from ailab.infra.gcp.spec import ScheduleSpec, WatchdogSpec

WATCHDOG_PATH = "/usr/local/bin/ailab-idle-watchdog"
MINUTES_KEY = "ailab-idle-minutes"
PERCENT_KEY = "ailab-idle-gpu-percent"

WATCHDOG_SCRIPT = r"""#!/bin/bash
# ailab idle watchdog: shut this VM down when every GPU stays below a utilisation
# threshold for N minutes. Thresholds come from instance metadata, read on every
# sample: ailab-idle-minutes (0 = off) and ailab-idle-gpu-percent.
set -u
MD_URL="${AILAB_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1/instance/attributes}"
INTERVAL_S=60

md() {
  curl -sf --max-time 5 -H "Metadata-Flavor: Google" "$MD_URL/$1" || true
}

int_or() {
  case "$1" in
    ''|*[!0-9]*) echo "$2" ;;
    *) echo "$1" ;;
  esac
}

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "ailab-idle-watchdog: no nvidia-smi on this VM, nothing to watch" >&2
  exit 0
fi

idle_s=0
while true; do
  minutes=$(int_or "$(md MINUTES_KEY)" 0)
  threshold=$(int_or "$(md PERCENT_KEY)" 10)
  if [ "$minutes" -eq 0 ]; then
    idle_s=0
  else
    busiest=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits \
      | tr -d ' ' | sort -n | tail -n 1)
    busiest=$(int_or "$busiest" 100)
    if [ "$busiest" -lt "$threshold" ]; then
      idle_s=$((idle_s + INTERVAL_S))
    else
      idle_s=0
    fi
    if [ "$idle_s" -ge $((minutes * 60)) ]; then
      msg="every GPU below ${threshold}% for ${minutes} min; shutting down"
      logger -t ailab-idle-watchdog "$msg" 2>/dev/null || echo "ailab-idle-watchdog: $msg" >&2
      shutdown -h now
      exit 0
    fi
  fi
  sleep "$INTERVAL_S"
done
""".replace("MINUTES_KEY", MINUTES_KEY).replace("PERCENT_KEY", PERCENT_KEY)

WATCHDOG_UNIT = f"""[Unit]
Description=ailab idle GPU watchdog (stops the VM when GPUs stay idle)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart={WATCHDOG_PATH}
Restart=on-failure
RestartSec=30

[Install]
WantedBy=multi-user.target
"""


def watchdog_metadata(spec: WatchdogSpec | None) -> dict[str, str]:
    """Instance metadata the watchdog reads (minutes 0 turns it off)."""
    if spec is None:
        return {MINUTES_KEY: "0", PERCENT_KEY: "0"}
    return {MINUTES_KEY: str(spec.minutes), PERCENT_KEY: str(spec.gpu_percent)}


def watchdog_install() -> list[str]:
    """Start-up script lines installing and starting the watchdog service."""
    return [
        f"cat > {WATCHDOG_PATH} <<'AILAB_WATCHDOG'",
        WATCHDOG_SCRIPT.rstrip("\n"),
        "AILAB_WATCHDOG",
        f"chmod 0755 {WATCHDOG_PATH}",
        "cat > /etc/systemd/system/ailab-idle-watchdog.service <<'AILAB_UNIT'",
        WATCHDOG_UNIT.rstrip("\n"),
        "AILAB_UNIT",
        "systemctl daemon-reload",
        "systemctl enable --now ailab-idle-watchdog.service",
    ]


@dataclass
class InstanceScheduleArgs:
    """Inputs of the lab-hours schedule."""

    spec: ScheduleSpec
    region: str
    project: str
    stack: str
    labels: dict[str, str] = field(default_factory=dict)


class InstanceSchedule(pulumi.ComponentResource):
    """Instance schedule resource policy + the service agent's permission to use it."""

    def __init__(self, name: str, args: InstanceScheduleArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:InstanceSchedule", name, None, opts)
        child = child_options(self, opts)
        spec = args.spec
        policy: Any = {"time_zone": spec.time_zone,
                                     "vm_stop_schedule": {"schedule": spec.stop}}
        if spec.start:
            policy["vm_start_schedule"] = {"schedule": spec.start}
        project = gcp.organizations.get_project_output(project_id=args.project,
                                                       opts=invoke_options(self, opts))
        agent = gcp.projects.IAMMember(
            f"{name}-service-agent", project=args.project, role="roles/compute.instanceAdmin.v1",
            member=project.number.apply(
                lambda n: f"serviceAccount:service-{n}@compute-system.iam.gserviceaccount.com"),
            opts=child)
        self.policy = gcp.compute.ResourcePolicy(
            f"{name}-policy", region=args.region, instance_schedule_policy=policy,
            description=f"ailab {args.stack}: lab hours",
            opts=child_options(self, opts).merge(pulumi.ResourceOptions(depends_on=[agent])))
        self.register_outputs({"policy": self.policy.id})
