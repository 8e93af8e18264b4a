"""CIDRs as address sets: the public share of a set of ranges, checked against the
IANA special-purpose registries as Python's ``ipaddress`` encodes them."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailab.core.errors import ConfigError
from ailab.infra.cidr import (
    MAX_PUBLIC_SHARE,
    address_count,
    check_not_internet,
    covers_internet,
    public_share,
)

# Blocks where ailab's public space and Python's ``is_global`` differ on purpose:
# multicast and 240/4 are not reachable hosts (Python calls multicast global),
# 192.0.0.0/24 and 192.88.99.0/24 are IANA special-purpose in full.
DIFFERENT = [ipaddress.ip_network(n) for n in
             ("224.0.0.0/4", "240.0.0.0/4", "192.0.0.0/24", "192.88.99.0/24")]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1))
def test_a_single_ipv4_address_is_public_exactly_when_python_says_global(value: int) -> None:
    address = ipaddress.IPv4Address(value)
    if any(address in net for net in DIFFERENT):
        return
    assert (public_share([f"{address}/32"]) > 0) == address.is_global


def test_the_public_ipv4_space_is_the_registry_complement() -> None:
    holes = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
             "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
             "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
             "224.0.0.0/4", "240.0.0.0/4"]
    public = 2**32 - address_count(holes)
    assert public_share(["0.0.0.0/0"]) == 1.0
    assert public_share(["8.0.0.0/8"]) == pytest.approx(2**24 / public)


@pytest.mark.parametrize("sources", [
    ["0.0.0.0/0"], ["0.0.0.0/1"], ["128.0.0.0/1"], ["64.0.0.0/2"],
    ["0.0.0.0/1", "128.0.0.0/1"], ["::/0"], ["0::/0"], ["2000::/3"], ["8.0.0.0/7"],
    ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2"],
])
def test_the_internet_in_any_spelling(sources: list[str]) -> None:
    assert covers_internet(sources)


@pytest.mark.parametrize("sources", [
    ["10.0.0.0/8"], ["172.16.0.0/12", "192.168.0.0/16"], ["203.0.113.0/24"],
    ["35.235.240.0/20"], ["198.51.100.7"], ["fc00::/7"], ["2001:db8::/32"], ["fe80::/10"],
    [], ["not-a-cidr"], [None, 5],
])
def test_networks_that_are_not_the_internet(sources: list[object]) -> None:
    assert not covers_internet(sources)


def test_two_halves_together_are_the_whole() -> None:
    halves = public_share(["0.0.0.0/1"]) + public_share(["128.0.0.0/1"])
    assert public_share(["0.0.0.0/1", "128.0.0.0/1"]) == pytest.approx(halves) == 1.0
    assert public_share(["0.0.0.0/1", "0.0.0.0/2"]) == public_share(["0.0.0.0/1"])


def test_the_limit_sits_between_a_slash_10_and_a_slash_11() -> None:
    assert public_share(["8.0.0.0/10"]) > MAX_PUBLIC_SHARE > public_share(["8.0.0.0/11"])


def test_config_check_names_the_key_and_the_share() -> None:
    with pytest.raises(ConfigError) as exc:
        check_not_internet("ailab:sshCidr", "64.0.0.0/2", "SSH")
    assert exc.value.key == "ailab:sshCidr" and "% of the public internet" in str(exc.value)
    check_not_internet("ailab:sshCidr", "198.51.100.0/24", "SSH")
