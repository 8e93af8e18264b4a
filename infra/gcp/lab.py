"""The whole GCP lab: one component that composes every concern of the stack."""

from __future__ import annotations

from typing import Any

import pulumi

from ailab.core.tpu import catalog_name
from ailab.infra.gcp.autostop import InstanceSchedule, InstanceScheduleArgs
from ailab.infra.gcp.budget import LabBudget, LabBudgetArgs
from ailab.infra.gcp.cluster import GpuCluster, GpuClusterArgs
from ailab.infra.gcp.dashboard import LabDashboard, LabDashboardArgs, auto_stop_line
from ailab.infra.gcp.filestore import HomeFilestore, HomeFilestoreArgs
from ailab.infra.gcp.gpu_vms import GpuVms, GpuVmsArgs
from ailab.infra.gcp.identity import NodeIdentity, NodeIdentityArgs
from ailab.infra.gcp.machine import GCS_MOUNT, NodeSettings, dlvm_image, metadata
from ailab.infra.gcp.network import LabNetwork, LabNetworkArgs, lab_tag
from ailab.infra.gcp.services import (
    ProjectServices,
    ProjectServicesArgs,
    invoke_options,
    required_apis,
)
from ailab.infra.gcp.spec import GcpLabSpec
from ailab.infra.gcp.spot_pool import SpotPool, SpotPoolArgs
from ailab.infra.gcp.storage import LabBucket, LabBucketArgs
from ailab.infra.gcp.tpu import TpuSlices, TpuSlicesArgs
from ailab.infra.gcp.tracking import TrackingServer, TrackingServerArgs
from ailab.infra.spec import LabSpec


def spot_exempt_label(reason: str | None) -> dict[str, str]:
    """``ailab-spot-exempt`` label (GCP label value rules) for an on-purpose on-demand lab."""
    if not reason:
        return {}
    value = "".join(c if c.isalnum() or c in "-_" else "_" for c in reason.lower())
    return {"ailab-spot-exempt": value[:63].strip("_") or "yes"}


