"""``ailab usage STACK``: what a stack actually cost, beside its forecast and budget."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from ailab.cli import options
from ailab.cli.common import output_files, print_json, print_table, progress, write_file
from ailab.cli.tables import Col
from ailab.core.errors import AilabError

BILLING_TABLE_ENV = "AILAB_BILLING_TABLE"


def usage(
    stack: options.Stack,
    month: str = typer.Option(None, "--month", help="Month to show, YYYY-MM (default: this "
                              "month, with a month-end projection)."),
    json_out: options.Json = False,
    fmt: options.FormatTJ = None,
    html_out: options.Html = None,
    billing_table: str = typer.Option(None, "--billing-table", envvar=BILLING_TABLE_ENV,
                                      help="GCP: project.dataset.table of the Cloud Billing "
                                      "export in BigQuery."),
    forecast: bool = typer.Option(True, "--forecast/--no-forecast", help="Price the stack "
                                  "offline (ailab preview --cost) for the forecast column."),
    stacks_dir: options.StacksDir = None,
) -> None:
    """Actual spend by the stack's tag or label, per service and per day, against the
    preview forecast and the budget.

    AWS reads Cost Explorer (the ailab:stack cost-allocation tag must be active;
    0.01 USD per request); GCP reads the Cloud Billing export in BigQuery.
    """
    from ailab.infra.stacks import load_stack_spec
    from ailab.spend.records import month_period
    from ailab.spend.view import UsageView, usage_html

    out = options.output_format(json_out, fmt)
    output_files(html=html_out)
    spec = load_stack_spec(stack, stacks_dir)
    today = dt.datetime.now(dt.UTC).date()
    start, end = month_period(month, today)
    with progress(f"reading {spec.cloud} billing data for {stack}"):
        report = read_report(spec, start, end, billing_table)
    with progress(f"pricing {stack} offline for the forecast"):
        expected = _forecast(stack, stacks_dir) if forecast else None
    view = UsageView(report, today, expected, spec.cloud_spec.monthly_budget())
    if html_out is not None:
        write_file(html_out, usage_html(view))
    if out is options.Format.json:
        print_json(view.to_json(), "usage")
        return
    _print(view)


def read_report(spec: Any, start: dt.date, end: dt.date, billing_table: str | None) -> Any:
    """The stack's spend from its cloud's billing data (one clear line on failure)."""
    if spec.cloud == "aws":
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        from ailab.spend import aws

        try:
            client = boto3.client("ce", region_name="us-east-1")
            return aws.read_spend(client, spec.stack, start, end)
        except (BotoCoreError, ClientError) as exc:
            raise AilabError(f"cannot read AWS Cost Explorer: {_first_line(exc)}",
                             hint="set AWS credentials (AWS_PROFILE) allowed ce:GetCostAndUsage"
                             ) from None
    if not billing_table:
        raise AilabError("GCP spend comes from the Cloud Billing export; give its table",
                         field="billing_table",
                         hint=f"--billing-table project.dataset.gcp_billing_export_v1_XXXX or "
                              f"{BILLING_TABLE_ENV}")
    from ailab.spend import gcp

    gcp.checked_table(billing_table)
    try:
        from google.api_core import exceptions as gexc
        from google.auth import exceptions as auth_exc
        from google.cloud import bigquery

        client = bigquery.Client(project=spec.gcp.project)
        return gcp.read_spend(client, billing_table, spec.stack, start, end)
    except (gexc.GoogleAPIError, auth_exc.GoogleAuthError) as exc:
        raise AilabError(f"cannot read the billing export: {_first_line(exc)}",
                         hint="gcloud auth application-default login; the account needs "
                              "bigquery.jobs.create and read access to the table") from None


def _forecast(stack: str, stacks_dir: Path | None) -> float:
    from ailab.costs.stack_pricing import price_inventory
    from ailab.infra.preview import preview_stack

    return price_inventory(preview_stack(stack, stacks_dir).to_json()).total_monthly_usd


def _print(view: Any) -> None:
    from ailab.spend.view import money

    rep = view.report
    rows = [(service, f"{amount:,.2f}") for service, amount in rep.by_service().items()]
    print_table(f"{rep.stack}: {rep.start:%Y-%m} ({rep.currency})",
                [Col("Service", "text"), Col("Cost", "num")], rows)
    cur = rep.currency
    typer.echo(f"Spent so far: {money(rep.total, cur)}; month-end projection: "
               f"{money(view.projection, cur)}; forecast: {money(view.forecast_monthly, cur)}; "
               f"budget: {money(view.budget_monthly, cur)} ({view.status()})")
    typer.echo(f"Source: {rep.source}" + (" (some figures estimated)" if rep.estimated else ""))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def register(app: typer.Typer) -> None:
    app.command("usage", epilog=options.examples(
        "ailab usage aws-gpu-lab",
        "ailab usage aws-gpu-lab --month 2026-11 --html out/usage.html",
        "ailab usage gcp-gpu-lab --billing-table my-proj.billing.gcp_billing_export_v1_X "
        "--json"))(usage)
