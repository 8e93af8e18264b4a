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
)
from ailab.cli.tables import Col
from ailab.core.errors import CatalogError, CatalogRefreshError

CLOUDS = ("aws", "gcp", "lambda", "nebius")
LIVE_CLOUDS = ("aws", "gcp", "all")


def show(
    gpu: Annotated[
        str | None, typer.Option("--gpu", help="Only this accelerator (any spelling).")
    ] = None,
    cloud: Annotated[str | None, typer.Option("--cloud", help="Only this cloud.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this region.")] = None,
    limit: options.Limit = 50,
    issues: Annotated[
        bool, typer.Option("--issues", help="Show what the catalog checks found when the "
                           "table was built (dropped rows, spot prices, outliers).")
    ] = False,
    as_json: options.Json = False,
    fmt: options.FormatTJ = None,
) -> None:
    """Show accelerator instance prices per region, with their source and date.

    --issues lists the build log instead (placeholders, duplicates, missing prices, spot
    above on-demand, cross-region outliers).
    """
    if cloud is not None and cloud not in CLOUDS:
        raise CatalogError(f"unknown cloud {cloud!r}; known: {', '.join(CLOUDS)}", field="cloud")
    as_json = options.output_format(as_json, fmt) is options.Format.json
    if issues:
        _show_issues(gpu, cloud, region, limit, as_json)
        return
    from ailab.costs.accelerators import canonical_name
    from ailab.costs.catalog import catalog_meta, with_accelerators

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
    if as_json:
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
            f"{r['price_usd_hr']:.4g}" + (" *" if r["note"] else ""),
            "" if r["spot_usd_hr"] != r["spot_usd_hr"] else f"{r['spot_usd_hr']:.4g}",
        )
        for r in rows.head(limit).to_dict("records")
    ]
    meta = catalog_meta()
    noted = int((rows.head(limit)["note"] != "").sum())
    print_table(
        f"{min(limit, len(rows))} of {len(rows)} rows",
        [Col("cloud", "name"), Col("instance", "name"), Col("gpu", "name"), Col("n", "num"),
         Col("region", "name"), Col("USD/h", "num"), Col("spot USD/h", "num")],
        table,
        footer=f"source: {meta.get('source')}, as of {rows['as_of'].min()}"
        + (f"; * {noted} rows carry a note from the catalog checks (see --json or --issues)"
           if noted else ""),
    )


def _show_issues(gpu: str | None, cloud: str | None, region: str | None, limit: int,
                 as_json: bool) -> None:
    """The build log of the table in use, filtered like the price rows."""
    from ailab.costs.catalog import build_log, catalog_meta

    log = build_log()
    if cloud is not None:
        log = log[log["cloud"] == cloud]
    if region is not None:
        log = log[log["region"] == region]
    if gpu is not None:
        log = log[log["instance_type"].str.contains(gpu, case=False, regex=False)]
    counts = {str(k): int(v) for k, v in log["check"].value_counts().sort_index().items()}
    if as_json:
        print_json({"meta": catalog_meta(), "counts": counts,
                    "issues": log.to_dict("records")}, "catalog-issues")
        return
    rows = [(r["check"], r["cloud"], r["instance_type"], r["region"], r["zone"], r["detail"],
             r["action"]) for r in log.head(limit).to_dict("records")]
    print_table(f"{min(limit, len(log))} of {len(log)} catalog issues",
                [Col("check", "name"), Col("cloud", "name"), Col("instance", "name"),
                 Col("region", "name"), Col("zone", "name"), Col("detail", "text"),
                 Col("action", "text")], rows,
                footer=", ".join(f"{k}: {v}" for k, v in counts.items()) or "no issues")


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
    cloud: Annotated[
        str, typer.Option("--cloud", help="Live source: aws (Price List API and spot price "
                          "history, needs AWS credentials), gcp (Cloud Billing Catalog API, "
                          "needs Google credentials) or all.")
    ] = "all",
    from_dir: Annotated[
        Path | None,
        typer.Option("--from-dir", help="SkyPilot-format catalog directory instead of live APIs."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the table "
                                  "here (default: the user data folder, which then takes "
                                  "precedence over the shipped table; see `ailab doctor`).")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Source label for --from-dir.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Snapshot date (default: today).")
    ] = None,
    as_json: options.Json = False,
) -> None:
    """Rebuild the price table from live AWS/GCP price APIs or a SkyPilot catalog directory.

    The table, its provenance and its build log are written whole or not at all, to
    the user data folder (never into the installed package) unless --output; nothing
    is written when a source is unreachable.
    """
    from ailab.costs.catalog import clear_cache, user_prices_path

    if cloud not in LIVE_CLOUDS:
        raise CatalogRefreshError(f"unknown source {cloud!r}; known: {', '.join(LIVE_CLOUDS)}",
                                  field="cloud")
    output_files(output=output)  # the default folder is made only once there is a table
    target = output or user_prices_path()
    with progress("rebuilding the price table"):
        if from_dir is not None:
            from ailab.costs.refresh import refresh_from_dir

            result = refresh_from_dir(input_file(from_dir), target, source, as_of)
        else:
            result = _refresh_live(target, cloud)
    clear_cache()
    if as_json:
        print_json(result, "catalog-refresh")
    else:
        note(
            f"wrote {result['rows']} rows to {result['output']} "
            f"({', '.join(f'{c}: {n}' for c, n in result['clouds'].items())}); checks: "
            + ", ".join(f"{k} {v}" for k, v in result["checks"].items())
        )


