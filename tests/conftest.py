"""Shared test harness.

- Offline settings for the cloud SDKs, set before anything imports boto3 or
  google-auth: no metadata-server probes, fake credentials, a fixed region.
- The network guard: pytest-socket (``--disable-socket --allow-hosts=...`` in
  pyproject's addopts) refuses every connection except loopback, so a leak fails
  the test instead of leaving the machine.
- ``preview``: the shared recording Pulumi mock, run over a stack's config.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_USER_DIRS = tempfile.mkdtemp(prefix="ailab-test-user-")
atexit.register(shutil.rmtree, _USER_DIRS, True)
"""User data, cache and log folders for the run, never the tester's own: a refreshed
price table in the user's data folder must not change test results."""

_OFFLINE_ENV = {
    "AILAB_DATA_DIR": os.path.join(_USER_DIRS, "data"),
    "AILAB_CACHE_DIR": os.path.join(_USER_DIRS, "cache"),
    "AILAB_LOG_DIR": os.path.join(_USER_DIRS, "log"),
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_GCE_CHECK": "true",  # google-auth compares with "true"
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "GOOGLE_CLOUD_PROJECT": "ailab-test",
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "SKYPILOT_DISABLE_USAGE_COLLECTION": "1",
    "MPLBACKEND": "Agg",
}
os.environ.update(_OFFLINE_ENV)
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "GOOGLE_APPLICATION_CREDENTIALS"):
    os.environ.pop(_var, None)

import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

_PREVIEW_CACHE: dict[str, Any] = {}


@pytest.fixture
def preview() -> Callable[..., Any]:
    """The shared recording Pulumi mock: ``preview("aws-gpu-lab", **overrides)``
    runs a stack's program offline and returns its ``Inventory`` (every resource
    with type, name, parent, inputs and options). Overrides are config keys
    (``{"ailab:clusterNodes": 4}``); runs without overrides are cached."""
    from ailab.infra.preview import preview_stack

    def run(stack: str, overrides: dict[str, Any] | None = None) -> Any:
        if overrides:
            return preview_stack(stack, overrides=overrides)
        if stack not in _PREVIEW_CACHE:
            _PREVIEW_CACHE[stack] = preview_stack(stack)
        return _PREVIEW_CACHE[stack]

    return run


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run the ``ailab`` console-script entry point in-process: exit code, stdout, stderr.
    Output is not a terminal, so tables are ``width`` columns wide (``$COLUMNS``)."""

    def run(args: list[str], width: int = 200) -> tuple[int, str, str]:
        from ailab.cli import main

        monkeypatch.setenv("COLUMNS", str(width))
        monkeypatch.setattr(sys, "argv", ["ailab", *args])
        with pytest.raises(SystemExit) as exc:
            main()
        captured = capsys.readouterr()
        code = exc.value.code
        status = code if isinstance(code, int) else 0 if code is None else 1
        return status, captured.out, captured.err

    return run
