"""TPU VMs: slices created directly (``gcp.tpu.V2Vm``, on-demand, spot or
reserved) or requested through a queued resource (``tpu_queue``), each with an
optional retained data disk. Type, runtime, topology, zone and spot market are
checked in the spec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.identity import SCOPES
from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec import TpuSpec
from ailab.infra.gcp.tpu_queue import QueuedTpu

TPU_METADATA: dict[str, Any] = {"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE"}


def scheduling_config(spec: TpuSpec) -> Any:
    """Spot, reserved (any matching reservation) or plain on-demand."""
    if spec.spot:
        return {"spot": True}
    if spec.reservation:
        return {"reserved": True}
    return None


@dataclass
class TpuSlicesArgs:
    """Inputs of the TPU slices."""

    spec: TpuSpec
    project: str
    zone: str
    network: pulumi.Input[str]
    subnet: pulumi.Input[str]
    service_account: pulumi.Input[str]
    tag: str
    retain_on_delete: bool = True
    labels: dict[str, str] = field(default_factory=dict)


class TpuSlices(pulumi.ComponentResource):
    """N TPU slices of one type, direct or queued."""

    def __init__(self, name: str, args: TpuSlicesArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:TpuSlices", name, None, opts)
        child = child_options(self, opts)
        spec = args.spec
        self.slices: list[pulumi.Resource] = []
        for i in range(spec.count):
            disks = self._data_disk(f"{name}-{i}", args, opts)
            network: Any = {"network": args.network, "subnetwork": args.subnet,
                       "enable_external_ips": False, "can_ip_forward": False}
            accelerator: Any = {"type": spec.api_type, "topology": spec.topology}
            if spec.queued:
                node = pulumi.Output.all(args.network, args.subnet, args.service_account,
                                         [d["source_disk"] for d in disks]).apply(
                    _queued_node(spec, args, accelerator))
                self.slices.append(QueuedTpu(
                    f"{name}-{i}", project=args.project, zone=args.zone,
                    node_id=f"{name}-{i}"[:63], spot=spec.spot, node=node, opts=child))
                continue
            self.slices.append(gcp.tpu.V2Vm(
                f"{name}-{i}", zone=args.zone, accelerator_config=accelerator,
                runtime_version=spec.runtime, network_config=network,
                scheduling_config=scheduling_config(spec),
                service_account=_service_account(args.service_account),
                data_disks=disks or None, metadata=TPU_METADATA, labels=args.labels,
                tags=[args.tag], opts=child))
        self.register_outputs({"slices": [s.urn for s in self.slices]})

    def _data_disk(self, name: str, args: TpuSlicesArgs,
                   opts: pulumi.ResourceOptions | None) -> Any:
        disk_spec = args.spec.data_disk
        if disk_spec is None:
            return []
        disk = gcp.compute.Disk(
            f"{name}-data", zone=args.zone, type=disk_spec.type, size=disk_spec.size_gb,
            labels=args.labels,
            opts=child_options(self, opts, retain_on_delete=args.retain_on_delete))
        return [{"source_disk": disk.id, "mode": "READ_WRITE"}]


def _service_account(email: pulumi.Input[str]) -> Any:
    return {"email": email, "scopes": SCOPES}


def _queued_node(spec: TpuSpec, args: TpuSlicesArgs, accelerator: dict[str, str]
                 ) -> Callable[[list[Any]], dict[str, Any]]:
    """Builds the TPU v2 API ``Node`` of a queued slice (API field names) from the
    resolved network, subnet, service account and data disk ids."""
    def build(values: list[Any]) -> dict[str, Any]:
        network, subnet, email, disks = values
        node: dict[str, Any] = {
            "accelerator_config": accelerator, "runtime_version": spec.runtime,
            "network_config": {"network": network, "subnetwork": subnet,
                               "enable_external_ips": False, "can_ip_forward": False},
            "service_account": {"email": email, "scope": SCOPES},
            "labels": args.labels, "tags": [args.tag], "metadata": TPU_METADATA,
        }
        if disks:
            node["data_disks"] = [{"source_disk": d, "mode": "READ_WRITE"} for d in disks]
        return node
    return build
