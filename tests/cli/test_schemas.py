"""The JSON Schema files in docs/schemas are generated from the models, and every
command's ``--json`` output validates against its file (jsonschema, draft 2020-12).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from ailab.cli.schemas import MODELS, VERSIONS, render
from tests.conftest import Cli
from tests.spend.test_cli_usage import ce_month  # noqa: F401 - a fixture
from tests.support import EXAMPLES, ROOT

SCHEMAS = ROOT / "docs" / "schemas"
COMMANDS: list[tuple[str, list[str]]] = [
    ("preview", ["preview", "gcp-gpu-lab", "--json"]),
    ("preview", ["preview", "aws-gpu-lab", "--cost", "--policy", "--json"]),
    ("cost-breakdown", ["cost", "breakdown", "aws-gpu-lab", "gcp-tpu-lab", "--json"]),
    ("cost-diff", ["diff", "aws-gpu-lab", "aws-spot-pool", "--json"]),
    ("estimate-train", ["estimate", "train", "--params", "7e9", "--tokens", "2e12", "--gpu",
                        "H100", "--gpus", "64", "--spot", "--json"]),
    ("estimate-serve", ["estimate", "serve", str(EXAMPLES / "serve" / "chat-l4-diurnal.yaml"),
                        "--json"]),
    ("estimate-storage", ["estimate", "storage",
                          str(EXAMPLES / "storage" / "training-data-s3.yaml"), "--json"]),
    ("compare", ["compare", str(EXAMPLES / "plans" / "llm-pretraining-h100.yaml"), "--json"]),
    ("catalog", ["catalog", "show", "--gpu", "H100", "--json"]),
    ("catalog-issues", ["catalog", "show", "--issues", "--json"]),
    ("accelerators", ["catalog", "accelerators", "--format", "json"]),
    ("policy-rules", ["policy", "list", "--json"]),
    ("workloads", ["workloads", "--json"]),
    ("bench-report", ["bench", "report",
                      str(ROOT / "bench" / "results" / "numpy-cpu-amd-epyc.results.json"),
                      "--json"]),
    ("doctor", ["doctor", "--json"]),
]


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid(name: str, doc: Any) -> None:
    errors = sorted(validator(name).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]]


def test_committed_schema_files_are_the_generated_ones(tmp_path: Path) -> None:
    assert {p.name for p in SCHEMAS.glob("*.schema.json")} == {
        f"{name}.schema.json" for name in MODELS}, "run: python -m ailab.cli.schemas"
    for name in MODELS:
        assert (SCHEMAS / f"{name}.schema.json").read_text() == render(name), (
            f"{name}.schema.json is stale; run: python -m ailab.cli.schemas")
    assert set(VERSIONS) == set(MODELS)


@pytest.mark.parametrize(("name", "args"), COMMANDS, ids=[" ".join(a[:2]) for _, a in COMMANDS])
def test_command_output_validates_against_its_schema(cli: Cli, name: str,
                                                     args: list[str]) -> None:
    code, out, err = cli(args)
    assert code in (0, 1), err
    doc = json.loads(out)
    assert doc["schema"] == name and doc["schema_version"] == VERSIONS[name]
    assert doc["currency"] == "USD" and doc["generated_at"].endswith("+00:00")
    assert_valid(name, doc)


def test_the_schemas_reject_what_they_should() -> None:
    """The checks above would pass vacuously if the schemas allowed anything."""
    good = {"schema": "workloads", "schema_version": 1, "currency": "USD",
            "generated_at": "2026-12-01T00:00:00+00:00",
            "workloads": [{"name": "x", "kind": "job", "variants": [], "description": ""}]}
    assert_valid("workloads", good)
    for bad in ({**good, "schema": "doctor"}, {**good, "schema_version": 2},
                {**good, "currency": "EUR"}, {**good, "generated_at": "yesterday"},
                {k: v for k, v in good.items() if k != "workloads"},
                {**good, "workloads": [{"name": "x", "kind": "vm", "variants": [],
                                        "description": ""}]}):
        assert list(validator("workloads").iter_errors(bad)), bad


@pytest.fixture
def idle_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import boto3
    from moto import mock_aws
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    try:
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            ec2.create_volume(AvailabilityZone="us-east-1a", Size=100, VolumeType="gp3",
                              TagSpecifications=[{"ResourceType": "volume", "Tags": [
                                  {"Key": "ailab:expires", "Value": "2020-01-01"}]}])
            yield
    finally:
        ec2_backends[DEFAULT_ACCOUNT_ID].reset()


def test_janitor_report_validates(cli: Cli, idle_aws: None) -> None:
    for args in (["janitor", "scan"], ["janitor", "clean", "--dry-run"]):
        code, out, err = cli([*args, "--region", "us-east-1", "--json"])
        assert code == 0, err
        doc = json.loads(out)
        assert doc["findings"], "the seeded volume should be a finding"
        assert_valid("janitor-report", doc)


def test_launch_validates(tmp_path: Path) -> None:
    """In its own interpreter: a dry run imports SkyPilot inside a throw-away sandbox,
    and SkyPilot can only be imported once per process."""
    import subprocess
    import sys

    env = {**os.environ, "HOME": str(tmp_path), "SKY_RUNTIME_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "ailab.cli.__main__", "launch", "serve",
                           "--variant", "vllm", "--stack", "aws-spot-pool", "--plan", "fastest",
                           "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_valid("launch", json.loads(proc.stdout))
    assert "dry run: nothing was launched" in proc.stderr


@pytest.mark.usefixtures("ce_month")
def test_usage_validates(cli: Cli) -> None:
    code, out, err = cli(["usage", "aws-gpu-lab", "--no-forecast", "--json"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["currency"] == "USD"
    assert_valid("usage", doc)
    assert list(validator("usage").iter_errors({**doc, "currency": "dollars"}))
