"""``ailab workloads``, ``ailab launch`` and ``ailab bench report``.

``launch`` is a dry run unless ``--yes`` (like ``janitor clean``): it validates
the task offline and prints it. SkyPilot is imported inside ``launch`` only, and
for a dry run only after the offline sandbox (throw-away SkyPilot state, local
catalog, AWS behind moto) is in place, so a dry run never starts an API server
nor touches the user's ``~/.sky`` or cloud account.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from ailab.cli import options
from ailab.cli.common import (
    charts_ready,
    input_file,
    note,
    output_files,
    print_json,
    print_table,
    progress,
    write_file_with,
)
from ailab.cli.tables import Col
from ailab.core.errors import WorkloadError

bench_app = typer.Typer(help="Benchmark results: speed-up and cost per epoch.",
                        no_args_is_help=True, epilog=options.examples(
                            "ailab bench report bench/results/numpy-cpu-amd-epyc.results.json"))


def register(app: typer.Typer) -> None:
    app.command("workloads", epilog=options.examples(
        "ailab workloads", "ailab workloads --json"))(workloads)
    app.command("launch", epilog=options.examples(
        "ailab launch train-ddp --stack aws-h100-cluster              # dry run: the task YAML",
        "ailab launch train-spot --stack aws-spot-pool --plan cheapest",
        "ailab launch serve --variant vllm --stack aws-spot-pool --plan fastest --json",
        "ailab launch train-ddp --stack aws-h100-cluster --outputs outputs.json --yes"))(launch)
    app.add_typer(bench_app, name="bench")


def workloads(as_json: options.Json = False, fmt: options.FormatTJ = None) -> None:
    """List the workloads `ailab launch` can start."""
    from ailab.workloads.registry import WORKLOADS

    rows = [{"name": w.name, "kind": w.kind, "variants": w.variants,
             "description": w.description} for w in WORKLOADS.values()]
    if options.output_format(as_json, fmt) is options.Format.json:
        print_json({"workloads": rows}, "workloads")
        return
    print_table("Workloads", [Col("name", "name"), Col("runs as", "name"),
                              Col("variants", "text"), Col("what", "text")],
                [(r["name"], r["kind"], ", ".join(r["variants"]), r["description"])
                 for r in rows])


def launch(
    workload: str = typer.Argument(..., help="Workload name (see `ailab workloads`)."),
    stack: str = typer.Option(..., "--stack", help="Stack whose outputs and types to use."),
    plan: str | None = typer.Option(None, "--plan", help="cheapest | fastest."),
    dry_run: options.DryRun = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Launch for real through "
                                      "SkyPilot (it costs money); without it, a dry run.")] = False,
    infra: str = typer.Option("cloud", "--infra", help="cloud | onprem | k8s | hybrid."),
    variant: str | None = typer.Option(None, "--variant", help="e.g. accelerate, deepspeed."),
    bucket: str | None = typer.Option(None, "--bucket", help="The lab bucket's real name."),
    outputs: Path | None = typer.Option(
        None, "--outputs", help="File with `pulumi stack output --json` (key: bucket)."),
    nodes: int | None = typer.Option(None, "--nodes", help="Override the node count."),
    mount_mode: str | None = typer.Option(None, "--mount-mode",
                                          help="MOUNT | MOUNT_CACHED | COPY."),
    pool: str = typer.Option("ailab-onprem", "--pool", help="SSH node pool for --infra onprem."),
    stacks_dir: Path | None = typer.Option(None, "--stacks-dir", help="Folder of stack files."),
    as_json: options.Json = False,
) -> None:
    """Build a workload's SkyPilot task from a stack and a plan; validate it, or launch it
    with --yes."""
    from ailab.infra.stacks import load_stack_spec
    from ailab.workloads import skyrun
    from ailab.workloads.builder import BuildRequest, build

    real = options.acts(dry_run, yes)
    spec = load_stack_spec(stack, stacks_dir)
    result = build(BuildRequest(workload, spec, plan=plan, variant=variant, infra=infra,
                                bucket=bucket,
                                outputs=input_file(outputs) if outputs else None,
                                nodes=nodes, mount_mode=mount_mode, pool=pool))
    name = str(result.config["name"])
    if real:
        if result.bucket is not None and not result.bucket_known:
            raise WorkloadError(f"bucket: the lab bucket of stack {stack!r} is not known; pass "
                                "--bucket NAME or --outputs FILE (pulumi stack output --json)")
        skyrun.launch(result.config, result.kind, name)
        note(f"launched {workload} as {result.kind} {name}")
        return
    # SkyPilot prints progress to stdout; keep stdout for the task YAML alone.
    with progress("validating the task with SkyPilot, offline"), \
            contextlib.redirect_stdout(sys.stderr), skyrun.offline_sky():
        task_yaml = skyrun.validate(result.config, storage=result.bucket is not None)
    _report(result, name, task_yaml, as_json)
    note("# dry run: nothing was launched; add --yes to launch for real")


def _report(result: object, name: str, task_yaml: str, as_json: bool) -> None:
    from ailab.workloads.builder import BuildResult

    assert isinstance(result, BuildResult)
    choice = result.choice
    info = {"workload": result.workload, "variant": result.variant, "kind": result.kind,
            "name": name, "bucket": result.bucket, "bucket_known": result.bucket_known,
            "instance_type": choice.instance_type if choice else None,
            "hourly_usd": choice.hourly_usd if choice else None,
            "spot": choice.spot if choice else None, "notes": result.notes,
            "valid": True, "task_yaml": task_yaml}
    if as_json:
        print_json(info, "launch")
        return
    typer.echo(task_yaml, nl=False)
    # Notes go to stderr so that stdout stays a task YAML people can save.
    price = f", {choice.hourly_usd:.2f} USD/h ({choice.source} {choice.as_of})" if choice else ""
    where = f" on {choice.instance_type}" if choice else ""
    typer.echo(f"# valid {result.kind} task {name}{where}{price}", err=True)
    for line in result.notes:
        typer.echo(f"# {line}", err=True)
    if result.bucket is not None and not result.bucket_known:
        typer.echo(f"# bucket {result.bucket} is a placeholder: pass --bucket or --outputs "
                   "for a real launch", err=True)


@bench_app.command("report", epilog=options.examples(
    "ailab bench report bench/results/numpy-cpu-amd-epyc.results.json",
    "ailab bench report out/bench/*.results.json --chart out/bench.png --json"))
def report(
    results: list[Path] = typer.Argument(
        ..., metavar="RESULTS...", help="Results files (python -m ailab.workloads.bench)."),
    cloud: str = typer.Option("aws", "--cloud", help="Cloud whose prices to use."),
    region: str = typer.Option("us-east-1", "--region", help="Region whose prices to use."),
    cpu_instance: str = typer.Option("m7i.2xlarge", "--cpu-instance",
                                     help="Instance type that prices CPU results."),
    chart: options.Chart = None,
    as_json: options.Json = False,
    fmt: options.FormatTJ = None,
) -> None:
    """Speed-up and cost per epoch of benchmark results, priced from the catalog."""
    from ailab.workloads.bench.report import build_report, draw_chart
    from ailab.workloads.bench.results import load_results

    out = options.output_format(as_json, fmt)
    output_files(chart=chart)
    loaded = [(p, load_results(input_file(p))) for p in results]
    rows = build_report(loaded, cloud=cloud, region=region, cpu_instance=cpu_instance)
    if chart is not None:
        charts_ready()
        write_file_with(chart, lambda tmp: draw_chart(rows, Path(tmp)))
    if out is options.Format.json:
        print_json({"rows": [r.as_dict() for r in rows],
                    "chart": str(chart) if chart else None}, "bench-report")
        return
    print_table("Benchmark: time and cost per epoch",
                [Col("model", "name"), Col("hardware", "text"), Col("backend", "name"),
                 Col("s/epoch", "num"), Col("speed-up", "num"), Col("tokens/s", "num"),
                 Col("MFU", "num"), Col("instance", "name"), Col("USD/h", "num"),
                 Col("USD/epoch", "num")],
                [(r.model, r.hardware, r.backend, f"{r.time_per_epoch_s:,.1f}",
                  f"{r.speedup:.2f}x", f"{r.tokens_per_s:,.0f}" if r.tokens_per_s else "",
                  f"{r.mfu:.3f}" if r.mfu is not None else "", r.instance_type,
                  f"{r.hourly_usd:.3f}", f"{r.cost_per_epoch_usd:.4f}") for r in rows],
                footer=f"prices: {rows[0].price_source}" if rows else None)
