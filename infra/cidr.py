"""CIDR math for network config and the guardrails: CIDRs as address sets.

"Open to the internet" is not a string compare with ``0.0.0.0/0``: ``0.0.0.0/1``
plus ``128.0.0.0/1``, ``64.0.0.0/2`` or ``0::/0`` open as much or nearly as much.
``public_share`` takes a set of CIDRs (or single addresses), merges them, and
returns the largest fraction of the public address space they cover, IPv4 and
IPv6 counted separately; anything above ``MAX_PUBLIC_SHARE`` counts as the
internet. The stack config check (``ailab:sshCidr``) and the network guardrails
both use it, so they cannot disagree. Python's ``ipaddress`` does the arithmetic.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from ailab.core.errors import ConfigError

IPv4Net = ipaddress.IPv4Network
Net = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_PUBLIC_SHARE = 0.001
"""Largest share of the public address space (per family) a source may cover and
still be "a network" rather than "the internet": about 3.7 million IPv4
addresses, a bit less than a /10. A university's /16 is 0.0015 % of it."""

# IANA IPv4 Special-Purpose Address Registry (RFC 6890, RFC 8190 and updates):
# the blocks that are not globally reachable. Everything else is public.
_NOT_PUBLIC_V4 = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
)
# IPv6: the global unicast block (RFC 4291, IANA IPv6 Address Space registry)
# less the documentation prefixes (RFC 3849, RFC 9637).
_PUBLIC_V6 = "2000::/3"
_NOT_PUBLIC_V6 = ("2001:db8::/32", "3fff::/20")


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


def networks(values: Iterable[object]) -> list[Net]:
    """The CIDRs or single addresses among ``values`` (host bits ignored); junk is skipped."""
    found: list[Net] = []
    for value in values:
        if not isinstance(value, str):
            continue
        try:
            found.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            continue
    return found


def public_share(values: Iterable[object]) -> float:
    """The largest fraction of public IPv4 or IPv6 space the union of ``values`` covers."""
    nets = networks(values)
    v4 = [n for n in nets if n.version == 4]
    v6 = [n for n in nets if n.version == 6]
    return max(_share(v4, _public_blocks(4)), _share(v6, _public_blocks(6)))


def covers_internet(values: Iterable[object], max_share: float = MAX_PUBLIC_SHARE) -> bool:
    """Whether the union of ``values`` covers more than ``max_share`` of the public space."""
    return public_share(values) > max_share


def address_count(values: Iterable[object]) -> int:
    """How many addresses the union of ``values`` holds (IPv4 and IPv6 together)."""
    nets = networks(values)
    total = 0
    for version in (4, 6):
        merged = ipaddress.collapse_addresses(  # type: ignore[type-var]
            [n for n in nets if n.version == version])
        total += sum(n.num_addresses for n in merged)
    return total


def is_open_to_world(cidr: str) -> bool:
    """True when one CIDR alone covers the internet (``covers_internet`` of one value)."""
    return covers_internet([cidr])


def check_not_internet(key: str, cidr: str, what: str) -> None:
    """Refuse a source range that opens ``what`` to the internet (share above the limit)."""
    share = public_share([cidr])
    if share > MAX_PUBLIC_SHARE:
        raise ConfigError(key, cidr, f"{what} from {share:.1%} of the public internet is "
                          f"refused (the limit is {MAX_PUBLIC_SHARE:.1%}); use your network's "
                          "CIDR, or leave empty and use SSM/IAP")


def _share(nets: Sequence[Net], public: tuple[Net, ...]) -> float:
    """Covered public addresses / all public addresses. Collapsed networks are disjoint
    and so are the public blocks, and two CIDRs either nest or do not meet, so each
    overlap is the smaller of the two."""
    if not nets:
        return 0.0
    merged = list(ipaddress.collapse_addresses(nets))  # type: ignore[type-var]
    covered = 0
    for net in merged:
        for block in public:
            if net.overlaps(block):
                covered += min(net.num_addresses, block.num_addresses)
    return covered / sum(b.num_addresses for b in public)


@lru_cache(maxsize=2)
def _public_blocks(version: int) -> tuple[Net, ...]:
    """The public address space of a family as disjoint CIDR blocks."""
    holes: tuple[str, ...] = _NOT_PUBLIC_V4 if version == 4 else _NOT_PUBLIC_V6
    blocks: list[Net] = [ipaddress.ip_network("0.0.0.0/0" if version == 4 else _PUBLIC_V6)]
    for hole in map(ipaddress.ip_network, holes):
        nxt: list[Net] = []
        for block in blocks:
            if block.overlaps(hole):
                nxt += list(block.address_exclude(hole))  # type: ignore[arg-type]
            else:
                nxt.append(block)
        blocks = nxt
    return tuple(sorted(blocks, key=lambda b: (b.network_address, b.prefixlen)))
