"""Settings every lab GPU VM shares (stand-alone, pool template, cluster node):
Deep Learning VM image, spot/standard scheduling, Shielded VM, OS Login, gVNIC
interfaces and the start-up script (shared mounts + idle watchdog)."""

from __future__ import annotations

import shlex
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp import ops_agent
from ailab.infra.gcp.autostop import watchdog_install, watchdog_metadata
from ailab.infra.gcp.spec import WatchdogSpec

SHIELDED_VM: Any = {"enable_secure_boot": True, "enable_vtpm": True,
                    "enable_integrity_monitoring": True}
"""Secure Boot, vTPM and integrity monitoring. With Secure Boot the kernel loads
only signed modules: the image's NVIDIA driver must be signed (packaged
drivers of the DLVM/Ubuntu images are); a custom ``imageFamily`` whose driver
is built unsigned by DKMS will not see its GPUs."""

HOME_MOUNT = "/home/shared"
GCS_MOUNT = "/mnt/gcs"


def dlvm_image(family: str, project: str,
               opts: pulumi.InvokeOptions | pulumi.InvokeOutputOptions | None = None
               ) -> pulumi.Output[str]:
    """Self link of the newest image of a Deep Learning VM image family."""
    return gcp.compute.get_image_output(family=family, project=project, opts=opts).self_link


def scheduling(spot: bool, on_preemption: str = "STOP") -> Any:
    """GPU VMs cannot live-migrate: TERMINATE on host maintenance. Spot VMs are
    stopped (stand-alone: disks kept) or deleted (pool: the group recreates
    them) on preemption."""
    if spot:
        return {"provisioning_model": "SPOT", "preemptible": True, "automatic_restart": False,
                "on_host_maintenance": "TERMINATE", "instance_termination_action": on_preemption}
    return {"provisioning_model": "STANDARD", "preemptible": False, "automatic_restart": True,
            "on_host_maintenance": "TERMINATE"}


def reservation_affinity(reservation: str | None) -> Any:
    """Consume one named reservation (never with spot: the spec refuses it)."""
    if not reservation:
        return None
    return {"type": "SPECIFIC_RESERVATION", "specific_reservation": {
        "key": "compute.googleapis.com/reservation-name", "values": [reservation]}}


def network_interfaces(subnet: pulumi.Input[str], public_ip: bool,
                       gpu_nic_subnets: list[pulumi.Input[str]] | None = None
                       ) -> Any:
    """gVNIC on the lab subnet (egress through Cloud NAT unless ``public_ip``),
    then one gVNIC per GPU NIC subnet for A3 GPUDirect."""
    nics: list[dict[str, Any]] = [{"subnetwork": subnet, "nic_type": "GVNIC", "stack_type":
                                   "IPV4_ONLY"}]
    if public_ip:
        nics[0]["access_configs"] = [{"network_tier": "PREMIUM"}]
    nics += [{"subnetwork": s, "nic_type": "GVNIC", "stack_type": "IPV4_ONLY"}
             for s in gpu_nic_subnets or []]
    return nics


