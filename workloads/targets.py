"""Where a stack's workloads run, and the SkyPilot files that send them there.

One rule, per stack (the README's "Where workloads run" table lists the result):

- a stack with **fixed machines** (stand-alone GPU machines, a cluster, a TPU
  slice) runs its workloads on those machines: an SSH node pool of them
  (``infra: ssh/ailab-<stack>``), each host an SSH alias reached through SSM
  (AWS) or IAP (GCP), because the machines have no public SSH;
- a stack with **elastic capacity only** (the spot pool) lets SkyPilot provision,
  constrained to the stack's VPC, subnets, security group and instance role,
  with internal IPs (SSM for SSH).

Either way the generated SkyPilot config also pins anything SkyPilot provisions
for the launch (overflow, managed-job and serve controllers) to the stack's
network, and mounts the stack's shared file systems: ``hostPath`` volumes on the
pool (the machines' user data already mounts them), mount commands at boot
(``post_provision_runcmd``) on machines SkyPilot makes.

Pure dict work, no SkyPilot import; ``workloads.skyrun`` validates the result
with SkyPilot's own schema and resource code.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from ailab.workloads.stack_facts import Node, StackFacts

AWS_SSH_USER = "ubuntu"
"""The Deep Learning AMI's (Ubuntu) login user."""
DEFAULT_IDENTITY = "~/.ssh/id_ed25519"
EFA_DEVICES = "/dev/infiniband"
EFA_LIBS = "/opt/amazon"
"""libfabric and aws-ofi-nccl on the Deep Learning AMI (the pods use the host's)."""


@dataclass(frozen=True)
class Access:
    """How ailab's SSH reaches the stack's machines."""

    user: str
    identity_file: str = DEFAULT_IDENTITY


@dataclass
class LaunchPlan:
    """What ailab hands SkyPilot for one stack."""

    target: str
    """``pool`` (the stack's fixed machines) or ``vpc`` (SkyPilot provisions in the stack's
    network)."""
    infra: str
    """The task's ``resources.infra``: ``ssh/<pool>`` or ``<cloud>/<region>``."""
    skypilot_config: dict[str, Any]
    """The layered SkyPilot config (``SKYPILOT_PROJECT_CONFIG``) for this launch."""
    pool: str | None = None
    nodes: tuple[Node, ...] = ()
    pod_config: dict[str, Any] = field(default_factory=dict)
    """The pool's pods (the task's ``config.ssh.pod_config``): shared mounts, EFA devices."""
    ssh_node_pools: dict[str, Any] = field(default_factory=dict)
    ssh_config: str = ""
    reach: str = ""
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "infra": self.infra, "pool": self.pool,
                "reach": self.reach,
                "nodes": [{"alias": alias(self.pool, i), "name": n.name, "target": n.target,
                           "private_ip": n.private_ip, "zone": n.zone,
                           "instance_type": n.instance_type, "efa_interfaces": n.efa_interfaces}
                          for i, n in enumerate(self.nodes)] if self.pool else [],
                "skypilot_config": self.skypilot_config, "pod_config": self.pod_config,
                "ssh_node_pools": self.ssh_node_pools,
                "ssh_config": self.ssh_config}


def pool_name(stack: str) -> str:
    return f"ailab-{stack}"


def alias(pool: str | None, index: int) -> str:
    return f"{pool}-{index}"


def plan(facts: StackFacts, group_role: str | None, access: Access | None = None) -> LaunchPlan:
    """The plan for a stack: its fixed machines of ``group_role`` as a pool, or (no
    fixed machine of that role) SkyPilot provisioning inside the stack's network."""
    access = access or Access(AWS_SSH_USER if facts.cloud == "aws" else "<os-login-user>")
    config = network_config(facts)
    nodes = tuple(n for n in facts.fixed_nodes() if n.role == group_role)
    if not nodes:
        return LaunchPlan("vpc", f"{facts.cloud}/{facts.region}", config,
                          reach="SSM" if facts.cloud == "aws" else "external IP (lab firewall)")
    pool = pool_name(facts.stack)
    result = LaunchPlan("pool", f"ssh/{pool}", config, pool=pool, nodes=nodes,
                        pod_config=pod_config(facts, nodes),
                        ssh_node_pools={pool: {"user": access.user,
                                               "identity_file": access.identity_file,
                                               "hosts": [alias(pool, i)
                                                         for i in range(len(nodes))]}},
                        ssh_config=ssh_config(facts, pool, nodes, access),
                        reach=_reach_name(facts, nodes))
    if facts.cloud == "gcp" and access.user.startswith("<"):
        result.notes.append("GCP machines use OS Login: pass --ssh-user with your OS Login "
                            "user name for a real launch")
    return result


