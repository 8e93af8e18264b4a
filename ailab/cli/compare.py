"""``ailab compare PLAN.yaml``: rank cloud, on-prem and hybrid plans for a demand.

The numbers come from ``ailab.costs.compare``; what they mean (break-even, the
plans every view shows) from ``ailab.costs.compare_report``; the chart and the
HTML report from ``ailab.costs.compare_chart`` / ``compare_html``. This module
only reads the options and prints.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ailab.cli import options
from ailab.cli.common import (
    charts_ready,
    input_file,
    output_files,
    print_json,
    print_table,
    progress,
    write_file,
)
from ailab.cli.options import Format
from ailab.cli.tables import Col

EXAMPLES = options.examples(
    "ailab compare examples/plans/llm-pretraining-h100.yaml",
    "ailab compare examples/plans/llm-pretraining-h100.yaml --chart out/cost.png "
    "--html out/cost.html",
    "ailab compare examples/plans/research-lab-a100.yaml --json",
    "ailab compare examples/plans/research-lab-a100.yaml --format markdown --limit 5")


def compare_cmd(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan file (see "
                                              "examples/plans/).")],
    chart: options.Chart = None,
    report: options.Html = None,
    limit: options.Limit = 20,
    as_json: options.Json = False,
    fmt: options.FormatAny = None,
) -> None:
    """Rank cloud, on-prem and hybrid plans by total cost, with per-month costs.

    --format html prints the HTML report to stdout; --html FILE writes it to a file.
    """
    from ailab.costs.catalog import catalog_meta
    from ailab.costs.compare import compare, load_plan
    from ailab.costs.compare_report import break_even, ranking_markdown

    out = options.output_format(as_json, fmt)
    output_files(chart=chart, html=report)
    plan = load_plan(input_file(plan_file))
    with progress(f"comparing plans for {plan.name}"):
        result = compare(plan)
    html = None
    if chart is not None or report is not None or out is Format.html:
        html = _render(result, plan, chart, catalog_meta())
        if report is not None:
            write_file(report, html)
    found = break_even(result)
    if out is Format.json:
        print_json({**result, "break_even": asdict(found) if found else None}, "compare")
    elif out is Format.html:
        typer.echo(html, nl=False)
    elif out is Format.markdown:
        typer.echo(ranking_markdown(result, limit), nl=False)
    else:
        _table(result, limit, found.sentence() if found else None)


def _render(result: dict, plan: object, chart: Path | None, catalog: dict) -> str:
    from ailab.costs.compare_chart import chart_png
    from ailab.costs.compare_html import report_html

    charts_ready()
    with progress("drawing the chart"):
        png = chart_png(result)
    if chart is not None:
        write_file(chart, png)
    return report_html(result, plan, png, catalog=catalog,
                       generated_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _table(result: dict, limit: int, verdict: str | None) -> None:
    from ailab.costs.compare_report import KIND_LABELS, money, notes, shown_plans

    plans = shown_plans(result, limit)
    rows = [(p["rank"], KIND_LABELS[p["kind"]].split(" ")[0], p["name"], money(p["total_usd"]),
             money(p["total_usd"] / max(1, len(p["monthly_usd"])))) for p in plans]
    demand = sum(result["demand_gpu_hours"])
    hidden = len(result["plans"]) - len(plans)
    footer = ([verdict] if verdict else []) + notes(result)
    if hidden > 0:
        footer.append(f"{hidden} more plans not shown (--limit, or --json for all)")
    print_table(f"{result['plan']}: {demand:,.0f} {result['gpu']} GPU-hours over "
                f"{result['horizon_months']} months",
                [Col("#", "num"), Col("kind", "name"), Col("plan", "text"),
                 Col("total", "num"), Col("per month", "num")], rows,
                footer="\n".join(footer) or None)


def register(app: typer.Typer) -> None:
    """Attach ``compare`` to the root app."""
    app.command("compare", epilog=EXAMPLES)(compare_cmd)
