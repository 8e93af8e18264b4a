"""Network guardrails: no admin ports open to the internet, no public IPs on cluster nodes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.guardrails import types as t
from ailab.guardrails.rule import Res, Severity, resource_rule, truthy

NET = "network"
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
WORLD = ("0.0.0.0/0", "::/0")


def _covers(lo: Any, hi: Any, protocol: Any) -> list[int]:
    """Admin ports inside an AWS from/to port range (protocol -1 means all)."""
    if str(protocol) in ("-1", "all"):
        return list(ADMIN_PORTS)
    if str(protocol).lower() not in ("tcp", "6"):
        return []
    try:
        low, high = int(lo), int(hi)
    except (TypeError, ValueError):
        return []
    return [p for p in ADMIN_PORTS if low <= p <= high]


def _aws_rule_findings(rule: Mapping[str, Any], where: str) -> Iterator[str]:
    cidrs = [*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])]
    for key in ("cidrIpv4", "cidrIpv6"):
        if rule.get(key):
            cidrs.append(rule[key])
    open_cidrs = [c for c in cidrs if c in WORLD]
    if not open_cidrs:
        return
    protocol = rule.get("protocol", rule.get("ipProtocol"))
    for port in _covers(rule.get("fromPort"), rule.get("toPort"), protocol):
        yield f"{where} opens {ADMIN_PORTS[port]} ({port}) to {open_cidrs[0]}"


def _gcp_ports(allow: Mapping[str, Any]) -> list[int]:
    protocol = str(allow.get("protocol", "")).lower()
    if protocol == "all":
        return list(ADMIN_PORTS)
    if protocol not in ("tcp", "6"):
        return []
    ports = allow.get("ports") or []
    if not ports:
        return list(ADMIN_PORTS)
    found = []
    for spec in ports:
        low, _, high = str(spec).partition("-")
        try:
            lo_i, hi_i = int(low), int(high or low)
        except ValueError:
            continue
        found += [p for p in ADMIN_PORTS if lo_i <= p <= hi_i]
    return found


@resource_rule("no-admin-ports-from-internet", "No SSH or RDP from 0.0.0.0/0", NET,
               Severity.CRITICAL, "Limit port 22/3389 to your network's CIDR (ailab:sshCidr) "
               "or use SSM Session Manager / IAP TCP forwarding (35.235.240.0/20).",
               (tokens.AWS_EC2_SECURITY_GROUP, tokens.AWS_EC2_SECURITY_GROUP_RULE,
                tokens.AWS_VPC_SECURITY_GROUP_INGRESS_RULE, tokens.GCP_COMPUTE_FIREWALL))
def no_admin_ports_from_internet(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type == tokens.AWS_EC2_SECURITY_GROUP:
        for i, rule in enumerate(res.get("ingress") or []):
            yield from _aws_rule_findings(rule, f"ingress[{i}]")
    elif res.type == tokens.AWS_EC2_SECURITY_GROUP_RULE:
        if res.get("type") == "ingress":
            yield from _aws_rule_findings(res.props, "ingress rule")
    elif res.type == tokens.AWS_VPC_SECURITY_GROUP_INGRESS_RULE:
        yield from _aws_rule_findings(res.props, "ingress rule")
    else:
        if str(res.get("direction") or "INGRESS") != "INGRESS" or truthy(res.get("disabled")):
            return
        ranges = [r for r in res.get("sourceRanges") or [] if r in WORLD]
        if not ranges:
            return
        for allow in res.get("allows") or []:
            for port in _gcp_ports(allow):
                yield f"firewall opens {ADMIN_PORTS[port]} ({port}) to {ranges[0]}"


def _gce_external(res: Res) -> bool:
    return any(nic.get("accessConfigs") or nic.get("ipv6AccessConfigs")
               for nic in res.get("networkInterfaces") or [] if isinstance(nic, Mapping))


def _gce_cluster_node(res: Res) -> bool:
    """Templates feed managed groups; placement policies or several NICs (GPUDirect)
    mark a VM as a cluster node."""
    if res.type in t.GCE_TEMPLATES:
        return True
    return bool(res.get("resourcePolicies")) or len(res.get("networkInterfaces") or []) > 1


@resource_rule("no-public-ip-cluster-nodes", "Cluster nodes have no public IP", NET,
               Severity.HIGH, "Put cluster nodes in private subnets without public addresses; "
               "reach them through SSM/IAP and egress through NAT.",
               (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE, *t.GCE_MACHINES,
                tokens.GCP_TPU_V2_VM, *t.QUEUED_TPUS))
def no_public_ip_cluster_nodes(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Cluster nodes: EC2 instances in a placement group or from a launch template,
    launch templates (pools and clusters), GCE templates and multi-NIC/placed VMs,
    TPU VMs and queued TPU slices. A stand-alone lab machine may have a public IP."""
    if res.type == tokens.AWS_EC2_INSTANCE:
        clustered = res.get("placementGroup") or res.get("launchTemplate")
        if clustered and truthy(res.get("associatePublicIpAddress")):
            yield "cluster node gets a public IP (associatePublicIpAddress)"
    elif res.type == tokens.AWS_EC2_LAUNCH_TEMPLATE:
        for i, nic in enumerate(res.get("networkInterfaces") or []):
            if truthy(nic.get("associatePublicIpAddress")):
                yield f"networkInterfaces[{i}] associates a public IP"
    elif res.type in t.GCE_MACHINES:
        if _gce_cluster_node(res) and _gce_external(res):
            yield "cluster node has an external IP (networkInterfaces.accessConfigs)"
    elif res.type == tokens.GCP_TPU_V2_VM:
        if truthy(res.get("networkConfig.enableExternalIps")):
            yield "TPU VM has external IPs (networkConfig.enableExternalIps)"
    else:
        for i, node in enumerate(t.queued_tpu_nodes(res)):
            if node["externalIps"]:
                yield f"queued TPU node {i} has external IPs (enableExternalIps)"
