"""The ``compare`` HTML report: one self-contained page people can read and forward.

Summary and break-even first, then the chart, the ranking, the per-month table,
the assumptions and the price sources with their dates. No script, no external
resource (the chart is embedded), and a layout that fits a 1024 px laptop and a
390 px phone: wide tables scroll inside their own box, never the page.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from ailab.costs.compare_report import (
    KIND_LABELS,
    assumptions,
    best_by_kind,
    break_even,
    money,
    notes,
    shown_plans,
    sources,
)

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;
color:#1d2330;line-height:1.45}
main{max-width:1100px;margin:0 auto}
h1{font-size:1.4rem;margin:.2rem 0 .4rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
p,li,dd{overflow-wrap:anywhere}
.meta{color:#5a6275;font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.6rem}
.card{border:1px solid #d8dce5;border-radius:6px;padding:.6rem .8rem}
.card b{display:block;font-size:1.15rem}
img{max-width:100%;height:auto;display:block;border:1px solid #eef0f4}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.85rem;width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid #eef0f4;text-align:right;white-space:nowrap}
th:first-child,td:first-child,.name{text-align:left}
td.name{white-space:normal;overflow-wrap:anywhere;min-width:9rem}
.tag{font-size:.75rem;font-weight:600;text-transform:uppercase;letter-spacing:.02em}
tr.best td{font-weight:600}
.kind-cloud{color:#2f5d8c}.kind-onprem{color:#b35c00}.kind-hybrid{color:#2e7d32}
dl{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr;gap:.2rem .8rem;margin:0}
dt{color:#5a6275}dd{margin:0}
@media (max-width:600px){body{padding:.6rem}dl{grid-template-columns:1fr}dt{font-weight:600}
.wide{display:none}th,td{padding:.3rem .3rem}}
"""


def _card(title: str, value: str, note: str) -> str:
    return f"<div class='card'>{escape(title)}<b>{escape(value)}</b>{escape(note)}</div>"


def _summary(result: dict[str, Any]) -> str:
    best = best_by_kind(result)
    cards = [_card(f"cheapest {KIND_LABELS[k]}", money(p["total_usd"]), p["name"])
             for k, p in best.items()]
    return f"<div class='cards'>{''.join(cards)}</div>"


def _ranking(result: dict[str, Any]) -> str:
    cheapest = result["plans"][0]["total_usd"] if result["plans"] else 0.0
    rows = []
    for p in result["plans"]:
        over = p["total_usd"] - cheapest
        kind = KIND_LABELS[p["kind"]].split(" ")[0]
        rows.append(
            f"<tr{' class=best' if p['rank'] == 1 else ''}><td>{p['rank']}</td>"
            f"<td class='name'><span class='tag kind-{p['kind']}'>{escape(kind)}</span> "
            f"{escape(p['name'])}</td><td>{money(p['total_usd'])}</td>"
            f"<td class='wide'>{money(p['total_usd'] / max(1, len(p['monthly_usd'])))}</td>"
            f"<td>{'cheapest' if over == 0 else '+' + money(over)}</td></tr>")
    return ("<div class='scroll'><table><thead><tr><th>#</th><th class='name'>plan</th>"
            "<th>total</th><th class='wide'>per month</th><th>vs cheapest</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _months(result: dict[str, Any], top: int) -> str:
    plans = shown_plans(result, top)
    head = "".join(f"<th title='{escape(p['name'])}'>#{p['rank']} "
                   f"{escape(KIND_LABELS[p['kind']].split(' ')[0])}</th>" for p in plans)
    rows = []
    for month, demand in enumerate(result["demand_gpu_hours"]):
        cells = "".join(f"<td>{money(p['monthly_usd'][month])}</td>" for p in plans)
        rows.append(f"<tr><td>{month + 1}</td><td>{demand:,.0f}</td>{cells}</tr>")
    totals = "".join(f"<td><b>{money(p['total_usd'])}</b></td>" for p in plans)
    rows.append(f"<tr><td><b>total</b></td><td><b>{sum(result['demand_gpu_hours']):,.0f}</b>"
                f"</td>{totals}</tr>")
    legend = "".join(f"<li>#{p['rank']}: {escape(p['name'])}</li>" for p in plans)
    return ("<div class='scroll'><table><thead><tr><th>month</th><th>GPU-hours</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f"<ul class='meta'>{legend}</ul>")


def _assumptions(plan: Any) -> str:
    out = []
    for section, rows in assumptions(plan):
        items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
        out.append(f"<h3>{escape(section)}</h3><dl>{items}</dl>")
    return "".join(out)


def _sources(result: dict[str, Any], catalog: dict[str, Any]) -> str:
    items = [f"<li>{escape(src)} (as of {escape(as_of)})</li>" for src, as_of in sources(result)]
    if catalog:
        items.append(f"<li>price table: {escape(str(catalog.get('source', '')))} "
                     f"(as of {escape(str(catalog.get('as_of', '')))})</li>")
    return f"<ul>{''.join(items)}</ul>"


def report_html(result: dict[str, Any], plan: Any, png: bytes | None, *,
                catalog: dict[str, Any], generated_at: str, top: int = 8) -> str:
    """The whole report as one HTML document."""
    title = escape(result["plan"])
    demand = sum(result["demand_gpu_hours"])
    found = break_even(result)
    verdict = f"<p>{escape(found.sentence())}</p>" if found else (
        "<p>No on-prem option in the plan, so no break-even.</p>")
    extra = notes(result)
    if extra:
        verdict += "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in extra) + "</ul>"
    chart = ("" if png is None else "<h2>Chart</h2><img alt='Total cost per plan and "
             "cumulative cost by month' src='data:image/png;base64,"
             f"{base64.b64encode(png).decode()}'>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{title}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{title}</h1><p class='meta'>{escape(result['gpu'])}, "
        f"{result['horizon_months']} months, {demand:,.0f} GPU-hours demanded. "
        f"Generated {escape(generated_at)}; amounts in USD.</p>"
        f"<h2>Summary</h2>{_summary(result)}<h2>Break-even</h2>{verdict}{chart}"
        f"<h2>All plans, cheapest first</h2>{_ranking(result)}"
        f"<h2>Cost per month</h2>{_months(result, top)}"
        f"<h2>Assumptions</h2>{_assumptions(plan)}"
        f"<h2>Sources and dates</h2>{_sources(result, catalog)}"
        "</main></body></html>\n")
