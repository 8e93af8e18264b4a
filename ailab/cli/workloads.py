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
from typing import Annotated, Any

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
        "ailab launch train-ddp --stack aws-h100-cluster --outputs out/outputs.json --yes"))(
        launch)
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
    stack: str = typer.Option(..., "--stack", help="Stack whose machines and network to use."),
    plan: str | None = typer.Option(None, "--plan", help="cheapest | fastest."),
    dry_run: options.DryRun = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Launch for real through "
                                      "SkyPilot (it costs money); without it, a dry run.")] = False,
    infra: str = typer.Option("cloud", "--infra",
                              help="cloud (the stack's own machines or network) | onprem | "
                                   "k8s | hybrid."),
    variant: str | None = typer.Option(None, "--variant", help="e.g. accelerate, deepspeed."),
    bucket: str | None = typer.Option(None, "--bucket", help="The lab bucket's real name."),
    outputs: Path | None = typer.Option(
        None, "--outputs", help="File with `pulumi stack output --json` (nodes, network, "
                                "bucket, file systems); a dry run without it previews the "
                                "stack offline."),
    nodes: int | None = typer.Option(None, "--nodes", help="Override the node count."),
    mount_mode: str | None = typer.Option(None, "--mount-mode",
                                          help="MOUNT | MOUNT_CACHED | COPY."),
    pool: str = typer.Option("ailab-onprem", "--pool", help="SSH node pool for --infra onprem."),
    ssh_user: str | None = typer.Option(None, "--ssh-user",
                                        help="Login on the stack's machines (AWS: ubuntu; "
                                             "GCP: your OS Login user)."),
    ssh_key: str = typer.Option("~/.ssh/id_ed25519", "--ssh-key",
                                help="Private key SkyPilot's SSH uses on the stack's machines."),
    ckpt_dir: str | None = typer.Option(None, "--ckpt-dir",
                                        help="Checkpoints on this shared file system path "
                                             "instead of the lab bucket."),
    stacks_dir: options.StacksDir = None,
    as_json: options.Json = False,
) -> None:
    """Build a workload's SkyPilot task for a stack's own machines; validate it, or launch
    it with --yes."""
    from ailab.infra.stacks import load_stack_spec
    from ailab.workloads.builder import BuildRequest, build, stack_facts
    from ailab.workloads.targets import AWS_SSH_USER, Access

    real = options.acts(dry_run, yes)
    outputs = input_file(outputs) if outputs is not None else None
    spec = load_stack_spec(stack, stacks_dir)
    facts = stack_facts(spec, outputs, stacks_dir)
    access = Access(ssh_user or (AWS_SSH_USER if spec.cloud == "aws" else "<os-login-user>"),
                    ssh_key)
    result = build(BuildRequest(workload, spec, plan=plan, variant=variant, infra=infra,
                                bucket=bucket, outputs=outputs, nodes=nodes,
                                mount_mode=mount_mode, pool=pool, facts=facts, access=access,
                                ckpt_dir=ckpt_dir))
    name = str(result.config["name"])
    if real:
        _real_launch(result, name, stack)
        return
    from ailab.workloads import skychecks, skyrun

    # SkyPilot prints progress to stdout; keep stdout for the task YAML alone.
    with progress("validating the task with SkyPilot, offline"), \
            contextlib.redirect_stdout(sys.stderr), skyrun.offline_sky():
        task_yaml = skyrun.validate(result.config, storage=result.bucket is not None)
        checked = _check_plan(result, skychecks)
    _report(result, name, task_yaml, checked, as_json)
    note("# dry run: nothing was launched; add --yes to launch for real")


def _check_plan(result: object, skychecks: Any) -> dict[str, Any]:
    """SkyPilot's own code on the launch plan: config schema, pool file, EFA count."""
    from ailab.workloads.builder import BuildResult

    assert isinstance(result, BuildResult)
    checked: dict[str, Any] = {}
    plan = result.launch
    if plan is None:
        return checked
    skychecks.check_config(plan.skypilot_config)
    if plan.pool:
        checked["pool_hosts"] = skychecks.check_pool(plan)
    if result.efa and result.facts is not None and result.facts.cloud == "aws":
        checked["efa"] = skychecks.skypilot_efa(result.efa["instance_type"],
                                                result.facts.region, plan.skypilot_config)
    return checked


