"""``ailab doctor``: per cloud and tool, what is configured, what is missing, how to fix it.

Like ``sky check``, but offline: it reads the environment and the SDKs' own
configuration files and never contacts a cloud (``ailab.cli.doctor_checks``).
Exit 0 when nothing is broken (a cloud you do not use may be "missing"), 1 when
a check found a broken setting (a profile that does not exist, a credentials
file that is not there).
"""

from __future__ import annotations

import textwrap

import typer

from ailab.cli import options
from ailab.cli.common import console, print_json

READY = {"aws": ("credentials", "region", "aws extra"),
         "gcp": ("credentials", "project", "gcp extra"),
         "skypilot": ("sky extra",),
         "pulumi": ("CLI",)}
"""What must be ok for each area to be ready."""


def summary(checks: list) -> dict[str, bool]:
    """Area -> ready (every check it needs is ok)."""
    by = {(c.area, c.item): c.status for c in checks}
    return {area: all(by.get((area, item)) == "ok" for item in items)
            for area, items in READY.items()}


def doctor(as_json: options.Json = False, fmt: options.FormatTJ = None) -> None:
    """Check clouds, tools and the project: configured, missing, and how to fix it (offline)."""
    from ailab.cli.doctor_checks import all_checks

    checks = all_checks()
    ready = summary(checks)
    broken = [c for c in checks if c.status == "error"]
    if options.output_format(as_json, fmt) is options.Format.json:
        print_json({"checks": [c.to_json() for c in checks], "ready": ready}, "doctor")
    else:
        typer.echo(report_text(checks, ready, console().width))
    if broken:
        raise typer.Exit(1)


TITLES = {"aws": "AWS", "gcp": "GCP", "skypilot": "SkyPilot", "pulumi": "Pulumi",
          "project": "Project", "prices": "Price tables"}


def report_text(checks: list, ready: dict[str, bool], width: int) -> str:
    """Sections per area, one check a line (wrapped with a hanging indent), fixes below."""
    out = ["ailab doctor (offline: no cloud was contacted)"]
    item_width = max(len(c.item) for c in checks)
    indent = 2 + 8 + 1 + item_width + 2
    text_width = max(20, width - indent)
    for area in dict.fromkeys(c.area for c in checks):
        state = "" if area not in ready else (": ready" if ready[area] else ": not ready")
        out += ["", f"{TITLES.get(area, area)}{state}"]
        for c in (c for c in checks if c.area == area):
            lines = textwrap.wrap(c.detail, text_width) or [""]
            if c.fix:
                lines += textwrap.wrap(f"fix: {c.fix}", text_width)
            out.append(f"  {c.status:<8} {c.item:<{item_width}}  {lines[0]}")
            out += [" " * indent + line for line in lines[1:]]
    return "\n".join(out)


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to the root app."""
    app.command("doctor", epilog=options.examples(
        "ailab doctor", "ailab doctor --json", "AWS_PROFILE=lab ailab doctor"))(doctor)
