"""The whole suite makes no connection beyond loopback.

pytest-socket's guard is switched on by configuration (pyproject addopts), so it
applies to every test of every run, not only when someone remembers a flag.
Child processes are not covered by pytest-socket; they inherit the harness's
offline settings instead, which this module checks too.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
from pathlib import Path

import pytest
from pytest_socket import SocketBlockedError, SocketConnectBlockedError

from tests.support import ROOT

TESTS = ROOT / "tests"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def test_guard_is_in_the_configured_addopts(pytestconfig: pytest.Config) -> None:
    addopts = shlex.split(" ".join(pytestconfig.getini("addopts")))
    assert "--disable-socket" in addopts
    assert "--force-enable-socket" not in addopts
    hosts = [a.split("=", 1)[1] for a in addopts if a.startswith("--allow-hosts=")]
    assert len(hosts) == 1 and set(hosts[0].split(",")) <= LOOPBACK


def test_guard_is_active_in_this_run(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.getoption("disable_socket") is True
    assert not pytestconfig.getoption("force_enable_socket")
    assert set(pytestconfig.getoption("allow_hosts").split(",")) <= LOOPBACK


@pytest.mark.parametrize(("family", "address"), [
    (socket.AF_INET, ("198.51.100.7", 443)), (socket.AF_INET, ("169.254.169.254", 80)),
    (socket.AF_INET6, ("2001:db8::1", 443)),
])
def test_non_loopback_is_refused(family: socket.AddressFamily, address: tuple) -> None:
    with pytest.raises((SocketBlockedError, SocketConnectBlockedError)):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.connect(address)
        finally:
            sock.close()


def test_no_test_opts_out_of_the_guard() -> None:
    pattern = re.compile(r"enable_socket|force.enable.socket|socket_enabled")
    offenders = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
                 if p.resolve() != Path(__file__).resolve() and pattern.search(p.read_text())]
    assert offenders == []


def test_child_processes_inherit_offline_settings() -> None:
    """Subprocess tests inherit this environment: no metadata probes, fake keys,
    and no cloud endpoint other than loopback."""
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    assert os.environ["NO_GCE_CHECK"] == "true"  # google-auth compares with "true"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    assert endpoint is None or re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", endpoint)


def test_subprocess_tests_point_clouds_at_loopback_only() -> None:
    """Where a test sets a cloud endpoint for a child process, it is loopback."""
    endpoint = re.compile(r"(AWS_ENDPOINT_URL\w*|_ENDPOINT)[\"']?\s*[:=,]\s*f?[\"']([^\"']+)")
    bad = []
    for path in TESTS.rglob("*.py"):
        text = path.read_text()
        if "subprocess" not in text:
            continue
        for match in endpoint.finditer(text):
            url = match.group(2)
            if not re.match(r"https?://(127\.0\.0\.1|localhost|\{)", url):
                bad.append(f"{path.relative_to(TESTS)}: {url}")
    assert bad == []
