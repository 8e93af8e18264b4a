"""File storage tier: a Filestore instance for shared home directories, on the
lab VPC, exported read/write to the lab subnet only; retained on delete."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec import FilestoreSpec

SHARE = "home"


def _first_ip(networks: Any) -> str:
    """IP of the instance's first network (typed output object or plain dict)."""
    if not networks:
        return ""
    net = networks[0]
    ips = net.get("ip_addresses") if isinstance(net, dict) else getattr(net, "ip_addresses",
                                                                         None)
    return str(ips[0]) if ips else ""


@dataclass
class HomeFilestoreArgs:
    """Inputs of the home-directory file system."""

    spec: FilestoreSpec
    location: str
    """Zone (BASIC_*, ZONAL) or region (REGIONAL)."""
    network: pulumi.Input[str]
    """VPC name the instance peers with."""
    client_cidr: str
    retain_on_delete: bool = True
    labels: dict[str, str] = field(default_factory=dict)


class HomeFilestore(pulumi.ComponentResource):
    """Filestore instance with one ``home`` share."""

    def __init__(self, name: str, args: HomeFilestoreArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:HomeFilestore", name, None, opts)
        self.instance = gcp.filestore.Instance(
            f"{name}-home", location=args.location, tier=args.spec.tier,
            file_shares={"name": SHARE, "capacity_gb": args.spec.capacity_gb,
                         "nfs_export_options": [{"ip_ranges": [args.client_cidr],
                                                 "access_mode": "READ_WRITE",
                                                 "squash_mode": "NO_ROOT_SQUASH"}]},
            networks=[{"network": args.network, "modes": ["MODE_IPV4"],
                       "connect_mode": "DIRECT_PEERING"}],
            labels=args.labels,
            opts=child_options(self, opts, retain_on_delete=args.retain_on_delete))
        self.ip = self.instance.networks.apply(_first_ip)
        self.register_outputs({"ip": self.ip})
