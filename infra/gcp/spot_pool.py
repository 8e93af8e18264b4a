"""Spot pool: a zonal managed instance group built from a SPOT instance
template, sized by an autoscaler between min and max on CPU utilisation.

Preempted pool VMs are deleted (termination action DELETE) and the group
recreates them when capacity returns. The autoscaler's signal is CPU: GPU
utilisation is not a built-in autoscaler metric (it would need the Ops Agent's
custom metric).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.machine import SHIELDED_VM, NodeSettings, network_interfaces, scheduling
from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec import PoolSpec

POOL_BOOT_DISK_GB = 200


@dataclass
class SpotPoolArgs:
    """Inputs of the spot pool."""

    spec: PoolSpec
    node: NodeSettings


class SpotPool(pulumi.ComponentResource):
    """Instance template + managed instance group + autoscaler."""

    def __init__(self, name: str, args: SpotPoolArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:SpotPool", name, None, opts)
        child = child_options(self, opts)
        spec, node = args.spec, args.node
        template = gcp.compute.InstanceTemplate(
            f"{name}-template", machine_type=spec.machine_type,
            disks=[{"boot": True, "auto_delete": True, "source_image": node.image,
                    "disk_size_gb": POOL_BOOT_DISK_GB, "disk_type": "pd-balanced",
                    "labels": node.labels}],
            network_interfaces=network_interfaces(node.subnet, False),
            scheduling=scheduling(True, on_preemption="DELETE"),
            shielded_instance_config=SHIELDED_VM, service_account=node.service_account,
            metadata=node.metadata, labels=node.labels, tags=[node.tag], opts=child)
        self.group = gcp.compute.InstanceGroupManager(
            f"{name}-mig", zone=node.zone, base_instance_name=f"{name}"[:50],
            versions=[{"name": "spot", "instance_template": template.self_link}],
            opts=child)
        self.autoscaler = gcp.compute.Autoscaler(
            f"{name}-autoscaler", zone=node.zone, target=self.group.id,
            autoscaling_policy={"min_replicas": spec.min, "max_replicas": spec.max,
                                "cooldown_period": 180,
                                "cpu_utilization": {"target": spec.target_utilization}},
            opts=child)
        self.register_outputs({"group": self.group.id})
