"""What ``ailab doctor`` looks at, per cloud and tool: configured, missing, how to fix.

Offline-safe by construction: nothing here opens a socket or runs a credential
helper. AWS credentials and region go through botocore's own resolution chain
with the providers that would reach the network or run a process removed (the
EC2 instance role, the container role, ``credential_process``: those are named
as "not probed"); GCP Application Default Credentials and the project are read
from the places google-auth and gcloud read them (files and environment), not
from the metadata server. An SDK is imported only when its extra is installed.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Status = Literal["ok", "missing", "error", "info"]
OFFLINE_UNPROBED = ("container-role", "iam-role", "custom-process")
"""botocore providers that would contact a metadata endpoint or run a command."""


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    area: str
    item: str
    status: Status
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def installed(module: str) -> bool:
    """Whether a module can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def extra(area: str, name: str, modules: tuple[str, ...], what: str) -> Check:
    """Is an optional dependency group installed?"""
    absent = [m for m in modules if not installed(m)]
    if absent:
        return Check(area, f"{name} extra", "missing", f"{', '.join(absent)} not installed "
                     f"({what})", f"pip install 'ailab[{name}]'")
    return Check(area, f"{name} extra", "ok", f"installed ({what})")


# --- AWS ------------------------------------------------------------------------------------


def _aws_session() -> Any:
    import botocore.session

    return botocore.session.Session()


def aws_credentials(session: Any) -> Check:
    """The first credentials botocore's chain finds, without network or helpers."""
    resolver = session.get_component("credential_provider")
    for name in OFFLINE_UNPROBED:
        if resolver.get_provider(name) is not None:
            resolver.remove(name)
    profile = session.get_config_variable("profile") or "default"
    config = session.full_config.get("profiles", {}).get(profile, {})
    creds = resolver.load_credentials()
    if creds is not None:
        return Check("aws", "credentials", "ok", f"found by botocore's '{creds.method}' "
                     f"provider (profile {profile})")
    if "credential_process" in config:
        return Check("aws", "credentials", "info", f"profile {profile} has a "
                     "credential_process; doctor does not run it")
    return Check("aws", "credentials", "missing",
                 "none in the environment, the shared files, SSO or assume-role config "
                 f"(profile {profile}); an EC2 instance or container role is not probed "
                 "offline", "aws configure, aws sso login, or export AWS_PROFILE=NAME")


def aws_region(session: Any, environ: dict[str, str]) -> Check:
    """AWS_REGION (what the AWS CLI v2 and SDKs read first), then botocore's chain:
    AWS_DEFAULT_REGION, then the profile's ``region``."""
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if environ.get(var):
            return Check("aws", "region", "ok", f"{environ[var]} (from {var})")
    region = session.get_config_variable("region")
    if region:
        profile = session.get_config_variable("profile") or "default"
        return Check("aws", "region", "ok", f"{region} (from profile {profile})")
    return Check("aws", "region", "missing", "no AWS_REGION, AWS_DEFAULT_REGION or profile "
                 "region", "export AWS_REGION=us-east-1, or aws configure set region "
                 "us-east-1, or pass --region")


def aws_checks(environ: dict[str, str]) -> list[Check]:
    out = [extra("aws", "aws", ("boto3", "pulumi_aws"),
                 "AWS stacks, the AWS janitor, live AWS prices")]
    if not installed("botocore"):
        return out
    from botocore.exceptions import BotoCoreError

    try:
        session = _aws_session()
        out += [aws_credentials(session), aws_region(session, environ)]
    except BotoCoreError as exc:  # ProfileNotFound, a malformed config file
        out.append(Check("aws", "config", "error", str(exc).splitlines()[0],
                         "fix ~/.aws/config or unset AWS_PROFILE"))
    if environ.get("AWS_ENDPOINT_URL"):
        url = environ["AWS_ENDPOINT_URL"]
        out.append(Check("aws", "endpoint", "info", f"AWS_ENDPOINT_URL={url} (every AWS call "
                         "goes there)"))
    return out


# --- GCP ------------------------------------------------------------------------------------


def gcloud_dir(environ: dict[str, str]) -> Path:
    """gcloud's configuration folder (``CLOUDSDK_CONFIG``, else the platform default)."""
    if environ.get("CLOUDSDK_CONFIG"):
        return Path(environ["CLOUDSDK_CONFIG"])
    if sys.platform == "win32" and environ.get("APPDATA"):
        return Path(environ["APPDATA"]) / "gcloud"
    return Path.home() / ".config" / "gcloud"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def gcp_credentials(environ: dict[str, str]) -> tuple[Check, dict[str, Any]]:
    """Application Default Credentials from the files google-auth reads."""
    explicit = environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if explicit:
        doc = _read_json(Path(explicit))
        if doc is None:
            return Check("gcp", "credentials", "error", f"GOOGLE_APPLICATION_CREDENTIALS="
                         f"{explicit} is missing or not JSON", "point it at a key or "
                         "credential configuration file, or unset it"), {}
        return Check("gcp", "credentials", "ok", f"{doc.get('type', 'unknown type')} from "
                     "GOOGLE_APPLICATION_CREDENTIALS"), doc
    well_known = gcloud_dir(environ) / "application_default_credentials.json"
    doc = _read_json(well_known)
    if doc is not None:
        return Check("gcp", "credentials", "ok", f"{doc.get('type', 'unknown type')} from "
                     f"{well_known}"), doc
    return Check("gcp", "credentials", "missing", "no GOOGLE_APPLICATION_CREDENTIALS and no "
                 "gcloud application-default login; a GCE metadata server is not probed "
                 "offline", "gcloud auth application-default login"), {}


