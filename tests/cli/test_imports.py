"""Commands that do not preview must not pay for the provider SDKs or SkyPilot.

Each command runs in a fresh interpreter under ``python -X importtime``; the
modules it imported are read back from stderr.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

FORBIDDEN = ("pulumi_aws", "pulumi_gcp", "sky")
COMMANDS = [
    ["--help"],
    ["doctor", "--json"],
    ["catalog", "show", "--gpu", "H100", "--json"],
    ["policy", "list", "--json"],
    ["workloads", "--json"],
    ["estimate", "train", "--params", "1e9", "--tokens", "1e10", "--gpu", "H100", "--gpus", "8",
     "--json"],
    ["estimate", "serve", "examples/serve/chat-l4-diurnal.yaml", "--json"],
    ["estimate", "storage", "examples/storage/training-data-s3.yaml", "--json"],
    ["compare", "examples/plans/research-lab-a100.yaml", "--json"],
    ["bench", "report", "bench/results/numpy-cpu-amd-epyc.results.json", "--json"],
    ["janitor", "--help"],
    ["launch", "--help"],
]


def imported_modules(args: list[str]) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ailab.cli.__main__",
                           *args], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:")}


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_command_does_not_import_provider_sdks_or_skypilot(args: list[str]) -> None:
    modules = imported_modules(args)
    for name in FORBIDDEN:
        assert name not in modules, f"`ailab {' '.join(args)}` imports {name}"


def test_preview_does_import_the_aws_provider() -> None:
    """The check above would pass vacuously if importtime output were not parsed."""
    assert "pulumi_aws" in imported_modules(["preview", "aws-gpu-lab", "--json"])
