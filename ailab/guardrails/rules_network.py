"""Network guardrails: no admin ports open to the internet, no public IPs on cluster nodes.

"The internet" is address arithmetic (``ailab.infra.cidr.public_share``): the
sources that reach a port are merged across every rule that opens it to the
same machines (all ingress entries and rule resources of one security group;
every firewall of one network that targets the same instances), and the port
is open to the internet when their union covers more than ``maxPublicShare`` of
the public IPv4 or IPv6 space. A GCP firewall without source ranges, tags or
service accounts admits 0.0.0.0/0 (Google's default), and is read so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.rule import (
    Finding,
    Severity,
    is_unknown,
    items,
    mapping,
    number,
    stack_rule,
    truthy,
)
from ailab.infra.cidr import MAX_PUBLIC_SHARE, public_share

NET = "network"
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
GCP_DEFAULT_SOURCE = "0.0.0.0/0"
"""What a GCP ingress firewall admits when it names no source at all."""
AWS_RULE_TYPES = (tokens.AWS_EC2_SECURITY_GROUP_RULE, tokens.AWS_VPC_SECURITY_GROUP_INGRESS_RULE)

# port -> CIDRs, per group of rules that reach the same machines
Sources = dict[int, list[str]]


def _ports(lo: Any, hi: Any, protocol: Any) -> list[int]:
    """Admin ports inside an AWS from/to port range (protocol -1 means all)."""
    if str(protocol).lower() in ("-1", "all"):
        return list(ADMIN_PORTS)
    if str(protocol).lower() not in ("tcp", "6"):
        return []
    low, high = number(lo), number(hi)
    if low is None or high is None:
        return []
    return [p for p in ADMIN_PORTS if low <= p <= high]


def _aws_entry(entry: Mapping[str, Any], sources: Sources) -> None:
    """Add one ingress entry's CIDRs to the ports it opens."""
    cidrs = [c for key in ("cidrBlocks", "ipv6CidrBlocks") for c in items(entry.get(key))]
    cidrs += [str(entry[key]) for key in ("cidrIpv4", "cidrIpv6") if entry.get(key)]
    cidrs = [c for c in cidrs if isinstance(c, str) and not is_unknown(c)]
    protocol = entry.get("protocol", entry.get("ipProtocol"))
    for port in _ports(entry.get("fromPort"), entry.get("toPort"), protocol):
        sources.setdefault(port, []).extend(cidrs)


def _open(sources: Sources, max_share: float) -> Iterator[tuple[int, str]]:
    """(port, message) for each admin port whose sources cover the internet."""
    for port, cidrs in sorted(sources.items()):
        share = public_share(cidrs)
        if share > max_share:
            shown = ", ".join(sorted(set(cidrs))[:4])
            yield port, f"opens {ADMIN_PORTS[port]} ({port}) to {share:.1%} of the public " \
                        f"internet ({shown})"


def _aws_findings(inv: Inventory, max_share: float) -> Iterator[Finding]:
    grouped: set[str] = set()
    for group in inv.by_type(tokens.AWS_EC2_SECURITY_GROUP):
        sources: Sources = {}
        for entry in items(group.get("ingress")):
            _aws_entry(mapping(entry), sources)
        for rule in inv.referencing(group, "securityGroupId", *AWS_RULE_TYPES):
            grouped.add(rule.name)
            if _aws_ingress(rule):
                _aws_entry(rule.inputs, sources)
        for _port, message in _open(sources, max_share):
            yield group, message
    for rule in inv.by_type(*AWS_RULE_TYPES):
        if rule.name not in grouped and _aws_ingress(rule):
            sources = {}
            _aws_entry(rule.inputs, sources)
            for _port, message in _open(sources, max_share):
                yield rule, f"ingress rule {message}"


def _aws_ingress(rule: Resource) -> bool:
    return rule.type == tokens.AWS_VPC_SECURITY_GROUP_INGRESS_RULE or rule.get("type") == "ingress"


def _gcp_ports(allow: Mapping[str, Any]) -> list[int]:
    protocol = str(allow.get("protocol", "")).lower()
    if protocol == "all":
        return list(ADMIN_PORTS)
    if protocol not in ("tcp", "6"):
        return []
    ports = items(allow.get("ports")) or ([allow["ports"]] if isinstance(allow.get("ports"), str)
                                          else [])
    if not ports:
        return list(ADMIN_PORTS)
    found = []
    for spec in ports:
        low, _, high = str(spec).partition("-")
        lo_n, hi_n = number(low), number(high or low)
        if lo_n is not None and hi_n is not None:
            found += [p for p in ADMIN_PORTS if lo_n <= p <= hi_n]
    return found


def gcp_sources(fw: Resource) -> list[str] | None:
    """The source ranges a GCP ingress firewall admits (Google's default when it names
    none), or None when the value is unknown."""
    ranges = fw.get("sourceRanges")
    if is_unknown(ranges):
        return None
    found = [str(r) for r in items(ranges) or ([ranges] if isinstance(ranges, str) else [])]
    if not found and not fw.get("sourceTags") and not fw.get("sourceServiceAccounts"):
        return [GCP_DEFAULT_SOURCE]
    return found


