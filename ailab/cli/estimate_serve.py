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

from ailab.cli.common import is_tty, print_json, print_table


def register_estimate(group: typer.Typer) -> None:
    """Attach ``serve`` to the ``estimate`` group."""

    @group.command("serve")
    def serve(
        scenario: Annotated[Path, typer.Argument(help="Serve scenario YAML.")],
        json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        chart: Annotated[
            Path | None, typer.Option("--chart", help="Write a PNG of demand and replicas.")
        ] = None,
    ) -> None:
        """Cost of serving a demand profile: fixed peak, autoscaled, autoscaled with spot."""
        from ailab.costs.serve import estimate_serve, serve_chart
        from ailab.costs.serve_scenario import load_serve_scenario

        sc, demand = load_serve_scenario(scenario)
        est = estimate_serve(sc, demand)
        if chart is not None:
            serve_chart(est, str(chart))
        data = est.as_dict()
        if json_out:
            print_json(data, "estimate-serve")
            return
        rows = [(p["name"], f"{p['replica_hours']:,.1f}", f"${p['cost_usd']:,.2f}",
                 f"{p['overload_minutes']:,.0f}", f"{p['saving_vs_peak_pct']:.1f}%")
                for p in data["policies"]]  # type: ignore[attr-defined]
        price = data["price"]
        print_table(
            f"{sc.name}: {data['instance_type']} in {data['region']} "
            f"over {data['horizon_hours']:g} h",
            ["policy", "replica-hours", "cost", "overload min", "saving vs peak"], rows,
            footer=f"prices: {price['source']} as of {price['as_of']}"  # type: ignore[index]
            + (f"; chart: {chart}" if chart is not None and is_tty() else ""),
        )