def _unreachable(what: str, exc: Exception, hint: str) -> CatalogRefreshError:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return CatalogRefreshError(
        f"live price sources unreachable ({what}: {type(exc).__name__}: {first[:120]})",
        hint=hint + ", or use --from-dir DIR with a SkyPilot catalog")


def _refresh_live(target: Path, cloud: str) -> dict[str, Any]:
    """AWS through boto3, GCP through google-cloud-billing; other clouds keep their rows.
    Any SDK, credential or network failure is one clear line and nothing is written."""
    from ailab.costs.catalog import load_prices
    from ailab.costs.refresh import write_refreshed

    table = load_prices().copy()
    sources = []
    if cloud in ("aws", "all"):
        table = _live_aws(table)
        sources.append("AWS Price List API and EC2 spot price history")
    if cloud in ("gcp", "all"):
        table = _live_gcp(table)
        sources.append("GCP Cloud Billing Catalog API")
    return write_refreshed(table, target, "; ".join(sources) + "; other rows unchanged")


def _live_aws(table: Any) -> Any:
    import boto3

    from ailab.costs.refresh import refresh_aws

    clients: dict[str, Any] = {}

    def ec2_for(region: str) -> Any:
        return clients.setdefault(region, boto3.client("ec2", region_name=region))

    try:
        pricing = boto3.client("pricing", region_name="us-east-1")
        return refresh_aws(table, pricing, ec2_for)
    except CatalogRefreshError:
        raise
    except Exception as exc:  # any SDK, credential or network failure
        raise _unreachable("AWS Price List", exc, "check network and AWS credentials") from None


def _live_gcp(table: Any) -> Any:
    from google.cloud import billing_v1

    from ailab.costs.refresh_gcp import refresh_gcp

    try:
        client = billing_v1.CloudCatalogClient()
        return refresh_gcp(table, lambda service: client.list_skus(parent=service))
    except CatalogRefreshError:
        raise
    except Exception as exc:  # any SDK, credential or network failure
        raise _unreachable("GCP Cloud Billing Catalog", exc,
                           "check network and Google application-default credentials "
                           "(`gcloud auth application-default login`)") from None


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
        "ailab catalog show --issues --cloud gcp",
        "ailab catalog show --gpu A100-80GB --json"))(show)
    group.command("accelerators", epilog=options.examples(
        "ailab catalog accelerators", "ailab catalog accelerators --json"))(accelerators_cmd)
    group.command("refresh", epilog=options.examples(
        "ailab catalog refresh --cloud aws            # live AWS prices, with credentials",
        "ailab catalog refresh --from-dir path/to/skypilot-catalog",
        "ailab catalog refresh --from-dir path/to/catalog -o out/prices.csv"))(refresh)
    app.add_typer(group, name="catalog")
