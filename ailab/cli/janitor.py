"""``ailab janitor scan|clean``: find idle resources, price the waste, remove it safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ailab.cli.common import print_json, print_table
from ailab.core.errors import JanitorError

CLOUDS = ("aws", "gcp", "all")

_REGION = typer.Option(None, "--region", "-r", metavar="REGION",
                       help="Region to scan (repeatable), or 'all'. Default: AWS_REGION.")
_POLICY = typer.Option(None, "--policy", "-p", metavar="FILE",
                       help="Policy YAML (rules, thresholds, allowlist). Default: built-in.")
_CLOUD = typer.Option("aws", "--cloud", metavar="CLOUD", help="aws, gcp or all.")
_PROJECT = typer.Option(None, "--project", metavar="PROJECT",
                        help="GCP project. Default: GOOGLE_CLOUD_PROJECT or ADC.")
_JSON = typer.Option(False, "--json", help="Print the report as JSON.")


def _drivers(cloud: str, project: str | None) -> list[Any]:
    if cloud not in CLOUDS:
        raise JanitorError(f"--cloud: {cloud!r} is not valid; use one of {', '.join(CLOUDS)}")
    drivers: list[Any] = []
    if cloud in ("aws", "all"):
        from ailab.janitor.aws import AwsDriver

        drivers.append(AwsDriver())
    if cloud in ("gcp", "all"):
        from ailab.janitor.gcp import GcpDriver

        try:
            drivers.append(GcpDriver(project=project))
        except JanitorError:
            raise
        except Exception as exc:  # google.auth.exceptions.DefaultCredentialsError and kin
            raise JanitorError(f"GCP credentials: {str(exc).splitlines()[0]}",
                               hint="run `gcloud auth application-default login` or set "
                                    "GOOGLE_APPLICATION_CREDENTIALS") from None
    return drivers


def _run(mode: str, regions: list[str] | None, policy_file: Path | None, cloud: str,
         project: str | None, as_json: bool, no_snapshot: bool = False) -> None:
    from ailab.janitor.config import load_policy
    from ailab.janitor.engine import RunOptions, run
    from ailab.janitor.report import COLUMNS, footer, rows, to_json

    policy = load_policy(policy_file)
    report = run(_drivers(cloud, project), policy,
                 RunOptions(mode=mode, regions=regions, final_snapshot=not no_snapshot))
    if as_json:
        print_json(to_json(report), "janitor-report")
    else:
        print_table(f"janitor {mode} ({policy.source})", COLUMNS, rows(report), footer(report))
    if not report.ok:
        for err in report.errors:
            typer.echo(f"error: {err.cloud} {err.region} {err.step}: {err.message}", err=True)
        failed = sum(1 for f in report.findings if f.status.value == "failed")
        typer.echo(f"error: {len(report.errors)} scan error(s), {failed} failed action(s)",
                   err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach the ``janitor`` group to the root app."""
    group = typer.Typer(help="Find idle cloud resources, price the waste, remove it safely.",
                        no_args_is_help=True)

    @group.command("scan")
    def scan(region: list[str] | None = _REGION, policy: Path | None = _POLICY,
             cloud: str = _CLOUD, project: str | None = _PROJECT,
             as_json: bool = _JSON) -> None:
        """Read-only: list idle and expired resources, their evidence and monthly waste."""
        _run("scan", region, policy, cloud, project, as_json)

    @group.command("clean")
    def clean(region: list[str] | None = _REGION, policy: Path | None = _POLICY,
              cloud: str = _CLOUD, project: str | None = _PROJECT, as_json: bool = _JSON,
              yes: bool = typer.Option(False, "--yes", help="Really mark and act (default: "
                                       "dry run)."),
              no_snapshot: bool = typer.Option(False, "--no-snapshot",
                                               help="Delete EBS volumes without a final "
                                                    "snapshot.")) -> None:
        """Mark candidates, and act on those whose mark is due. Dry run unless --yes."""
        _run("execute" if yes else "dry-run", region, policy, cloud, project, as_json,
             no_snapshot)

    app.add_typer(group, name="janitor")
