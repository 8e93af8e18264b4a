"""``ailab policy list``: the guardrail rules; helpers for ``ailab preview --policy``."""

from __future__ import annotations

from typing import Any

import typer

from ailab.cli import options
from ailab.cli.common import print_json, print_table
from ailab.cli.tables import Col
from ailab.core.errors import PolicyViolationError


def policy_list(
    json_out: options.Json = False,
    fmt: options.FormatTJ = None,
    category: str = typer.Option(None, "--category", help="Only rules of this category "
                                 "(security, network, data, finops)."),
) -> None:
    """List every guardrail rule: id, severity, enforcement and remediation.

    The same rules run in `pulumi preview --policy-pack policies/` and in
    `ailab preview STACK --policy`.
    """
    from ailab.core.errors import AilabError
    from ailab.guardrails.rule import load_rules

    rules = sorted(load_rules().values(), key=lambda r: (r.category, r.id))
    if category is not None:
        categories = sorted({r.category for r in rules})
        if category not in categories:
            raise AilabError(f"--category: {category!r} is unknown; valid: "
                             f"{', '.join(categories)}")
        rules = [r for r in rules if r.category == category]
    if options.output_format(json_out, fmt) is options.Format.json:
        print_json({"rules": [r.to_json() for r in rules]}, "policy-rules")
        return
    rows = [(r.id, r.category, r.severity.value, r.enforcement.value, r.remediation)
            for r in rules]
    print_table("ailab guardrails", [Col("id", "name"), Col("category", "name"),
                                     Col("severity", "name"), Col("enforcement", "name"),
                                     Col("remediation", "text")], rows,
                footer=f"{len(rules)} rules; run them with `ailab preview STACK --policy` "
                       "or `pulumi preview --policy-pack policies/`")


def evaluate_preview(inventory: Any) -> dict[str, Any]:
    """The ``policy`` document of ``ailab preview --policy``: summary and violations."""
    from ailab.guardrails.evaluate import evaluate_inventory, summary

    violations = evaluate_inventory(inventory)
    return {**summary(violations), "results": [v.to_json() for v in violations]}


def print_violations(stack: str, doc: dict[str, Any]) -> None:
    """The violations as a table (or one line when there are none)."""
    if not doc["results"]:
        typer.echo(f"policy: {stack} passes every guardrail")
        return
    rows = [(v["rule"], v["severity"], v["enforcement"], v["resource_name"] or "(stack)",
             v["message"], v["remediation"]) for v in doc["results"]]
    print_table(f"{stack} guardrail violations",
                [Col("rule", "name"), Col("severity", "name"), Col("enforcement", "name"),
                 Col("resource", "name"), Col("problem", "text"), Col("remediation", "text")],
                rows,
                footer=f"{doc['mandatory']} mandatory, {doc['advisory']} advisory")


def fail_on_mandatory(stack: str, doc: dict[str, Any]) -> None:
    """Raise PolicyViolationError (exit 1) when a mandatory rule fired."""
    if doc["mandatory"]:
        rules = sorted({v["rule"] for v in doc["results"] if v["enforcement"] == "mandatory"})
        raise PolicyViolationError(
            f"{stack}: {doc['mandatory']} mandatory guardrail violation(s): {', '.join(rules)}",
            hint="see each rule's remediation: ailab policy list")


def register(app: typer.Typer) -> None:
    """Add the ``policy`` group to the root app."""
    group = typer.Typer(help="Guardrail policies (security and FinOps rules).",
                        no_args_is_help=True, epilog=options.examples(
                            "ailab policy list", "ailab preview aws-gpu-lab --policy"))
    group.command("list", epilog=options.examples(
        "ailab policy list", "ailab policy list --category network",
        "ailab policy list --json"))(policy_list)
    app.add_typer(group, name="policy")
