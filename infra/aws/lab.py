"""The whole AWS lab: one component that composes every concern of the stack."""

from __future__ import annotations

import re
from typing import Any

import pulumi

from ailab.infra.aws.autostop import IdleAutoStop, IdleAutoStopArgs, watchdog_tags
from ailab.infra.aws.boot import user_data
from ailab.infra.aws.budget import LabBudget, LabBudgetArgs
from ailab.infra.aws.cluster import GpuCluster, GpuClusterArgs
from ailab.infra.aws.dashboard import LabDashboard, LabDashboardArgs, auto_stop_line
from ailab.infra.aws.filesystems import FileSystems, FileSystemsArgs
from ailab.infra.aws.gpu_instances import GpuInstances, GpuInstancesArgs
from ailab.infra.aws.iam import InstanceRole, InstanceRoleArgs
from ailab.infra.aws.machine import deep_learning_ami
from ailab.infra.aws.network import LabNetwork, LabNetworkArgs
from ailab.infra.aws.spec import AwsLabSpec
from ailab.infra.aws.spot_pool import SpotPool, SpotPoolArgs
from ailab.infra.aws.storage import LabBucket, LabBucketArgs
from ailab.infra.aws.tracking import TrackingServer, TrackingServerArgs
from ailab.infra.spec import LabSpec

SPOT_EXEMPT_TAG = "ailab:spot-exempt"
_TAG_VALUE_RE = re.compile(r"[^\w .:/=+\-@]")


def spot_exempt_tag(reason: str | None, on_demand: bool) -> dict[str, str]:
    """``ailab:spot-exempt`` on machines that run on-demand on purpose, with the
    stack's reason reduced to the characters AWS allows in tag values."""
    if not reason or not on_demand:
        return {}
    return {SPOT_EXEMPT_TAG: _TAG_VALUE_RE.sub("", reason).strip()[:256] or "yes"}


def private_without_egress(spec: AwsLabSpec) -> bool:
    """Machines in the private subnets (the cluster, the pool, instances without a
    public IP) and no NAT gateway: only the VPC endpoints reach AWS for them."""
    private = spec.cluster is not None or spec.pool is not None or (
        spec.instances is not None and not spec.instances.public_ip)
    return private and not spec.network.nat_gateway


