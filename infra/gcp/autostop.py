"""Idle auto-stop on GCP, two layers.

1. An instance schedule resource policy stops (and optionally starts) the lab
   VMs at fixed lab hours. Compute Engine's service agent performs the start and
   stop, so it gets ``compute.instanceAdmin.v1`` on the project.
2. A start-up idle watchdog on each GPU VM (``infra.watchdog``, shared with
   AWS): a systemd service that samples ``nvidia-smi`` every minute and shuts
   the VM down (a guest shutdown stops a GCE VM; disks and IP are kept) when
   every GPU stays below a utilisation threshold for N minutes. Thresholds live
   in instance metadata (``ailab-idle-minutes``, ``ailab-idle-gpu-percent``) and
   are re-read every sample, so ``gcloud compute instances add-metadata``
   changes them live. Its state (busy/idle/stopping, idle minutes, last sample)
   is in guest attributes under ``ailab/`` (``enable-guest-attributes``), the
   journal and ``/run/ailab/idle-watchdog.state``, so a person and the janitor
   can see why a VM stopped.

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
from ailab.infra.watchdog import MINUTES_KEY, PERCENT_KEY, install_lines, watchdog_script

WATCHDOG_SCRIPT = watchdog_script("gcp")
GUEST_ATTRIBUTES_KEY = "enable-guest-attributes"
__all__ = ["MINUTES_KEY", "PERCENT_KEY", "WATCHDOG_SCRIPT", "InstanceSchedule",
           "InstanceScheduleArgs", "watchdog_install", "watchdog_metadata"]


def watchdog_metadata(spec: WatchdogSpec | None) -> dict[str, str]:
    """Instance metadata the watchdog reads (minutes 0 turns it off), and guest
    attributes on, where it publishes its state."""
    if spec is None:
        return {MINUTES_KEY: "0", PERCENT_KEY: "0"}
    return {MINUTES_KEY: str(spec.minutes), PERCENT_KEY: str(spec.gpu_percent),
            GUEST_ATTRIBUTES_KEY: "TRUE"}


def watchdog_install() -> list[str]:
    """Start-up script lines installing and starting the watchdog service."""
    return install_lines("gcp")


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