def startup_script(filestore_ip: str | None, bucket: str | None,
                   watchdog: bool, gpu_metrics: bool = False) -> str:
    """Boot script: mount Filestore at /home/shared, the bucket at /mnt/gcs
    (Cloud Storage FUSE: readable by every user, written only by root, since every
    write goes out with the VM's service account), install the idle watchdog and, on
    GPU machines, the Ops Agent for GPU metrics (``ops_agent``). Idempotent (runs
    every boot)."""
    lines = ["#!/bin/bash", "# ailab start-up script (runs on every boot)", "set -euo pipefail"]
    if filestore_ip:
        entry = f"{filestore_ip}:/home {HOME_MOUNT} nfs defaults,_netdev,nofail 0 0"
        lines += [
            "command -v mount.nfs >/dev/null || (apt-get update -q && apt-get install -yq "
            "nfs-common)",
            f"mkdir -p {HOME_MOUNT}",
            f"grep -q ' {HOME_MOUNT} ' /etc/fstab || echo {shlex.quote(entry)} >> /etc/fstab",
            f"mountpoint -q {HOME_MOUNT} || mount {HOME_MOUNT}",
        ]
    if bucket:
        lines += [
            "if ! command -v gcsfuse >/dev/null; then",
            "  curl -fsS https://packages.cloud.google.com/apt/doc/apt-key.gpg "
            "-o /usr/share/keyrings/cloud.google.asc",
            '  echo "deb [signed-by=/usr/share/keyrings/cloud.google.asc] '
            'https://packages.cloud.google.com/apt gcsfuse-$(lsb_release -cs) main" '
            "> /etc/apt/sources.list.d/gcsfuse.list",
            "  apt-get update -q && apt-get install -yq gcsfuse",
            "fi",
            f"mkdir -p {GCS_MOUNT}",
            f"mountpoint -q {GCS_MOUNT} || gcsfuse --implicit-dirs -o allow_other "
            f"--file-mode 644 --dir-mode 755 {shlex.quote(bucket)} {GCS_MOUNT}",
        ]
    if watchdog:
        lines += watchdog_install()
    if gpu_metrics:
        lines += ops_agent.install_lines()
    return "\n".join(lines) + "\n"


def metadata(filestore_ip: pulumi.Input[str] | None, bucket: pulumi.Input[str] | None,
             watchdog: WatchdogSpec | None, gpu: bool = True,
             extra: dict[str, str] | None = None) -> Any:
    """Instance metadata: OS Login on, project SSH keys off, watchdog thresholds,
    the start-up script over the file systems' outputs."""
    base = {"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE",
            "install-nvidia-driver": "True" if gpu else "False",
            **watchdog_metadata(watchdog), **(extra or {})}
    return pulumi.Output.all(filestore_ip, bucket).apply(lambda vals: {
        **base, "startup-script": startup_script(vals[0], vals[1], gpu and watchdog is not None,
                                                 gpu_metrics=gpu)})


def boot_disk(image: pulumi.Input[str], size_gb: int, labels: dict[str, str]) -> Any:
    """Boot disk of a VM: the image, pd-balanced, deleted with the VM."""
    return {"auto_delete": True, "initialize_params": {
        "image": image, "size": size_gb, "type": "pd-balanced", "labels": labels}}


class NodeSettings:
    """What every lab VM of a stack shares, built once by the lab."""

    def __init__(self, image: pulumi.Input[str], subnet: pulumi.Input[str],
                 service_account: Any, metadata: Any,
                 labels: dict[str, str], tag: str, zone: str) -> None:
        self.image = image
        self.subnet = subnet
        self.service_account = service_account
        self.metadata = metadata
        self.labels = labels
        self.tag = tag
        self.zone = zone


def gpu_instance(name: str, node: NodeSettings, *, machine_type: str, zone: str,
                 boot_disk_gb: int, spot: bool, reservation: str | None, nics: Any,
                 metadata: Any, labels: dict[str, str], resource_policies: Any,
                 opts: pulumi.ResourceOptions, attached_disks: Any = None
                 ) -> gcp.compute.Instance:
    """One lab GPU VM (stand-alone or cluster node): spot VMs stop on preemption,
    Shielded VM, the stack's account and network tag, stoppable for updates."""
    return gcp.compute.Instance(
        name, machine_type=machine_type, zone=zone,
        boot_disk=boot_disk(node.image, boot_disk_gb, node.labels),
        attached_disks=attached_disks, network_interfaces=nics,
        scheduling=scheduling(spot, on_preemption="STOP"),
        reservation_affinity=reservation_affinity(reservation),
        shielded_instance_config=SHIELDED_VM, service_account=node.service_account,
        metadata=metadata, resource_policies=resource_policies, labels=labels,
        tags=[node.tag], allow_stopping_for_update=True, opts=opts)