def _gcp_findings(inv: Inventory, max_share: float) -> Iterator[Finding]:
    """Firewalls of one network with no target reach every instance; targeted ones
    reach their tags/accounts. A targeted firewall is judged with the untargeted ones."""
    groups: dict[tuple[str, frozenset[str] | None], list[tuple[Resource, Sources]]] = {}
    for fw in inv.by_type(tokens.GCP_COMPUTE_FIREWALL):
        if str(fw.get("direction") or "INGRESS") != "INGRESS" or truthy(fw.get("disabled")):
            continue
        cidrs = gcp_sources(fw)
        if cidrs is None:
            continue
        sources: Sources = {}
        for allow in items(fw.get("allows")):
            for port in _gcp_ports(mapping(allow)):
                sources.setdefault(port, []).extend(cidrs)
        network = inv.ref(fw, "network")
        net_key = network.name if network else str(fw.get("network"))
        targets = [str(x) for key in ("targetTags", "targetServiceAccounts")
                   for x in items(fw.get(key))]
        groups.setdefault((net_key, frozenset(targets) if targets else None), []).append(
            (fw, sources))
    for (net_key, target_set), members in groups.items():
        wide = groups.get((net_key, None), []) if target_set is not None else []
        union: Sources = {}
        for _fw, sources in [*members, *wide]:
            for port, cidrs in sources.items():
                union.setdefault(port, []).extend(cidrs)
        for port, message in _open(union, max_share):
            culprits = [fw for fw, sources in members if port in sources]
            if culprits:  # else only untargeted firewalls open it: their own group reports
                yield culprits[0], f"firewall {message}"


@stack_rule("no-admin-ports-from-internet", "No SSH or RDP from the internet", NET,
            Severity.CRITICAL, "Limit port 22/3389 to your network's CIDR (ailab:sshCidr) "
            "or use SSM Session Manager / IAP TCP forwarding (35.235.240.0/20); a GCP firewall "
            "needs sourceRanges (none means 0.0.0.0/0).",
            (tokens.AWS_EC2_SECURITY_GROUP, *AWS_RULE_TYPES, tokens.GCP_COMPUTE_FIREWALL),
            config={"maxPublicShare": MAX_PUBLIC_SHARE})
def no_admin_ports_from_internet(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    max_share = float(cfg.get("maxPublicShare", MAX_PUBLIC_SHARE))
    yield from _aws_findings(inv, max_share)
    yield from _gcp_findings(inv, max_share)


def _gce_external(res: Resource) -> bool:
    return any(mapping(nic).get("accessConfigs") or mapping(nic).get("ipv6AccessConfigs")
               for nic in items(res.get("networkInterfaces")))


def _gce_cluster_node(res: Resource) -> bool:
    """Templates feed managed groups; placement policies or several NICs (GPUDirect)
    mark a VM as a cluster node."""
    if res.type in t.GCE_TEMPLATES:
        return True
    return bool(res.get("resourcePolicies")) or len(items(res.get("networkInterfaces"))) > 1


def aws_cluster_node(res: Resource) -> bool:
    """An EC2 instance in a placement group or launched from a template (pool, cluster)."""
    return bool(res.get("placementGroup") or res.get("launchTemplate"))


def _machine_findings(res: Resource) -> Iterator[str]:
    if res.type == tokens.AWS_EC2_INSTANCE:
        if aws_cluster_node(res) and truthy(res.get("associatePublicIpAddress")):
            yield "cluster node gets a public IP (associatePublicIpAddress)"
    elif res.type == tokens.AWS_EC2_LAUNCH_TEMPLATE:
        for i, nic in enumerate(items(res.get("networkInterfaces"))):
            if truthy(mapping(nic).get("associatePublicIpAddress")):
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


@stack_rule("no-public-ip-cluster-nodes", "Cluster nodes have no public IP", NET,
            Severity.HIGH, "Put cluster nodes in private subnets without public addresses or "
            "Elastic IPs; reach them through SSM/IAP and egress through NAT.",
            (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE, tokens.AWS_EC2_EIP,
             tokens.AWS_EC2_EIP_ASSOCIATION, *t.GCE_MACHINES, tokens.GCP_TPU_V2_VM,
             *t.QUEUED_TPUS))
def no_public_ip_cluster_nodes(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """Cluster nodes: EC2 instances in a placement group or from a launch template,
    launch templates (pools and clusters), GCE templates and multi-NIC/placed VMs,
    TPU VMs and queued TPU slices. A stand-alone lab machine may have a public IP.
    An Elastic IP (or EIP association) pointing at a cluster node is a public IP."""
    for res in inv.by_type(tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE,
                           *t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, *t.QUEUED_TPUS):
        for message in _machine_findings(res):
            yield res, message
    for eip in inv.by_type(tokens.AWS_EC2_EIP, tokens.AWS_EC2_EIP_ASSOCIATION):
        prop = "instance" if eip.type == tokens.AWS_EC2_EIP else "instanceId"
        node = inv.ref(eip, prop, tokens.AWS_EC2_INSTANCE)
        if node is not None and aws_cluster_node(node):
            yield eip, f"Elastic IP is attached to cluster node {node.name}"
