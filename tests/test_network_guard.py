"""The suite must never reach beyond loopback: prove the guard is on."""

from __future__ import annotations

import os
import socket

import pytest
from pytest_socket import SocketBlockedError, SocketConnectBlockedError


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.1", "93.184.216.34"])
def test_non_loopback_connection_is_refused(address: str) -> None:
    with pytest.raises((SocketBlockedError, SocketConnectBlockedError)):
        socket.create_connection((address, 80), timeout=0.5)


def test_loopback_server_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port), timeout=1)
    client.close()
    server.close()


def test_cloud_sdks_are_offline() -> None:
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    assert os.environ["NO_GCE_CHECK"] == "true"  # google-auth compares with "true"
    assert "AWS_PROFILE" not in os.environ
