"""``ailab catalog ...``: show the embedded price and accelerator tables, refresh prices."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ailab.cli import options
from ailab.cli.common import (
    input_file,
    note,
    output_files,
    print_json,
    print_table,
    progress,
    warn,
)
from ailab.cli.tables import Col
from ailab.core.errors import CatalogError, CatalogRefreshError

CLOUDS = ("aws", "gcp", "lambda", "nebius")


def _warn_if_stale() -> None:
    from ailab.costs.catalog import staleness_warning

    warning = staleness_warning()
    if warning:
        warn(warning)


def show(
    gpu: Annotated[
        str | None, typer.Option("--gpu", help="Only this accelerator (any spelling).")
    ] = None,
    cloud: Annotated[str | None, typer.Option("--cloud", help="Only this cloud.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this region.")] = None,
    limit: options.Limit = 50,
    as_json: options.Json = False,
    fmt: options.FormatTJ = None,
) -> None:
    """Show accelerator instance prices per region, with their source and date."""
    from ailab.costs.accelerators import canonical_name
    from ailab.costs.catalog import catalog_meta, with_accelerators

    if cloud is not None and cloud not in CLOUDS:
        raise CatalogError(f"--cloud: unknown cloud {cloud!r}; known: {', '.join(CLOUDS)}")
    rows = with_accelerators()
    if gpu is not None:
        rows = rows[rows["gpu"] == canonical_name(gpu)]
    if cloud is not None:
        rows = rows[rows["cloud"] == cloud]
    if region is not None:
        rows = rows[rows["region"] == region]
    if rows.empty:
        raise CatalogError(
            "no catalog rows match the filters",
            hint="try fewer filters; `ailab catalog accelerators` lists GPUs",
        )
    rows = rows.sort_values(["gpu", "cloud", "price_usd_hr"], kind="stable")
    _warn_if_stale()
    if options.output_format(as_json, fmt) is options.Format.json:
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        print_json({"meta": catalog_meta(), "rows": records}, "catalog")
        return
    table = [
        (
            r["cloud"],
            r["instance_type"],
            r["gpu"],
            f"{r['accelerator_count']:g}",
            r["region"],
            f"{r['price_usd_hr']:.4g}",
            "" if r["spot_usd_hr"] != r["spot_usd_hr"] else f"{r['spot_usd_hr']:.4g}",
        )
        for r in rows.head(limit).to_dict("records")
    ]
    meta = catalog_meta()
    print_table(
        f"{min(limit, len(rows))} of {len(rows)} rows",
        [Col("cloud", "name"), Col("instance", "name"), Col("gpu", "name"), Col("n", "num"),
         Col("region", "name"), Col("USD/h", "num"), Col("spot USD/h", "num")],
        table,
        footer=f"source: {meta.get('source')}, as of {meta.get('as_of')}",
    )


def accelerators_cmd(
    as_json: options.Json = False,
    fmt: options.FormatTJ = None,
) -> None:
    """Show the accelerator table: peak BF16 TFLOP/s, memory, interconnect, default MFU."""
    from ailab.costs.accelerators import specs_frame

    frame = specs_frame()
    if options.output_format(as_json, fmt) is options.Format.json:
        print_json({"accelerators": frame.to_dict("records")}, "accelerators")
        return
    rows = [
        (
            r["name"],
            f"{r['peak_bf16_tflops']:g}",
            f"{r['memory_gib']:g}",
            r["interconnect"],
            f"{r['default_mfu']:.2f}",
            r["source"],
        )
        for r in frame.to_dict("records")
    ]
    print_table("Accelerators", [Col("name", "name"), Col("TFLOP/s", "num"), Col("GiB", "num"),
                                 Col("interconnect", "text"), Col("MFU", "num"),
                                 Col("source", "id")], rows)


def refresh(
    from_dir: Annotated[
        Path | None,
        typer.Option("--from-dir", help="SkyPilot-format catalog directory instead of live APIs."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the table "
                                  "here (default: the user data folder, which then overrides "
                                  "the embedded table; see `ailab doctor`).")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Source label for --from-dir.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Snapshot date (default: today).")
    ] = None,
    as_json: options.Json = False,
) -> None:
    """Rebuild the price table from live AWS APIs or a SkyPilot-format catalog directory.

    The refreshed table goes to the user data folder (never into the installed
    package) and is used instead of the embedded one from then on.
    """
    from ailab.costs.catalog import clear_cache, user_prices_path
    from ailab.costs.refresh import refresh_from_dir

    target = output or user_prices_path()
    if output is None:
        target.parent.mkdir(parents=True, exist_ok=True)
    output_files(output=target)
    with progress("rebuilding the price table"):
        if from_dir is not None:
            result = refresh_from_dir(input_file(from_dir), target, source, as_of)
        else:
            result = _refresh_live(target)
    clear_cache()
    if as_json:
        print_json(result, "catalog-refresh")
    else:
        note(
            f"wrote {result['rows']} rows to {result['output']} "
            f"({', '.join(f'{c}: {n}' for c, n in result['clouds'].items())})"
        )


def _refresh_live(target: Path) -> dict[str, Any]:
    """AWS through boto3; other clouds keep their rows. Offline is one clear error."""
    import boto3

    from ailab.costs.catalog import load_prices
    from ailab.costs.refresh import refresh_aws, write_table

    base = load_prices().copy()
    clients: dict[str, Any] = {}

    def ec2_for(region: str) -> Any:
        return clients.setdefault(region, boto3.client("ec2", region_name=region))

    try:
        pricing = boto3.client("pricing", region_name="us-east-1")
        table = refresh_aws(base, pricing, ec2_for)
    except CatalogRefreshError:
        raise
    except Exception as exc:  # any SDK, credential or network failure: one line, nothing written
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise CatalogRefreshError(
            f"live price sources unreachable (AWS Price List: {type(exc).__name__}: {first[:120]})",
            hint="check network and AWS credentials, or use --from-dir DIR with a SkyPilot catalog",
        ) from None
    meta = {
        "source": "AWS Price List API and EC2 spot price history; other clouds unchanged",
        "as_of": str(table["as_of"].max()),
        "method": "ailab.costs.refresh.refresh_aws",
    }
    return write_table(table, target, meta)


def register(app: typer.Typer) -> None:
    """Attach the ``catalog`` group to the root app."""
    group = typer.Typer(
        help="Price and accelerator tables: show and refresh.", no_args_is_help=True,
        epilog=options.examples("ailab catalog show --gpu H100 --cloud aws",
                                "ailab catalog accelerators"),
    )
    group.command("show", epilog=options.examples(
        "ailab catalog show --gpu H100 --cloud aws",
        "ailab catalog show --gpu tpu-v5e --limit 5",
        "ailab catalog show --gpu A100-80GB --json"))(show)
    group.command("accelerators", epilog=options.examples(
        "ailab catalog accelerators", "ailab catalog accelerators --json"))(accelerators_cmd)
    group.command("refresh", epilog=options.examples(
        "ailab catalog refresh --from-dir path/to/skypilot-catalog",
        "ailab catalog refresh            # live AWS prices, with credentials",
        "ailab catalog refresh --from-dir path/to/catalog -o out/prices.csv"))(refresh)
    app.add_typer(group, name="catalog")
