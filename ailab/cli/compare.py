"""``ailab compare PLAN.yaml``: rank cloud, on-prem and hybrid plans for a demand."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Annotated, Any

import typer

from ailab.cli.common import print_json, print_table


def compare_cmd(
    plan_file: Annotated[Path, typer.Argument(help="Plan file (see examples/plans/).")],
    chart: Annotated[Path | None, typer.Option("--chart", help="Write a PNG chart here.")] = None,
    report: Annotated[
        Path | None, typer.Option("--html", help="Write an HTML report here.")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Plans shown in the table and chart.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rank cloud, on-prem and hybrid plans by total cost, with per-month costs."""
    from ailab.costs.catalog import staleness_warning
    from ailab.costs.compare import compare, load_plan

    result = compare(load_plan(plan_file))
    warning = staleness_warning()
    if warning:
        typer.echo(warning, err=True)
    if chart is not None or report is not None:
        png = render_chart(result, top)
        if chart is not None:
            chart.write_bytes(png)
        if report is not None:
            report.write_text(render_html(result, png))
    if as_json:
        print_json(result, "compare")
        return
    rows = [
        (
            p["rank"],
            p["kind"],
            p["name"],
            f"{p['total_usd']:,.0f}",
            f"{p['total_usd'] / len(p['monthly_usd']):,.0f}",
        )
        for p in result["plans"][:top]
    ]
    demand = sum(result["demand_gpu_hours"])
    print_table(
        f"{result['plan']}: {demand:,.0f} {result['gpu']} GPU-hours over "
        f"{result['horizon_months']} months",
        ["#", "kind", "plan", "total USD", "USD/month"],
        rows,
    )


def render_chart(result: dict[str, Any], top: int = 20) -> bytes:
    """PNG: totals per plan (bars) and cumulative cost per month for the five cheapest."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plans = result["plans"][:top]
    colours = {"cloud": "#4c78a8", "onprem": "#f58518", "hybrid": "#54a24b"}
    fig, (bars, lines) = plt.subplots(1, 2, figsize=(14, max(4.0, 0.35 * len(plans) + 1.5)))
    names = [p["name"] for p in plans][::-1]
    totals = [p["total_usd"] for p in plans][::-1]
    bars.barh(names, totals, color=[colours[p["kind"]] for p in plans][::-1])
    bars.set_xlabel("total USD")
    bars.tick_params(axis="y", labelsize=7)
    for plan in plans[:5]:
        running = [sum(plan["monthly_usd"][: i + 1]) for i in range(len(plan["monthly_usd"]))]
        lines.plot(range(1, len(running) + 1), running, marker="o", label=plan["name"][:50])
    lines.set_xlabel("month")
    lines.set_ylabel("cumulative USD")
    lines.legend(fontsize=7)
    fig.suptitle(result["plan"])
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def render_html(result: dict[str, Any], png: bytes) -> str:
    """A self-contained report: the chart embedded as data, and the ranked table."""
    months = len(result["demand_gpu_hours"])
    head = "".join(f"<th>m{i}</th>" for i in range(1, months + 1))
    body = "".join(
        f"<tr><td>{p['rank']}</td><td>{p['kind']}</td><td>{html.escape(p['name'])}</td>"
        f"<td>{p['total_usd']:,.0f}</td>"
        + "".join(f"<td>{v:,.0f}</td>" for v in p["monthly_usd"])
        + "</tr>"
        for p in result["plans"]
    )
    image = base64.b64encode(png).decode()
    title = html.escape(result["plan"])
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 6px;text-align:right}"
        "td:nth-child(3){text-align:left}</style></head><body>"
        f"<h1>{title}</h1><p>{result['gpu']}, {months} months, "
        f"{sum(result['demand_gpu_hours']):,.0f} GPU-hours demanded.</p>"
        f"<img alt='cost chart' src='data:image/png;base64,{image}'>"
        f"<table><tr><th>#</th><th>kind</th><th>plan</th><th>total USD</th>{head}</tr>"
        f"{body}</table></body></html>\n"
    )


def register(app: typer.Typer) -> None:
    """Attach ``compare`` to the root app."""
    app.command("compare")(compare_cmd)