class GcpLab(pulumi.ComponentResource):
    """APIs, network, identity, storage tiers, GPU VMs, TPUs, pool, cluster, auto-stop,
    budget. Everything but the APIs is created after the APIs are on."""

    def __init__(self, name: str, lab: LabSpec, opts: pulumi.ResourceOptions | None = None
                 ) -> None:
        super().__init__("ailab:gcp:Lab", name, None, opts)
        spec = lab.gcp
        if spec is None:
            raise ValueError(f"stack {lab.stack} has no gcp settings")
        watch = lab.observability
        apis = ProjectServices(f"{name}-apis", ProjectServicesArgs(
            spec.project, required_apis(spec, watch.dashboard, watch.tracking is not None)),
            pulumi.ResourceOptions(parent=self))
        child = pulumi.ResourceOptions(parent=self, depends_on=[apis])
        labels, tag = lab.labels(), lab_tag(lab.stack)
        machine_labels = {**labels, **spot_exempt_label(spec.spot_exempt)}
        net = LabNetwork(f"{name}-net", LabNetworkArgs(spec.network, lab.region, tag, labels),
                         child)
        nodes = NodeIdentity(f"{name}-nodes", NodeIdentityArgs(spec.project, lab.stack), child)
        bucket = LabBucket(f"{name}-data", LabBucketArgs(
            spec.bucket, lab.region, nodes.member, lab.retain_on_delete, labels), child)
        home = HomeFilestore(f"{name}-fs", HomeFilestoreArgs(
            spec.filestore, spec.zone if spec.filestore.tier != "REGIONAL" else lab.region,
            net.vpc.name, spec.network.subnet_cidr, lab.retain_on_delete, labels), child) \
            if spec.filestore else None
        outputs: dict[str, Any] = {"bucket": bucket.bucket.name, "region": lab.region,
                                   "zone": spec.zone, "project": spec.project,
                                   "network": net.vpc.id, "service_account": nodes.email,
                                   # What `ailab launch` hands SkyPilot (workloads.stack_facts).
                                   "network_name": net.vpc.name, "subnet_name": net.subnet.name,
                                   "nodes": []}
        if spec.gcsfuse:
            outputs["gcs_mount"] = GCS_MOUNT
        if home:
            outputs["filestore_ip"] = home.ip
        if spec.vms or spec.pool or spec.cluster:
            node = NodeSettings(
                image=dlvm_image(spec.image_family, spec.image_project,
                                 invoke_options(self, child)),
                subnet=net.subnet.id, service_account=nodes.service_account(),
                metadata=metadata(home.ip if home else None,
                                  bucket.bucket.name if spec.gcsfuse else None, spec.watchdog),
                labels=machine_labels, tag=tag, zone=spec.zone)
            outputs.update(self._gpu(name, lab, spec, node, net, child))
        tpus = None
        if spec.tpu:
            tpus = TpuSlices(f"{name}-tpu", TpuSlicesArgs(
                spec.tpu, spec.project, spec.zone, net.vpc.id, net.subnet.id, nodes.email, tag,
                lab.retain_on_delete, machine_labels), child)
            outputs["tpu_slices"] = [s.urn for s in tpus.slices]
            outputs["nodes"] = [*outputs.get("nodes", []), *[
                {"name": getattr(s, "node_id", None) or getattr(s, "name", None),
                 "zone": spec.zone,
                 "instance_type": catalog_name(spec.tpu.tpu_type), "role": "tpu"}
                for s in tpus.slices]]
        if spec.budget:
            LabBudget(f"{name}-budget", LabBudgetArgs(spec.budget, spec.project,
                                                      labels["ailab-stack"], labels), child)
        tpu_nodes = [getattr(s, "node_id", None) or getattr(s, "name", None)
                     for s in tpus.slices] if tpus else []
        outputs.update(self._observability(name, lab, spec, net, bucket, home, tpu_nodes,
                                           child))
        self.outputs = outputs
        self.register_outputs(outputs)

    def _observability(self, name: str, lab: LabSpec, spec: GcpLabSpec, net: LabNetwork,
                       bucket: LabBucket, home: HomeFilestore | None, tpu_nodes: list[Any],
                       child: pulumi.ResourceOptions) -> dict[str, Any]:
        """The tracking server (``ailab:tracking``) and the dashboard (``ailab:dashboard``);
        their outputs: ``tracking_uri`` (what the workloads log to), ``dashboard``."""
        watch, labels = lab.observability, lab.labels()
        out: dict[str, Any] = {}
        tracking = None
        if watch.tracking is not None:
            tracking = TrackingServer(f"{name}-tracking", TrackingServerArgs(
                stack=lab.stack, project=spec.project, region=lab.region, spec=watch.tracking,
                network=net.vpc.id, subnet=net.subnet.id,
                subnet_cidr=spec.network.subnet_cidr, bucket=bucket.bucket.name,
                retain_on_delete=lab.retain_on_delete, labels=labels), child)
            out["tracking_uri"] = tracking.uri
        if watch.dashboard:
            board = LabDashboard(f"{name}-dashboard", LabDashboardArgs(
                stack=lab.stack, project=spec.project, region=lab.region, zone=spec.zone,
                stack_label=labels["ailab-stack"],
                gpu_machines=bool(spec.vms or spec.pool or spec.cluster), tpu_nodes=tpu_nodes,
                filestore=home.instance.name if home else None, auto_stop=auto_stop_line(spec),
                budget=spec.budget,
                tracking_db=tracking.database.name if tracking else None,
                tracking_service=tracking.service.name if tracking else None), child)
            out["dashboard"] = board.dashboard.id
        return out

    def _gpu(self, name: str, lab: LabSpec, spec: GcpLabSpec, node: NodeSettings,
             net: LabNetwork, child: pulumi.ResourceOptions) -> dict[str, Any]:
        out: dict[str, Any] = {}
        schedule = InstanceSchedule(f"{name}-schedule", InstanceScheduleArgs(
            spec.schedule, lab.region, spec.project, lab.stack, node.labels), child) \
            if spec.schedule and spec.vms else None
        if spec.vms:
            vms = GpuVms(f"{name}-gpu", GpuVmsArgs(
                spec.vms, node, schedule.policy.id if schedule else None,
                lab.retain_on_delete), child)
            out["gpu_vms"] = [vm.name for vm in vms.instances]
            out["nodes"] = [_node(vm, "vms", spec.vms.machine_type) for vm in vms.instances]
        if spec.pool:
            pool = SpotPool(f"{name}-pool", SpotPoolArgs(spec.pool, node), child)
            out["pool_group"] = pool.group.name
        if spec.cluster:
            cluster_node = node if spec.cluster.zone == node.zone else NodeSettings(
                node.image, node.subnet, node.service_account, node.metadata, node.labels,
                node.tag, spec.cluster.zone)
            cluster = GpuCluster(f"{name}-cluster", GpuClusterArgs(
                spec.cluster, cluster_node, lab.region, [s.id for _, s in net.gpu_nics]), child)
            out["cluster_nodes"] = [n.name for n in cluster.nodes]
            out["nodes"] = [*out.get("nodes", []), *[
                _node(n, "cluster", spec.cluster.machine_type) for n in cluster.nodes]]
        return out


def _node(vm: Any, role: str, machine_type: str) -> dict[str, Any]:
    """One fixed VM as an SSH node pool host: IAP target (name, zone) and private IP."""
    return {"name": vm.name, "zone": vm.zone, "instance_type": machine_type, "role": role,
            "private_ip": vm.network_interfaces.apply(
                lambda nics: (nics or [{}])[0].get("network_ip"))}
