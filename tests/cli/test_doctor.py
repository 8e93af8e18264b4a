"""``ailab doctor``: what it finds through the SDKs' own chains, and that it stays offline.

AWS settings are resolved by the real botocore session (the truth the janitor
and boto3 use), from real config files written here; "offline" is checked with
Python's audit events for sockets, with the metadata-probe switches of the
test harness turned off, so a probe would show.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

_EVENTS: list[str] = []
_RECORDING = [False]


def _audit(event: str, _args: object) -> None:
    if _RECORDING[0] and event.startswith("socket."):
        _EVENTS.append(event)


sys.addaudithook(_audit)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials, no region, empty AWS and gcloud configuration folders."""
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "GOOGLE_CLOUD_PROJECT",
                "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "aws").mkdir()
    (tmp_path / "gcloud").mkdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws" / "credentials"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    return tmp_path


def _doctor(cli: Cli) -> tuple[int, dict[tuple[str, str], dict]]:
    code, out, err = cli(["doctor", "--json"])
    doc = json.loads(out)
    return code, {(c["area"], c["item"]): c for c in doc["checks"]} | {
        ("ready", area): {"status": ok} for area, ok in doc["ready"].items()}


def test_nothing_configured_says_what_is_missing_and_how_to_fix(cli: Cli,
                                                                clean_env: Path) -> None:
    code, checks = _doctor(cli)
    assert code == 0
    for key in (("aws", "credentials"), ("aws", "region"), ("gcp", "credentials"),
                ("gcp", "project")):
        assert checks[key]["status"] == "missing" and checks[key]["fix"], key
    assert checks[("ready", "aws")]["status"] is False
    assert "not probed offline" in checks[("aws", "credentials")]["detail"]


@pytest.mark.parametrize(("env", "where"), [
    ({"AWS_REGION": "eu-west-1"}, "eu-west-1 (from AWS_REGION)"),
    ({"AWS_DEFAULT_REGION": "eu-west-2"}, "eu-west-2 (from AWS_DEFAULT_REGION)"),
    ({"AWS_PROFILE": "lab"}, "ap-south-1 (from profile lab)"),
])
def test_region_through_aws_region_default_region_and_profile(
        cli: Cli, clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
        where: str) -> None:
    (clean_env / "aws" / "config").write_text("[profile lab]\nregion = ap-south-1\n")
    (clean_env / "aws" / "credentials").write_text(
        "[lab]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n")
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    _code, checks = _doctor(cli)
    assert checks[("aws", "region")]["detail"] == where
    if env.get("AWS_PROFILE") == "lab":
        assert checks[("aws", "credentials")]["status"] == "ok"
        assert "shared-credentials-file" in checks[("aws", "credentials")]["detail"]


def test_credentials_from_the_environment_and_a_broken_profile(
        cli: Cli, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    _code, checks = _doctor(cli)
    assert "'env' provider" in checks[("aws", "credentials")]["detail"]
    monkeypatch.setenv("AWS_PROFILE", "nope")
    code, checks = _doctor(cli)
    assert code == 1 and checks[("aws", "config")]["status"] == "error"
    assert "nope" in checks[("aws", "config")]["detail"]


def test_assume_role_and_credential_process_are_named_not_run(
        cli: Cli, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = clean_env / "ran"
    (clean_env / "aws" / "config").write_text(
        "[profile helper]\ncredential_process = touch " + str(marker) + "\n"
        "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/lab\n"
        "source_profile = base\n[profile base]\nregion = us-east-1\n")
    (clean_env / "aws" / "credentials").write_text(
        "[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_PROFILE", "helper")
    _code, checks = _doctor(cli)
    assert checks[("aws", "credentials")]["status"] == "info"
    assert not marker.exists(), "doctor ran a credential_process"
    monkeypatch.setenv("AWS_PROFILE", "role")
    _code, checks = _doctor(cli)
    assert "'assume-role' provider" in checks[("aws", "credentials")]["detail"]


def test_gcp_credentials_and_project_from_files(cli: Cli, clean_env: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    key = clean_env / "key.json"
    key.write_text(json.dumps({"type": "service_account", "project_id": "lab-from-key"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    _code, checks = _doctor(cli)
    assert checks[("gcp", "credentials")]["detail"].startswith("service_account")
    assert checks[("gcp", "project")]["detail"] == "lab-from-key (from the credentials' project_id)"
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    gcloud = clean_env / "gcloud"
    (gcloud / "application_default_credentials.json").write_text(
        json.dumps({"type": "authorized_user"}))
    (gcloud / "active_config").write_text("lab")
    (gcloud / "configurations").mkdir()
    (gcloud / "configurations" / "config_lab").write_text("[core]\nproject = lab-from-gcloud\n")
    _code, checks = _doctor(cli)
    assert checks[("gcp", "credentials")]["status"] == "ok"
    assert checks[("gcp", "project")]["detail"] == "lab-from-gcloud (from gcloud configuration lab)"
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(clean_env / "missing.json"))
    code, checks = _doctor(cli)
    assert code == 1 and checks[("gcp", "credentials")]["status"] == "error"


def test_doctor_opens_no_socket_even_without_the_probe_switches(
        cli: Cli, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.delenv("NO_GCE_CHECK", raising=False)
    _EVENTS.clear()
    _RECORDING[0] = True
    try:
        code, out, _ = cli(["doctor"])
    finally:
        _RECORDING[0] = False
    assert code == 0 and "AWS" in out
    assert _EVENTS == []


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_the_socket_probe_sees_botocore_reach_for_the_metadata_server(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above would pass vacuously if the audit hook saw nothing."""
    import botocore.session

    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    resolver = botocore.session.Session().get_component("credential_provider")
    _EVENTS.clear()
    _RECORDING[0] = True
    try:
        resolver.get_provider("iam-role").load()
    except Exception:  # noqa: BLE001 - the network guard refuses the connection
        pass
    finally:
        _RECORDING[0] = False
    assert _EVENTS, "the audit hook recorded no socket activity"
