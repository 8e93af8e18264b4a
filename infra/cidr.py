"""CIDR math for network config: small pure functions with their own tests."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from ailab.core.errors import ConfigError

IPv4Net = ipaddress.IPv4Network


def parse_cidr(key: str, text: str) -> IPv4Net:
    """Parse an IPv4 CIDR; host bits set or bad syntax is a ConfigError on ``key``."""
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except (ValueError, TypeError) as exc:
        raise ConfigError(key, text, f"expected an IPv4 CIDR like 10.0.0.0/16 ({exc})") from None


def check_subnets(vpc_key: str, vpc: IPv4Net, key: str, subnets: Sequence[IPv4Net]) -> None:
    """Each subnet must sit inside the VPC and overlap no other subnet."""
    for net in subnets:
        if not net.subnet_of(vpc):
            raise ConfigError(key, str(net), f"subnet is outside {vpc_key} {vpc}")
    for i, left in enumerate(subnets):
        for right in subnets[i + 1:]:
            if left.overlaps(right):
                raise ConfigError(key, str(right), f"overlaps subnet {left}; subnets must be "
                                  "disjoint")


def is_open_to_world(cidr: str) -> bool:
    """True for 0.0.0.0/0 and ::/0 (and any prefix that wide)."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False
