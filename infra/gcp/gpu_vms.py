"""Stand-alone GPU lab VMs (G2/L4, A2, A3/H100), spot or standard, each with an
optional retained data disk (Persistent Disk or Hyperdisk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.machine import NodeSettings, gpu_instance, network_interfaces
from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec import VmSpec


@dataclass
class GpuVmsArgs:
    """Inputs of the lab VMs."""

    spec: VmSpec
    node: NodeSettings
    schedule_policy: pulumi.Input[str] | None = None
    """Instance schedule resource policy (lab hours), if any."""
    retain_on_delete: bool = True


class GpuVms(pulumi.ComponentResource):
    """N GPU VMs: bundled GPUs, gVNIC, Shielded VM, OS Login, dedicated account."""

    def __init__(self, name: str, args: GpuVmsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:GpuVms", name, None, opts)
        child = child_options(self, opts)
        spec, node = args.spec, args.node
        self.instances: list[gcp.compute.Instance] = []
        for i in range(spec.count):
            disks: Any = []
            if spec.data_disk:
                disk = gcp.compute.Disk(
                    f"{name}-{i}-data", zone=node.zone, type=spec.data_disk.type,
                    size=spec.data_disk.size_gb, labels=node.labels,
                    opts=child_options(self, opts, retain_on_delete=args.retain_on_delete))
                disks.append({"source": disk.id, "device_name": "data", "mode": "READ_WRITE"})
            self.instances.append(gpu_instance(
                f"{name}-{i}", node, machine_type=spec.machine_type, zone=node.zone,
                boot_disk_gb=spec.boot_disk_gb, spot=spec.spot, reservation=spec.reservation,
                nics=network_interfaces(node.subnet, spec.public_ip), metadata=node.metadata,
                labels=node.labels, resource_policies=args.schedule_policy, opts=child,
                attached_disks=disks))
        self.register_outputs({"instances": [vm.self_link for vm in self.instances]})