def _real_launch(result: object, name: str, stack: str) -> None:
    from ailab.workloads import skylaunch
    from ailab.workloads.builder import BuildResult

    assert isinstance(result, BuildResult) and result.facts is not None
    if result.bucket is not None and not result.bucket_known:
        raise WorkloadError(f"bucket: the lab bucket of stack {stack!r} is not known; pass "
                            "--bucket NAME or --outputs FILE (pulumi stack output --json)")
    plan = result.launch
    if plan is not None and plan.target != "owned-first" and result.facts.offline:
        raise WorkloadError(f"outputs: a real launch needs the stack's outputs (machines, "
                            f"network); pass --outputs FILE (pulumi stack output --json "
                            f"--stack {stack})")
    files = skylaunch.write_plan(plan, stack) if plan is not None else None
    if plan is not None and files is not None and plan.pool:
        skylaunch.require_pool(plan, files)

    def report(line: str) -> None:
        typer.echo(f"# {line}", err=True)

    if files is None:
        from ailab.workloads import skyrun

        skyrun.launch(result.config, result.kind, name)
    else:
        report(f"SkyPilot config for this launch: {files.config} (project layer)")
        report(_pricing(result, dry=False)["note"])
        skylaunch.launch(result.config, result.kind, name, files, report)
    note(f"launched {result.workload} as {result.kind} {name}")


def _pricing(result: object, dry: bool) -> dict[str, Any]:
    """Where the price comes from, and which catalog SkyPilot prices with."""
    from ailab.workloads.builder import BuildResult

    assert isinstance(result, BuildResult)
    choice = result.choice
    info: dict[str, Any] = {"hourly_usd": choice.hourly_usd if choice else None,
                            "source": choice.source if choice else None,
                            "as_of": choice.as_of if choice else None}
    if result.launch is not None and result.launch.target == "pool":
        info["extra_hourly_usd"] = 0.0
        info["note"] = ("runs on machines the stack already bills; SkyPilot provisions "
                        "nothing")
    elif dry:
        info["note"] = ("SkyPilot priced from the same table: the dry run hands it a "
                        "catalog written from ailab's price table")
    else:
        info["note"] = ("SkyPilot prices and chooses with its own hosted catalog at launch; "
                        f"ailab's figure is from {info['source']} ({info['as_of']})")
    return info


def _report(result: object, name: str, task_yaml: str, checked: dict[str, Any],
            as_json: bool) -> None:
    from ailab.workloads.builder import BuildResult

    assert isinstance(result, BuildResult)
    choice = result.choice
    facts = result.facts
    info = {"workload": result.workload, "variant": result.variant, "kind": result.kind,
            "name": name, "bucket": result.bucket, "bucket_known": result.bucket_known,
            "instance_type": choice.instance_type if choice else None,
            "hourly_usd": choice.hourly_usd if choice else None,
            "spot": choice.spot if choice else None,
            "pricing": _pricing(result, dry=True),
            "stack_facts": facts.source if facts else None,
            "launch": result.launch.to_json() if result.launch else None,
            "efa": {**result.efa, "skypilot": checked.get("efa")} if result.efa else None,
            "mounts": [{"path": m.path, "kind": m.kind, "source": m.source}
                       for m in (facts.mounts if facts else ())],
            "notes": result.notes, "valid": True, "task_yaml": task_yaml}
    if as_json:
        print_json(info, "launch")
        return
    typer.echo(task_yaml, nl=False)
    # Notes go to stderr so that stdout stays a task YAML people can save.
    price = f", {choice.hourly_usd:.2f} USD/h ({choice.source} {choice.as_of})" if choice else ""
    where = f" on {choice.instance_type}" if choice else ""
    typer.echo(f"# valid {result.kind} task {name}{where}{price}", err=True)
    if result.launch is not None:
        typer.echo(f"# runs on: {result.launch.infra} ({result.launch.target})", err=True)
    if checked.get("efa"):
        efa = checked["efa"]
        typer.echo(f"# SkyPilot's code: {efa['attached_per_node']} EFA interfaces per node "
                   f"(max {efa['max_efa_interfaces']}, internal IPs "
                   f"{efa['use_internal_ips']})", err=True)
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
