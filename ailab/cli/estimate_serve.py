"""``ailab estimate serve``: replicas (fixed peak, autoscaled, spot) beside serverless.

JSON keys (stable): ``policies: [{name, replica_hours, cost_usd, overload_minutes,
saving_vs_peak_usd, saving_vs_peak_pct, ...}]`` (the replica options),
``replica`` (requests/s per replica and its source: given, table, calibration),
``serverless: [{name, platform, priced, cost_usd, cold_starts, overload_minutes,
uncertain, ...} | {name, platform, priced: false, reason}]``, ``break_even``,
``recommendation``, ``warnings``, ``price`` (with source and as_of) and a
downsampled ``timeline``. The contract is documented in ``costs/serve_report.py``,
the scenario format in ``costs/serve_scenario.py`` and examples/serve/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ailab.cli import options
from ailab.cli.common import (
    charts_ready,
    input_file,
    output_files,
    print_json,
    print_table,
    progress,
    write_file_with,
)
from ailab.cli.tables import Col


def register_estimate(group: typer.Typer) -> None:
    """Attach ``serve`` to the ``estimate`` group."""

    @group.command("serve", epilog=options.examples(
        "ailab estimate serve examples/serve/chat-l4-diurnal.yaml",
        "ailab estimate serve examples/serve/tiny-onnx-cpu.yaml --json",
        "ailab estimate serve examples/serve/batch-a100-csv.yaml --json --chart out/serve.png"))
    def serve(
        scenario: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                                 help="Serve scenario YAML.")],
        as_json: options.Json = False,
        fmt: options.FormatTJ = None,
        chart: options.Chart = None,
    ) -> None:
        """Cost of serving a demand profile: replicas (fixed peak, autoscaled, spot) and
        serverless platforms, with the break-even demand."""
        from ailab.core.errors import EstimateError, InputFileError
        from ailab.costs.serve_estimate import estimate_serve
        from ailab.costs.serve_report import serve_chart
        from ailab.costs.serve_scenario import load_serve_scenario

        out = options.output_format(as_json, fmt)
        output_files(chart=chart)
        path = input_file(scenario)
        sc, demand = load_serve_scenario(path)
        try:
            with progress(f"simulating {sc.name}"):
                est = estimate_serve(sc, demand)
        except EstimateError as exc:  # a scenario field: name it in the file
            if exc.field is None:
                raise
            raise InputFileError(str(path), exc.field, exc.problem, exc.hint) from None
        if chart is not None:
            charts_ready()
            write_file_with(chart, lambda tmp: serve_chart(est, tmp))
        data = est.as_dict()
        if out is options.Format.json:
            print_json(data, "estimate-serve")
            return
        _table(sc.name, data)


def _table(name: str, data: dict[str, Any]) -> None:
    rows = [(p["name"], f"{p['replica_hours']:,.1f} replica-h", f"${p['cost_usd']:,.2f}",
             f"{p['overload_minutes']:,.0f}", f"{p['saving_vs_peak_pct']:.1f}%")
            for p in data["policies"]]
    peak = data["policies"][0]["cost_usd"]
    for s in data["serverless"]:
        if s["priced"]:
            saving = 100 * (peak - s["cost_usd"]) / peak if peak else 0.0
            mark = " *" if s["uncertain"] else ""
            rows.append((s["name"] + mark, f"{s['cold_starts']:,.0f} cold starts",
                         f"${s['cost_usd']:,.2f}", f"{s['overload_minutes']:,.0f}",
                         f"{saving:.1f}%"))
        else:
            rows.append((s["name"], f"not priced: {s['reason']}", "", "", ""))
    price, replica, rec = data["price"], data["replica"], data["recommendation"]
    lines = [f"replica: {replica['requests_per_s']:,.4g} requests/s ({replica['source']}: "
             f"{replica['detail']})",
             f"prices: {price['source']} as of {price['as_of']}"]
    if any(s["priced"] and s["uncertain"] for s in data["serverless"]):
        lines.append("* uses prices or limits marked partial/unconfirmed (see --json: "
                     "serverless[].uncertain)")
    lines += [f"warning: {w}" for w in data["warnings"]]
    if rec:
        lines.append(f"recommendation: {rec['reason']}")
    print_table(f"{name}: {data['instance_type']} in {data['region']} over "
                f"{data['horizon_hours']:g} h",
                [Col("option", "name"), Col("usage", "text"), Col("cost", "num"),
                 Col("overload min", "num"), Col("saving vs peak", "num")], rows,
                footer="\n".join(lines))