def _gcloud_project(environ: dict[str, str]) -> tuple[str, str] | None:
    folder = gcloud_dir(environ)
    try:
        active = (folder / "active_config").read_text().strip() or "default"
    except OSError:
        active = "default"
    parser = configparser.ConfigParser()
    try:
        parser.read(folder / "configurations" / f"config_{active}")
    except configparser.Error:
        return None
    project = parser.get("core", "project", fallback="")
    return (project, f"gcloud configuration {active}") if project else None


def gcp_project(environ: dict[str, str], adc: dict[str, Any]) -> Check:
    """The project the janitor and google-auth would use."""
    for var in ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"):
        if environ.get(var):
            return Check("gcp", "project", "ok", f"{environ[var]} (from {var})")
    for key in ("project_id", "quota_project_id"):
        if adc.get(key):
            return Check("gcp", "project", "ok", f"{adc[key]} (from the credentials' {key})")
    found = _gcloud_project(environ)
    if found:
        return Check("gcp", "project", "ok", f"{found[0]} (from {found[1]})")
    return Check("gcp", "project", "missing", "no GOOGLE_CLOUD_PROJECT and no gcloud project",
                 "export GOOGLE_CLOUD_PROJECT=ID, gcloud config set project ID, or --project")


def gcp_checks(environ: dict[str, str]) -> list[Check]:
    creds, adc = gcp_credentials(environ)
    return [extra("gcp", "gcp", ("pulumi_gcp", "google.auth", "google.cloud.tpu_v2"),
                  "GCP stacks, the GCP janitor"), creds, gcp_project(environ, adc)]


# --- tools and project ----------------------------------------------------------------------


def tool_checks(environ: dict[str, str], which: Callable[[str], str | None] = shutil.which
                ) -> list[Check]:
    out = [extra("skypilot", "sky", ("sky", "moto"), "ailab launch")]
    out.append(Check("skypilot", "cloud access", "info", "not checked here (it contacts the "
                     "clouds)", "sky check") if installed("sky") else
               Check("skypilot", "cloud access", "info", "needs the sky extra"))
    if not which("rsync"):
        out.append(Check("skypilot", "rsync", "missing", "SkyPilot syncs work folders with "
                         "rsync", "install rsync (apt install rsync, brew install rsync)"))
    pulumi = which("pulumi")
    out.append(Check("pulumi", "CLI", "ok", pulumi) if pulumi else Check(
        "pulumi", "CLI", "missing", "needed for `pulumi up`, not for `ailab preview`",
        "curl -fsSL https://get.pulumi.com | sh (https://www.pulumi.com/docs/install/)"))
    logged_in = environ.get("PULUMI_ACCESS_TOKEN") or (
        Path.home() / ".pulumi" / "credentials.json").is_file()
    out.append(Check("pulumi", "backend login", "ok" if logged_in else "info",
                     "logged in" if logged_in else "not logged in",
                     "" if logged_in else "pulumi login (or pulumi login --local)"))
    return out


def project_checks() -> list[Check]:
    from ailab.cli.common import message_of
    from ailab.core.errors import AilabError
    from ailab.core.paths import user_cache_dir, user_data_dir, user_log_dir
    from ailab.core.project import find_project

    out = []
    try:
        project = find_project()
    except AilabError as exc:  # a --project-dir without Pulumi.yaml is a finding here
        return [Check("project", "folder", "error", message_of(exc), "pass a folder with a "
                      "Pulumi.yaml to --project-dir")]
    if project is None:
        out.append(Check("project", "folder", "missing", "no Pulumi.yaml here or above, and "
                         "no packaged examples", "run from a project folder or pass "
                         "--project-dir"))
    else:
        stacks = sorted(p.name[7:-5] for p in project.stacks_dir.glob("Pulumi.*.yaml"))
        how = "packaged examples" if project.packaged else project.how
        out.append(Check("project", "folder", "ok", f"{project.root} ({how})"))
        out.append(Check("project", "stacks", "ok" if stacks else "missing",
                         f"{len(stacks)} in {project.stacks_dir}: {', '.join(stacks)}"
                         if stacks else f"none in {project.stacks_dir}"))
    out.append(Check("project", "user folders", "info", f"data {user_data_dir()}, cache "
                     f"{user_cache_dir()}, crash logs {user_log_dir()}"))
    return out + _prices()


PRICE_MODULES = ("catalog", "storage_prices", "service_prices", "serverless")
"""The ``ailab.costs`` modules that register a price table with ``costs.freshness``."""


def _prices() -> list[Check]:
    """Every price table: which copy is in use, its date, and whether it is stale."""
    import importlib

    from ailab.costs import freshness
    from ailab.costs.catalog import PRICES_CSV, prices_path

    for name in PRICE_MODULES:
        importlib.import_module(f"ailab.costs.{name}")
    out = []
    for table in freshness.tables():
        state = freshness.status(table)
        where = ""
        if table.key == "gpu-catalog":
            path = prices_path()
            where = "embedded; " if path == PRICES_CSV else f"refreshed, {path}; "
        out.append(Check("prices", table.name, "info" if state["stale"] else "ok",
                         f"{where}as of {state['as_of']} ({state['age_days']} days)",
                         table.refresh if state["stale"] else ""))
    return out


def all_checks(environ: dict[str, str] | None = None) -> list[Check]:
    env = dict(os.environ if environ is None else environ)
    return [*aws_checks(env), *gcp_checks(env), *tool_checks(env), *project_checks()]