class AwsLab(pulumi.ComponentResource):
    """Network, storage tiers, machines, pool, cluster, auto-stop and budget."""

    def __init__(self, name: str, lab: LabSpec, opts: pulumi.ResourceOptions | None = None
                 ) -> None:
        super().__init__("ailab:aws:Lab", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = lab.aws
        if spec is None:
            raise ValueError(f"stack {lab.stack} has no aws settings")
        tags = lab.tags()
        net = LabNetwork(f"{name}-net", LabNetworkArgs(
            spec.network, lab.region, lab.ssh_cidr, tags,
            monitoring_endpoint=private_without_egress(spec)), child)
        self.bucket = LabBucket(f"{name}-data", LabBucketArgs(spec.bucket, lab.retain_on_delete,
                                                              tags), child)
        role = InstanceRole(f"{name}-nodes", InstanceRoleArgs(self.bucket.bucket.arn, tags),
                            child)
        private_ids = [s.id for s in net.private_subnets]
        files = FileSystems(f"{name}-fs", FileSystemsArgs(
            vpc_id=net.vpc.id, subnet_ids=private_ids,
            client_security_group_id=net.security_group.id,
            bucket_name=self.bucket.bucket.bucket, efs=spec.efs, fsx=spec.fsx,
            retain_on_delete=lab.retain_on_delete, tags=tags), child) \
            if spec.efs or spec.fsx else None
        mounts = (files.efs_dns, files.fsx_dns, files.fsx_mount_name) if files else (
            None, None, None)
        stop = spec.auto_stop
        watchdog = stop if stop is not None and stop.on_instance else None
        boot = user_data(lab.region, *mounts, watchdog=watchdog)
        pool_boot = user_data(lab.region, *mounts)
        boot_after = files.mount_targets if files else []
        machine_tags = {**tags, **watchdog_tags(stop)}
        needs_ami = spec.instances or spec.pool or spec.cluster
        ami = deep_learning_ami(spec.ami_name_filter, pulumi.InvokeOptions(parent=self)) \
            if needs_ami else None
        gpu_ids: list[pulumi.Output[str]] = []
        nodes: list[dict[str, Any]] = []
        if spec.instances:
            subnets = net.public_subnets if spec.instances.public_ip else net.private_subnets
            machines = GpuInstances(f"{name}-gpu", GpuInstancesArgs(
                spec=spec.instances, ami_id=ami, subnet_ids=[s.id for s in subnets],  # type: ignore[arg-type]
                azs=spec.network.azs, security_group_id=net.security_group.id,
                instance_profile=role.profile.name, user_data=boot,
                data_volume=spec.data_volume, retain_on_delete=lab.retain_on_delete,
                boot_after=boot_after, tags={**machine_tags, **spot_exempt_tag(
                    spec.spot_exempt, not spec.instances.spot)}), child)
            gpu_ids += [m.id for m in machines.instances]
            nodes += [_node(m, "instances", spec.instances.instance_type, 0)
                      for m in machines.instances]
        pool = None
        if spec.pool:
            pool = SpotPool(f"{name}-pool", SpotPoolArgs(
                spec=spec.pool, ami_id=ami, subnet_ids=private_ids,  # type: ignore[arg-type]
                security_group_id=net.security_group.id, instance_profile=role.profile.name,
                user_data=pool_boot, boot_after=boot_after, tags={**tags, **spot_exempt_tag(
                    spec.spot_exempt, spec.pool.on_demand_base > 0
                    or spec.pool.on_demand_percent > 0)}), child)
        if spec.cluster:
            zone = spec.network.azs.index(spec.cluster.az)
            cluster = GpuCluster(f"{name}-cluster", GpuClusterArgs(
                spec=spec.cluster, ami_id=ami, subnet_id=private_ids[zone],  # type: ignore[arg-type]
                security_group_id=net.security_group.id, instance_profile=role.profile.name,
                user_data=boot, boot_after=boot_after,
                tags={**machine_tags, **spot_exempt_tag(spec.spot_exempt, not spec.cluster.spot)}),
                child)
            gpu_ids += [n.id for n in cluster.nodes]
            nodes += [_node(n, "cluster", spec.cluster.instance_type, spec.cluster.efa_interfaces)
                      for n in cluster.nodes]
        alarms = IdleAutoStop(f"{name}-autostop", IdleAutoStopArgs(
            gpu_ids, lab.region, stop, tags), child).alarms \
            if stop is not None and not stop.on_instance and gpu_ids else []
        if spec.budget:
            LabBudget(f"{name}-budget", LabBudgetArgs(lab.stack, spec.budget), child)
        self.outputs = {
            "bucket": self.bucket.bucket.bucket,
            "region": lab.region,
            "vpc_id": net.vpc.id,
            "gpu_instance_ids": gpu_ids,
            # What `ailab launch` hands SkyPilot (workloads.stack_facts reads these).
            "vpc_name": _name_tag(net.vpc),
            "private_subnet_names": [_name_tag(s) for s in net.private_subnets],
            "public_subnet_names": [_name_tag(s) for s in net.public_subnets],
            "private_egress": spec.network.nat_gateway,
            "security_group_name": net.security_group.name,
            "instance_profile": role.profile.name,
            "nodes": nodes,
        }
        self.outputs.update(self._observability(name, lab, net, files, gpu_ids, pool, [
            a.arn for a in alarms], child))
        if files is not None:
            self.outputs.update({k: v for k, v in (("efs_dns", files.efs_dns),
                                                   ("fsx_dns", files.fsx_dns),
                                                   ("fsx_mount_name", files.fsx_mount_name))
                                 if v is not None})
        self.register_outputs(self.outputs)

    def _observability(self, name: str, lab: LabSpec, net: LabNetwork,
                       files: FileSystems | None, gpu_ids: list[pulumi.Output[str]],
                       pool: SpotPool | None, alarm_arns: list[pulumi.Output[str]],
                       child: pulumi.ResourceOptions) -> dict[str, Any]:
        """The tracking server (``ailab:tracking``) and the dashboard (``ailab:dashboard``);
        their outputs: ``tracking_uri`` (what the workloads log to), ``dashboard``."""
        spec, watch = lab.aws, lab.observability
        assert spec is not None
        out: dict[str, Any] = {}
        tracking = None
        if watch.tracking is not None:
            tracking = TrackingServer(f"{name}-tracking", TrackingServerArgs(
                stack=lab.stack, region=lab.region, spec=watch.tracking, vpc_id=net.vpc.id,
                vpc_cidr=spec.network.vpc_cidr, subnet_ids=[s.id for s in net.private_subnets],
                client_security_group_id=net.security_group.id,
                bucket_name=self.bucket.bucket.bucket, bucket_arn=self.bucket.bucket.arn,
                retain_on_delete=lab.retain_on_delete, tags=lab.tags()), child)
            out["tracking_uri"] = tracking.uri
        if watch.dashboard:
            board = LabDashboard(f"{name}-dashboard", LabDashboardArgs(
                stack=lab.stack, region=lab.region, instance_ids=gpu_ids,
                pool_group=pool.group.name if pool else None, alarm_arns=alarm_arns,
                auto_stop=auto_stop_line(spec.auto_stop, len(gpu_ids)),
                efs_id=files.efs_id if files else None, fsx_id=files.fsx_id if files else None,
                budget=spec.budget,
                tracking_db=tracking.database.identifier if tracking else None,
                tracking_service=(tracking.cluster.name, tracking.service.name)
                if tracking else None), child)
            out["dashboard"] = board.dashboard.dashboard_name
        return out


def _name_tag(resource: Any) -> pulumi.Output[str]:
    """The ``Name`` tag SkyPilot's ``vpc_name``/``subnet_names`` match on."""
    return resource.tags.apply(lambda tags: (tags or {}).get("Name", ""))


def _node(instance: Any, role: str, instance_type: str, efa: int) -> dict[str, Any]:
    """One fixed machine as an SSH node pool host: SSM target, private IP, zone."""
    return {"name": _name_tag(instance), "id": instance.id, "private_ip": instance.private_ip,
            "zone": instance.availability_zone, "instance_type": instance_type, "role": role,
            "efa_interfaces": efa}
