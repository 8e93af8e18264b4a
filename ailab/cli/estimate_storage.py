"""``ailab estimate storage``: object-storage tiering policies, month by month.

JSON keys (stable): ``policies: [{name, kind, total_usd, monthly_usd: [...],
breakdown_usd, stack_config}]``, ``recommended: {name, total_usd,
saving_vs_standard_usd, stack_config, config_yaml}`` and ``prices`` (each with
source and as_of). The scenario format is documented in
``costs/storage_scenario.py`` and examples/storage/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ailab.cli.common import print_json, print_table


def register_estimate(group: typer.Typer) -> None:
    """Attach ``storage`` to the ``estimate`` group."""

    @group.command("storage")
    def storage(
        scenario: Annotated[Path, typer.Argument(help="Storage scenario YAML.")],
        json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        chart: Annotated[
            Path | None, typer.Option("--chart", help="Write a PNG of cumulative cost.")
        ] = None,
    ) -> None:
        """Cost of a bucket under Standard, lifecycle and managed tiering; the cheapest."""
        from ailab.costs.storage import estimate_storage, storage_chart
        from ailab.costs.storage_scenario import load_storage_scenario

        est = estimate_storage(load_storage_scenario(scenario))
        if chart is not None:
            storage_chart(est, str(chart))
        if json_out:
            print_json(est.as_dict(), "estimate-storage")
            return
        base = est.policies[0].total_usd
        rows = [(("* " if p.name == est.recommended else "") + p.name, f"${p.total_usd:,.2f}",
                 f"${p.monthly_usd[-1]:,.2f}", f"${base - p.total_usd:,.2f}")
                for p in est.policies]
        sc = est.scenario
        as_of = sorted({str(q["as_of"]) for q in est.prices.values()})
        print_table(
            f"{sc.name}: {sc.cloud} {sc.region}, {sc.months} months",
            ["policy", "total", "last month", "saving vs standard"], rows,
            footer=f"prices as of {', '.join(as_of)}; recommended ({est.recommended}), "
            "for stacks/Pulumi.<stack>.yaml:\n" + est.config_yaml().rstrip(),
        )
