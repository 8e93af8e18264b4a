"""``ailab estimate train``: what a training run costs, where, on-demand or spot.

The flags and the JSON keys (``total_flops``, ``gpu_hours``, ``wall_hours``,
``mfu``, ``plans``: ``{cloud, region, instance_type, nodes, spot, hourly_usd,
wall_hours, cost_usd}`` sorted by ``cost_usd``) are a stable contract: other
tools call this command. Added beside them: ``gpu_hours_p10``/``_p90``,
``wall_hours_p10``/``_p90``, ``dominant_assumption``, ``mfu_terms``, ``goodput``,
and per plan ``gpus_per_node``, ``fabric``, ``in_node``, ``gpu_hours``, ``mfu``,
``cost_usd_p10``/``_p90`` and ``warning``. The calibration file format is
documented in ``costs/training.py``; the efficiency model in
``costs/efficiency.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ailab.cli import options
from ailab.cli.common import console, input_file, print_json, print_table, progress
from ailab.cli.tables import Col
from ailab.core.errors import EstimateError

CLOUDS = ("aws", "gcp", "lambda", "nebius")


def _spot_policy(
    bucket: str,
    rate: float | None,
    ckpt_min: float | None,
    restart_min: float | None,
    interval_min: float | None,
) -> Any:
    from ailab.costs.spot import bucket_rate
    from ailab.costs.training_plans import SpotPolicy

    if rate is not None and rate < 0:
        raise EstimateError(f"--interruption-rate: must be >= 0, got {rate}")
    for flag, value in (
        ("--checkpoint-minutes", ckpt_min),
        ("--restart-minutes", restart_min),
        ("--checkpoint-interval-minutes", interval_min),
    ):
        if value is not None and value < 0:
            raise EstimateError(f"{flag}: must be >= 0, got {value}")
    if interval_min is not None and interval_min <= 0:
        raise EstimateError("--checkpoint-interval-minutes: must be > 0")
    return SpotPolicy(
        rate_per_instance_h=bucket_rate(bucket) if rate is None else rate,
        checkpoint_h=None if ckpt_min is None else ckpt_min / 60.0,
        restart_h=None if restart_min is None else restart_min / 60.0,
        interval_h=None if interval_min is None else interval_min / 60.0,
    )


def register_estimate(group: typer.Typer) -> None:
    """Attach ``train`` to the ``estimate`` group."""

    @group.command("train", epilog=options.examples(
        "ailab estimate train --params 7e9 --tokens 2e12 --gpu A100-80GB --gpus 1024 --spot "
        "--limit 10",
        "ailab estimate train --params 7e9 --tokens 2e12 --gpu H100 --gpus 256 --cloud aws "
        "--json",
        "ailab estimate train --params 671e9 --active-params 37e9 --tokens 14.8e12 --gpu H100 "
        "--gpus 2048 --precision fp8",
        "ailab estimate train --params 7e9 --tokens 2e12 --gpu H100 --gpus 64 "
        "--calibration out/bench/numpy-cpu.calibration.json"))
    def train(
        params: Annotated[float, typer.Option("--params", help="Model parameters, e.g. 7e9.")],
        tokens: Annotated[float, typer.Option("--tokens", help="Training tokens, e.g. 2e12.")],
        gpu: Annotated[str, typer.Option("--gpu", help="Accelerator: H100, A100-80GB, tpu-v5e...")],
        gpus: Annotated[int, typer.Option("--gpus", help="Accelerators to train on.")],
        mfu: Annotated[
            float | None, typer.Option("--mfu", help="Model FLOPs utilisation (0-1].")
        ] = None,
        calibration: Annotated[
            Path | None,
            typer.Option("--calibration", help="JSON file from a measured run (replaces the MFU)."),
        ] = None,
        spot: Annotated[
            bool, typer.Option("--spot", help="Also price spot plans with restarts.")
        ] = False,
        cloud: Annotated[str | None, typer.Option("--cloud", help="Only this cloud.")] = None,
        region: Annotated[str | None, typer.Option("--region", help="Only this region.")] = None,
        layers: Annotated[
            int | None, typer.Option("--layers", help="Layers (attention FLOPs).")
        ] = None,
        seq_len: Annotated[int | None, typer.Option("--seq-len", help="Sequence length.")] = None,
        d_model: Annotated[int | None, typer.Option("--d-model", help="Hidden size.")] = None,
        active_params: Annotated[
            float | None,
            typer.Option("--active-params",
                         help="Parameters each token uses (mixture-of-experts), e.g. 37e9."),
        ] = None,
        precision: Annotated[
            str, typer.Option("--precision", help="bf16, fp16 or fp8 (FP8 GEMMs).")
        ] = "bf16",
        allow_slow_network: Annotated[
            bool,
            typer.Option("--allow-slow-network",
                         help="Also price multi-node plans on types without a fabric "
                              "(penalised, with a warning)."),
        ] = False,
        bucket: Annotated[
            str,
            typer.Option(
                "--interruption-bucket",
                help="Spot Advisor bucket: <5%, 5-10%, 10-15%, 15-20%, >20%.",
            ),
        ] = "5-10%",
        rate: Annotated[
            float | None,
            typer.Option(
                "--interruption-rate", help="Interruptions per instance-hour (overrides bucket)."
            ),
        ] = None,
        ckpt_min: Annotated[
            float | None, typer.Option("--checkpoint-minutes", help="Time to write a checkpoint.")
        ] = None,
        restart_min: Annotated[
            float | None,
            typer.Option("--restart-minutes", help="Time to resume after an interruption."),
        ] = None,
        interval_min: Annotated[
            float | None,
            typer.Option(
                "--checkpoint-interval-minutes", help="Fixed interval (default: Daly optimum)."
            ),
        ] = None,
        limit: options.Limit = 15,
        as_json: options.Json = False,
        fmt: options.FormatTJ = None,
    ) -> None:
        """Estimate FLOPs, GPU-hours, wall time and cost of a training run in every region.

        Plans are clusters that could run the job: more than one node only on
        types with a fabric.
        """
        from ailab.costs.training import TrainingJob, load_calibration
        from ailab.costs.training_estimate import estimate_training

        if cloud is not None and cloud not in CLOUDS:
            raise EstimateError(f"--cloud: unknown cloud {cloud!r}; known: {', '.join(CLOUDS)}")
        out = options.output_format(as_json, fmt)
        job = TrainingJob(params, tokens, layers, seq_len, d_model, active_params, precision)
        cal = load_calibration(input_file(calibration)) if calibration is not None else None
        policy = _spot_policy(bucket, rate, ckpt_min, restart_min, interval_min) if spot else None
        with progress(f"pricing {gpus} x {gpu} in every region"):
            result = estimate_training(
                job, gpu, gpus, mfu=mfu, calibration=cal, spot=policy, cloud=cloud,
                region=region, allow_slow_network=allow_slow_network,
            )
        if out is options.Format.json:
            print_json(result, "estimate-train")
        else:
            _print(result, limit)


def _print(result: dict[str, Any], top: int) -> None:
    console().print(
        f"{result['params']:.3g} params ({result['active_params']:.3g} active) x "
        f"{result['tokens']:.3g} tokens on {result['gpus']} x {result['gpu']}: "
        f"{result['total_flops']:.3g} FLOPs\n"
        f"{result['gpu_hours']:,.0f} GPU-hours (P10-P90 {result['gpu_hours_p10']:,.0f}-"
        f"{result['gpu_hours_p90']:,.0f}), {result['wall_hours']:,.1f} h wall "
        f"({result['wall_hours_p10']:,.1f}-{result['wall_hours_p90']:,.1f}) on "
        f"{result['nodes']} x {result['gpus_per_node']} GPUs over {result['fabric']} "
        f"({result['reference_instance_type']})\n"
        f"MFU {result['mfu']:.3f} ({result['mfu_source']}) x goodput {result['goodput']:.3f}; "
        f"the range is dominated by: {result['dominant_assumption_label']}\n"
        f"memory needs >= {result['min_gpus']} GPUs"
    )
    rows = [
        (
            p["cloud"],
            _regions(p, count),
            p["instance_type"],
            p["nodes"],
            p["gpus_per_node"],
            p["fabric"] + (" (!)" if p["warning"] else ""),
            "spot" if p["spot"] else "od",
            f"{p['hourly_usd']:,.2f}",
            f"{p['wall_hours']:,.1f}",
            f"{p['cost_usd']:,.0f}",
            f"{p['cost_usd_p10']:,.0f}-{p['cost_usd_p90']:,.0f}",
        )
        for p, count in _distinct(result["plans"])[:top]
    ]
    plans = result["plans"]
    footer = f"prices: {plans[0]['source']} as of {plans[0]['as_of']}" if plans else None
    warned = next((p["warning"] for p in plans if p["warning"]), "")
    if warned:
        footer = f"(!) {warned}; {footer}"
    print_table(
        f"Cheapest {len(rows)} of {len(plans)} plans (identical plans in other regions folded)",
        [Col("cloud", "name"), Col("region", "text"), Col("instance", "name"),
         Col("nodes", "num"), Col("GPUs/node", "num"), Col("fabric", "name"), Col("buy", "name"),
         Col("USD/h", "num"), Col("wall h", "num"), Col("cost USD", "num"),
         Col("P10-P90 USD", "num")],
        rows,
        footer=footer,
    )


def _key(plan: dict[str, Any]) -> tuple[Any, ...]:
    return (plan["cloud"], plan["instance_type"], plan["nodes"], plan["spot"],
            round(plan["cost_usd"], 2))


def _distinct(plans: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """The first of each run of plans identical but for the region, with how many there are."""
    out: list[tuple[dict[str, Any], int]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for plan in plans:
        key = _key(plan)
        if key in seen:
            first, count = out[seen[key]]
            out[seen[key]] = (first, count + 1)
            continue
        seen[key] = len(out)
        out.append((plan, 1))
    return out


def _regions(plan: dict[str, Any], count: int) -> str:
    return plan["region"] if count == 1 else f"{plan['region']} +{count - 1}"