def network_config(facts: StackFacts) -> dict[str, Any]:
    """The cloud section: what SkyPilot provisions goes into the stack's network.

    AWS: the private subnets with internal IPs when the stack has a NAT gateway (SSH
    over SSM; SkyPilot attaches every EFA interface only without public IPs), else
    the public subnets; the lab security group (SkyPilot leaves a group it did not
    create as it is) and the lab instance profile (bucket + SSM). GCP: the lab
    network and subnet (Cloud NAT gives egress)."""
    labels = {"ailab-stack": facts.stack}
    if facts.cloud == "aws":
        private = facts.private_egress
        return {"aws": {
            "vpc_name": facts.network,
            "subnet_names": list(facts.subnets if private else facts.public_subnets),
            "use_internal_ips": private, "use_ssm": True,
            "security_group_name": facts.security_group,
            "remote_identity": facts.instance_profile, "labels": labels}}
    return {"gcp": {"vpc_name": facts.network, "subnet_names": list(facts.subnets),
                    "labels": labels}}


def mount_setup(facts: StackFacts) -> list[str]:
    """Setup lines that mount the stack's shared file systems on machines SkyPilot
    makes (the stack's own machines mount them at boot)."""
    return [m.mount_command() for m in facts.mounts]


def pod_config(facts: StackFacts, nodes: tuple[Node, ...]) -> dict[str, Any]:
    """The pool's pods see the host's shared mounts, and on EFA machines every EFA
    device and the host's libfabric/aws-ofi-nccl (NCCL then uses all interfaces)."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for i, m in enumerate(facts.mounts):
        volumes.append({"name": f"ailab-shared-{i}", "hostPath": {"path": m.path}})
        mounts.append({"name": f"ailab-shared-{i}", "mountPath": m.path})
    container: dict[str, Any] = {"volumeMounts": mounts}
    if any(n.efa_interfaces > 0 for n in nodes):
        volumes += [{"name": "ailab-efa", "hostPath": {"path": EFA_DEVICES}},
                    {"name": "ailab-efa-libs", "hostPath": {"path": EFA_LIBS}}]
        mounts += [{"name": "ailab-efa", "mountPath": EFA_DEVICES},
                   {"name": "ailab-efa-libs", "mountPath": EFA_LIBS, "readOnly": True}]
        container["securityContext"] = {"privileged": True}
    if any(n.role == "tpu" for n in nodes):
        container["securityContext"] = {"privileged": True}  # the TPU chips (/dev/vfio)
    return {"spec": {"containers": [container], "volumes": volumes}}


def ssh_config(facts: StackFacts, pool: str, nodes: tuple[Node, ...], access: Access) -> str:
    """OpenSSH ``Host`` stanzas for the pool's aliases (SSM / IAP as ProxyCommand)."""
    blocks = [f"# ailab: SSH aliases of stack {facts.stack} for SkyPilot's node pool {pool}"]
    for i, node in enumerate(nodes):
        blocks.append("\n".join([
            f"Host {alias(pool, i)}", f"  HostName {node.target}", f"  User {access.user}",
            f"  IdentityFile {access.identity_file}", "  IdentitiesOnly yes",
            "  StrictHostKeyChecking accept-new",
            f"  ProxyCommand {_proxy_command(facts, node, access)}"]))
    return "\n\n".join(blocks) + "\n"


def _proxy_command(facts: StackFacts, node: Node, access: Access) -> str:
    if facts.cloud == "aws":
        # No key pair on lab machines: EC2 Instance Connect pushes the key for 60 s,
        # then SSM's AWS-StartSSHSession carries the SSH connection (no open port 22).
        key = f"{access.identity_file}.pub"
        if key.startswith("~/"):
            key = "$HOME/" + key[2:]  # expanded by the inner shell, not inside file://
        inner = (f"aws ec2-instance-connect send-ssh-public-key --region {facts.region} "
                 f"--instance-id %h --instance-os-user %r --ssh-public-key file://{key} "
                 f">/dev/null && aws ssm start-session --region {facts.region} --target %h "
                 "--document-name AWS-StartSSHSession --parameters portNumber=%p")
        return f"sh -c {shlex.quote(inner)}"
    zone = node.zone or facts.zone
    if node.role == "tpu":
        return (f"gcloud compute tpus tpu-vm ssh %h --zone={zone} --project={facts.project} "
                "--tunnel-through-iap -- -W localhost:%p")
    return (f"gcloud compute start-iap-tunnel %h %p --listen-on-stdin --zone={zone} "
            f"--project={facts.project} --verbosity=warning")


def _reach_name(facts: StackFacts, nodes: tuple[Node, ...]) -> str:
    if facts.cloud == "aws":
        return "SSM (AWS-StartSSHSession) + EC2 Instance Connect key push"
    return "IAP TCP forwarding (gcloud)" if all(n.role != "tpu" for n in nodes) \
        else "IAP (gcloud compute tpus tpu-vm ssh --tunnel-through-iap)"
