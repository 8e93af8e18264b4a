"""``ailab compare --html/--chart``: what the report says, and how it renders.

The rendering check opens the report in headless Chromium (Debian's
``chromium``; ``scripts/test`` installs it when it can) inside a 1024 px and a
390 px wide frame, and asks the page itself whether anything runs past the
right edge and whether any error was raised or logged.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support import EXAMPLES

PLANS = [EXAMPLES / "plans" / "llm-pretraining-h100.yaml",
         EXAMPLES / "plans" / "research-lab-a100.yaml"]
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser",
                                               "google-chrome")) if p), None)

PROBE = """<script>(function(){
var errors=[];
addEventListener('error',function(e){errors.push(e.message||('failed to load '+
 ((e.target&&(e.target.src||e.target.href))||'?')));},true);
var ce=console.error;console.error=function(){errors.push([].join.call(arguments,' '));};
addEventListener('load',function(){
 var d=document.documentElement,w=d.clientWidth,wide=[];
 document.querySelectorAll('body *').forEach(function(el){
  if(el.parentElement&&el.parentElement.closest('.scroll'))return;
  var r=el.getBoundingClientRect();
  if(r.right>w+0.5)wide.push(el.tagName.toLowerCase()+(el.className?'.'+el.className:''));});
 parent.postMessage(JSON.stringify({width:w,scroll_width:d.scrollWidth,wide:wide.slice(0,20),
  errors:errors,images:[].map.call(document.images,function(i){return i.naturalWidth;})}),'*');
});})();</script>"""


def _report(cli: Cli, plan: Path, tmp_path: Path) -> tuple[str, Path]:
    html, png = tmp_path / "report.html", tmp_path / "chart.png"
    code, _out, err = cli(["compare", str(plan), "--html", str(html), "--chart", str(png),
                           "--json"])
    assert code == 0, err
    return html.read_text(), png


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_report_has_assumptions_sources_break_even_and_months(cli: Cli, plan: Path,
                                                              tmp_path: Path) -> None:
    html, png = _report(cli, plan, tmp_path)
    code, out, _ = cli(["compare", str(plan), "--json"])
    doc = json.loads(out)
    for heading in ("Summary", "Break-even", "Cost per month", "Assumptions",
                    "Sources and dates"):
        assert f"<h2>{heading}</h2>" in html
    months = doc["horizon_months"]
    month_rows = re.findall(r"<tr><td>(\d+)</td><td>[\d,]+</td>", html)
    assert [int(m) for m in month_rows] == list(range(1, months + 1))
    for plan_doc in doc["plans"]:
        assert escape(plan_doc["name"]) in html
        source = plan_doc["details"].get("source")
        if source:
            assert escape(source) in html and escape(plan_doc["details"]["as_of"]) in html
    assert "price table:" in html and "Generated " in html
    assert escape(doc["break_even"]["onprem"]) in html
    assert "<meta name='viewport'" in html and "<script" not in html
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_break_even_month_against_hand_computed_cumulative_costs() -> None:
    from ailab.costs.compare_report import crossover_month

    # on-prem: 100 up front then 10/month; cloud: 30/month. Cumulative on-prem
    # 100,110,120,130,140,150 vs cloud 30,60,90,120,150,180: cheaper from month 5.
    assert crossover_month([100, 10, 10, 10, 10, 10], [30] * 6) == 5
    assert crossover_month([100, 10, 10], [30] * 3) is None
    # cheaper at month 1, dearer at 2, cheaper again from 3 on: the lasting month counts.
    assert crossover_month([10, 50, 0, 0], [20, 20, 20, 20]) == 3


def test_chart_shows_every_kind_with_legends_units_and_on_prem(cli: Cli) -> None:
    import matplotlib.pyplot as plt

    from ailab.costs.compare import compare, load_plan
    from ailab.costs.compare_chart import chart_figure

    result = compare(load_plan(PLANS[0]))
    onprem = next(p for p in result["plans"] if p["kind"] == "onprem")
    assert onprem["rank"] > 3, "the example must rank on-prem low for this test to mean much"
    fig = chart_figure(result, top=3, lines_top=2)
    try:
        bars, lines = fig.axes
        for ax in (bars, lines):
            legend = ax.get_legend()
            assert legend is not None
        kinds = {t.get_text() for t in bars.get_legend().get_texts()}
        assert kinds == {"cloud", "on-prem", "hybrid (on-prem + cloud burst)"}
        assert any(onprem["name"][:40] in t.get_text() for t in lines.get_legend().get_texts())
        assert any(onprem["name"][:40] in t.get_text() for t in bars.get_yticklabels())
        assert "(USD)" in bars.get_xlabel() and "(USD)" in lines.get_ylabel()
        fig.canvas.draw()
        ticks = [t.get_text() for t in lines.get_yticklabels() if t.get_text()]
        assert ticks and all(t.startswith(("$", "-$")) for t in ticks), ticks
        assert lines.get_xlabel() == "month"
    finally:
        plt.close(fig)


def _render(html: str, width: int, tmp_path: Path) -> tuple[dict, list[str]]:
    inner = html.replace("<head>", "<head>" + PROBE, 1)
    page = tmp_path / f"frame-{width}.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body style='margin:0'>"
        "<pre id='probe'></pre><iframe style='border:0;width:" + str(width) + "px;height:900px'"
        f" srcdoc=\"{escape(inner, quote=True)}\"></iframe><script>addEventListener('message',"
        "function(e){document.getElementById('probe').textContent=e.data;});</script>"
        "</body></html>")
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1400,1000",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r"<pre id=\"probe\">(.*?)</pre>", proc.stdout, re.S)
    assert found and found.group(1), f"no probe result; chromium said: {proc.stderr[-1500:]}"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")), console


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (scripts/test installs Debian's "
                    "chromium when run as root with apt)")
@pytest.mark.parametrize("width", [1024, 390])
def test_report_fits_laptop_and_phone_without_errors(cli: Cli, tmp_path: Path,
                                                     width: int) -> None:
    html, _ = _report(cli, PLANS[0], tmp_path)
    probe, console = _render(html, width, tmp_path)
    assert probe["width"] == width
    assert probe["scroll_width"] <= width, probe
    assert probe["wide"] == [], probe
    assert probe["errors"] == [] and console == [], (probe, console)
    assert probe["images"] and all(w > 0 for w in probe["images"]), "the chart did not decode"


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here")
def test_the_probe_sees_overflow_and_errors(tmp_path: Path) -> None:
    """The check above would pass vacuously if the probe saw nothing."""
    bad = ("<!doctype html><html><head></head><body><div style='width:2000px'>wide</div>"
           "<img src='missing.png'><script>console.error('boom')</script></body></html>")
    probe, _ = _render(bad, 390, tmp_path)
    assert probe["scroll_width"] > 390 and probe["wide"]
    assert "boom" in probe["errors"] and any("missing.png" in e for e in probe["errors"])


def test_format_html_prints_the_report(cli: Cli) -> None:
    code, out, _ = cli(["compare", str(PLANS[1]), "--format", "html"])
    assert code == 0 and out.startswith("<!doctype html>") and "<h2>Break-even</h2>" in out
    code, out, _ = cli(["compare", str(PLANS[1]), "--format", "markdown", "--limit", "2"])
    assert code == 0 and out.startswith("### ") and "| # | Kind | Plan |" in out
