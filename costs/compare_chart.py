"""The ``compare`` chart: total cost per plan, and cumulative cost month by month.

Both panels include the best plan of every kind (``compare_report.shown_plans``),
so on-prem is in every view: the bars show the cheapest ``top`` plans coloured by
kind, the lines the cheapest ``lines_top``, coloured and styled by kind with a
marker each. Legends on both; money on the axes in dollars (``$1.2M``).
"""

from __future__ import annotations

import io
from typing import Any

from ailab.costs.compare_report import KIND_LABELS, KINDS, cumulative, short_money, shown_plans

COLOURS = {"cloud": "#4c78a8", "onprem": "#f58518", "hybrid": "#54a24b"}
STYLES = {"cloud": "-", "onprem": "--", "hybrid": "-."}
MARKERS = ("o", "s", "^", "D", "v", "P")


def _label(plan: dict[str, Any], width: int = 58) -> str:
    name = f"#{plan['rank']} {plan['name']}"
    return name if len(name) <= width else name[: width - 1] + "…"


def chart_png(result: dict[str, Any], top: int = 8, lines_top: int = 3) -> bytes:
    """The chart as PNG bytes (matplotlib, Agg backend: no display needed)."""
    import matplotlib.pyplot as plt

    fig = chart_figure(result, top, lines_top)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def chart_figure(result: dict[str, Any], top: int = 8, lines_top: int = 3) -> Any:
    """The matplotlib figure (two axes: totals, cumulative); the caller closes it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    plans = shown_plans(result, top)
    dollars = FuncFormatter(lambda value, _pos: short_money(value))
    fig, (bars, lines) = plt.subplots(
        2, 1, figsize=(10, 4.2 + 0.32 * len(plans) + 4.0),
        gridspec_kw={"height_ratios": [max(2.0, 0.32 * len(plans)), 4.0]})
    names = [_label(p) for p in plans][::-1]
    bars.barh(names, [p["total_usd"] for p in plans][::-1],
              color=[COLOURS[p["kind"]] for p in plans][::-1])
    bars.xaxis.set_major_formatter(dollars)
    bars.set_xlabel(f"total cost over {result['horizon_months']} months (USD)")
    bars.tick_params(axis="y", labelsize=8)
    kinds = [k for k in KINDS if any(p["kind"] == k for p in plans)]
    bars.legend(handles=[Patch(color=COLOURS[k], label=KIND_LABELS[k]) for k in kinds],
                loc="upper right", fontsize=8, title="kind", title_fontsize=8)
    bars.set_title("Total cost per plan (cheapest at the top)", fontsize=10, loc="left")
    for i, plan in enumerate(shown_plans(result, lines_top)):
        running = cumulative(plan["monthly_usd"])
        lines.plot(range(1, len(running) + 1), running, STYLES[plan["kind"]],
                   color=COLOURS[plan["kind"]], marker=MARKERS[i % len(MARKERS)],
                   markersize=4, linewidth=1.6, label=_label(plan, 60))
    lines.yaxis.set_major_formatter(dollars)
    lines.xaxis.set_major_locator(MaxNLocator(integer=True))
    lines.set_xlabel("month")
    lines.set_ylabel("cumulative cost (USD)")
    lines.set_title("Cumulative cost by month (cheapest plans and the best of each kind)",
                    fontsize=10, loc="left")
    lines.legend(fontsize=7, loc="upper left", title="plan (colour and line style = kind)",
                 title_fontsize=7)
    lines.grid(alpha=0.3)
    fig.suptitle(result["plan"], fontsize=11)
    fig.tight_layout()
    return fig
