"""``ailab estimate storage``: object-storage tierings, month by month.

JSON keys (stable): ``tierings: [{name, kind, total_usd, monthly_usd: [...],
breakdown_usd, stack_config}]``, ``recommended: {name, total_usd,
saving_vs_standard_usd, stack_config, config_yaml}`` and ``prices`` (each with
source and as_of). The scenario format is documented in
``costs/storage_scenario.py`` and examples/storage/.
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
    """Attach ``storage`` to the ``estimate`` group."""

    @group.command("storage", epilog=options.examples(
        "ailab estimate storage examples/storage/training-data-s3.yaml",
        "ailab estimate storage examples/storage/logs-gcs.yaml --json --chart out/storage.png"))
    def storage(
        scenario: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                                 help="Storage scenario YAML.")],
        as_json: options.Json = False,
        fmt: options.FormatTJ = None,
        chart: options.Chart = None,
    ) -> None:
        """Cost of a bucket under Standard, lifecycle and managed tiering; the cheapest."""
        from ailab.costs.storage import estimate_storage, storage_chart
        from ailab.costs.storage_scenario import load_storage_scenario

        out = options.output_format(as_json, fmt)
        output_files(chart=chart)
        sc_in = load_storage_scenario(input_file(scenario))
        with progress(f"simulating {sc_in.name} month by month"):
            est = estimate_storage(sc_in)
        if chart is not None:
            charts_ready()
            write_file_with(chart, lambda tmp: storage_chart(est, tmp))
        if out is options.Format.json:
            print_json(est.as_dict(), "estimate-storage")
            return
        base = est.tierings[0].total_usd
        rows = [(("* " if p.name == est.recommended else "") + p.name, f"${p.total_usd:,.2f}",
                 f"${p.monthly_usd[-1]:,.2f}", f"${base - p.total_usd:,.2f}")
                for p in est.tierings]
        sc = est.scenario
        as_of = sorted({str(q["as_of"]) for q in est.prices.values()})
        uncertain = sorted(k for k, q in est.prices.items() if q.get("uncertain"))
        doubt = (f"; prices no independent source confirms: {', '.join(uncertain)}"
                 if uncertain else "")
        print_table(
            f"{sc.name}: {sc.cloud} {sc.region}, {sc.months} months",
            [Col("tiering", "name"), Col("total", "num"), Col("last month", "num"),
             Col("saving vs standard", "num")], rows,
            footer=f"prices as of {', '.join(as_of)}{doubt}; recommended ({est.recommended}), "
            "for stacks/Pulumi.<stack>.yaml:\n" + est.config_yaml().rstrip(),
        )
