"""``ailab janitor scan|clean``: find idle resources, price the waste, remove it safely.

Exit codes: 0 clean run, 1 partial failure (a scan error or a failed action,
reported), 2 bad input or usage, 3 another run holds the lease (nothing done).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ailab.cli import options
from ailab.cli.common import input_file, print_json, print_table, progress, warn
from ailab.cli.tables import Col
from ailab.core.errors import ExitCode, JanitorError

CLOUDS = ("aws", "gcp", "all")

_REGION = typer.Option(None, "--region", "-r", metavar="REGION",
                       help="Region to scan (repeatable), or 'all'. Default: AWS_REGION, "
                            "AWS_DEFAULT_REGION or the profile's region.")
_CONFIG = typer.Option(None, "--config", "-c", metavar="FILE",
                       help="Janitor config YAML (rules, thresholds, allowlist, lease "
                            "bucket). Default: built-in.")
_POLICY = typer.Option(None, "--policy", "-p", metavar="FILE", hidden=True,
                       help="Deprecated spelling of --config.")
_CLOUD = typer.Option("aws", "--cloud", metavar="CLOUD", help="aws, gcp or all.")
_PROJECT = typer.Option(None, "--project", metavar="PROJECT",
                        help="GCP project. Default: GOOGLE_CLOUD_PROJECT or ADC.")
COLUMNS = [Col("Resource", "id"), Col("Region", "name"), Col("Rule", "name"),
           Col("Evidence", "text"), Col("USD/month", "num"), Col("Action", "name"),
           Col("Status", "text")]


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
                                    "GOOGLE_APPLICATION_CREDENTIALS; `ailab doctor` shows "
                                    "what is configured") from None
    return drivers


def _config_file(config: Path | None, policy: Path | None) -> Path | None:
    if policy is not None:
        warn("warning: --policy is deprecated; use --config")
        if config is not None:
            raise JanitorError("--config and --policy name the same file; give --config only")
    return config if config is not None else policy


def _run(mode: str, regions: list[str] | None, config_file: Path | None, cloud: str,
         project: str | None, as_json: bool, limit: int, show_all: bool,
         no_snapshot: bool = False) -> None:
    from ailab.janitor.config import load_policy
    from ailab.janitor.engine import RunOptions, run
    from ailab.janitor.report import footer, rows, to_json

    config = load_policy(input_file(config_file) if config_file else None)
    drivers = _drivers(cloud, project)
    where = ", ".join(regions) if regions else "the default region"
    with progress(f"janitor {mode}: scanning {cloud} ({where})"):
        report = run(drivers, config,
                     RunOptions(mode=mode, regions=regions, final_snapshot=not no_snapshot))
    if report.errors and not report.findings:
        # Nothing was scanned successfully: no table, no "$0.00" that reads as "all clean".
        _print_errors(report)
        raise typer.Exit(ExitCode.FAILED)
    if as_json:
        print_json(to_json(report), "janitor-report")
    else:
        order = sorted(range(len(report.findings)),
                       key=lambda i: -report.findings[i].monthly_usd)
        table = rows(report)
        shown = order if show_all else order[:limit]
        more = len(order) - len(shown)
        text = footer(report)
        if more:
            text += (f"\n{more} more findings not shown (dearest first; --all or --json "
                     "shows every one)")
        print_table(f"janitor {mode} ({config.source})", COLUMNS, [table[i] for i in shown],
                    text)
    if not report.ok:
        _print_errors(report)
        raise typer.Exit(ExitCode.FAILED)


def _print_errors(report: Any) -> None:
    for err in report.errors:
        warn(f"error: {err.cloud} {err.region} {err.step}: {err.message}")
    failed = sum(1 for f in report.findings if f.status.value == "failed")
    warn(f"error: {len(report.errors)} scan error(s), {failed} failed action(s)"
         + ("; the results above are partial" if report.findings else "")
         + "; `ailab doctor` shows what is configured")


def register(app: typer.Typer) -> None:
    """Attach the ``janitor`` group to the root app."""
    group = typer.Typer(help="Find idle cloud resources, price the waste, remove it safely. "
                             "Exit codes: 0 clean, 1 partial failure, 2 bad input, "
                             "3 another run holds the lease.",
                        no_args_is_help=True, epilog=options.examples(
                            "ailab janitor scan --region us-east-1",
                            "ailab janitor clean --config examples/janitor/policy.yaml"))

    @group.command("scan", epilog=options.examples(
        "ailab janitor scan --region us-east-1 --region eu-west-1",
        "ailab janitor scan --region all --json",
        "ailab janitor scan --region us-east-1 --config examples/janitor/policy.yaml",
        "ailab janitor scan --cloud gcp --project my-lab --region us-central1"))
    def scan(region: list[str] | None = _REGION, config: Path | None = _CONFIG,
             policy: Path | None = _POLICY, cloud: str = _CLOUD,
             project: str | None = _PROJECT, as_json: options.Json = False,
             limit: options.Limit = 100, show_all: options.ShowAll = False) -> None:
        """Read-only: list idle and expired resources, their evidence and monthly waste."""
        _run("scan", region, _config_file(config, policy), cloud, project, as_json, limit,
             show_all)

    @group.command("clean", epilog=options.examples(
        "ailab janitor clean --config examples/janitor/policy.yaml            # dry run",
        "ailab janitor clean --config examples/janitor/policy.yaml --yes      # mark / act"))
    def clean(region: list[str] | None = _REGION, config: Path | None = _CONFIG,
              policy: Path | None = _POLICY, cloud: str = _CLOUD,
              project: str | None = _PROJECT,
              as_json: options.Json = False, dry_run: options.DryRun = False,
              yes: options.Yes = False, limit: options.Limit = 100,
              show_all: options.ShowAll = False,
              no_snapshot: bool = typer.Option(False, "--no-snapshot",
                                               help="Delete EBS volumes without a final "
                                                    "snapshot.")) -> None:
        """Mark candidates, and act on those whose mark is due. Dry run unless --yes."""
        mode = "execute" if options.acts(dry_run, yes) else "dry-run"
        _run(mode, region, _config_file(config, policy), cloud, project, as_json, limit,
             show_all, no_snapshot)

    app.add_typer(group, name="janitor")
