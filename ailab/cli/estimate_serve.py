"""``ailab estimate serve``: autoscaled inference against peak provisioning.

JSON keys (stable): ``policies: [{name, replica_hours, cost_usd, overload_minutes,
saving_vs_peak_usd, saving_vs_peak_pct, ...}]``, ``price`` (with source and as_of)
and a downsampled ``timeline``. The scenario format is documented in
``costs/serve_scenario.py`` and examples/serve/.
"""

from __future__ import annotations

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
    write_file_with,
)
from ailab.cli.tables import Col


def register_estimate(group: typer.Typer) -> None:
    """Attach ``serve`` to the ``estimate`` group."""

    @group.command("serve", epilog=options.examples(
        "ailab estimate serve examples/serve/chat-l4-diurnal.yaml",
        "ailab estimate serve examples/serve/batch-a100-csv.yaml --json --chart out/serve.png"))
    def serve(
        scenario: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                                 help="Serve scenario YAML.")],
        as_json: options.Json = False,
        fmt: options.FormatTJ = None,
        chart: options.Chart = None,
    ) -> None:
        """Cost of serving a demand profile: fixed peak, autoscaled, autoscaled with spot."""
        from ailab.costs.serve import estimate_serve, serve_chart
        from ailab.costs.serve_scenario import load_serve_scenario

        out = options.output_format(as_json, fmt)
        output_files(chart=chart)
        sc, demand = load_serve_scenario(input_file(scenario))
        with progress(f"simulating {sc.name}"):
            est = estimate_serve(sc, demand)
        if chart is not None:
            charts_ready()
            write_file_with(chart, lambda tmp: serve_chart(est, tmp))
        data = est.as_dict()
        if out is options.Format.json:
            print_json(data, "estimate-serve")
            return
        rows = [(p["name"], f"{p['replica_hours']:,.1f}", f"${p['cost_usd']:,.2f}",
                 f"{p['overload_minutes']:,.0f}", f"{p['saving_vs_peak_pct']:.1f}%")
                for p in data["policies"]]  # type: ignore[attr-defined]
        price = data["price"]
        print_table(
            f"{sc.name}: {data['instance_type']} in {data['region']} "
            f"over {data['horizon_hours']:g} h",
            [Col("policy", "name"), Col("replica-hours", "num"), Col("cost", "num"),
             Col("overload min", "num"), Col("saving vs peak", "num")], rows,
            footer=f"prices: {price['source']} as of {price['as_of']}",  # type: ignore[index]
        )
