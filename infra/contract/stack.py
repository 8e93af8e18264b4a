"""All contract checks over one stack's inventory, with what they validated."""

from __future__ import annotations

from dataclasses import dataclass, field

from ailab.core.inventory import Inventory
from ailab.infra.contract.aws_requests import check_aws
from ailab.infra.contract.gcp_shapes import check_gcp
from ailab.infra.contract.sdk_args import check_resource
from ailab.infra.provider_check import check_providers


@dataclass
class ContractReport:
    """Counts of what was checked, and every problem found (empty: ready)."""

    stack: str
    resources: int = 0
    """Custom resources (providers included) checked against their SDK argument class."""
    unchecked: list[str] = field(default_factory=list)
    """Custom resources no check covers (must stay empty)."""
    aws_resources: int = 0
    aws_requests: int = 0
    """AWS API requests validated against botocore's models."""
    gcp_shapes: int = 0
    """GCP machines, TPU slices and Filestore instances checked against the facts."""
    problems: list[str] = field(default_factory=list)


def check_stack(inv: Inventory) -> ContractReport:
    """Run every contract check over ``inv``."""
    report = ContractReport(inv.stack)
    for res in inv.custom():
        found = check_resource(res)
        if found is None:
            report.unchecked.append(res.name)
            continue
        report.resources += 1
        report.problems += [f"{p.resource}: {p.path}: {p.message}" for p in found]
    aws = check_aws(inv)
    report.aws_resources, report.aws_requests = aws.resources, len(aws.requests)
    report.problems += [f"{p.resource}: {p.operation}: {p.message}" for p in aws.problems]
    report.gcp_shapes, shapes = check_gcp(inv)
    report.problems += [f"{p.resource}: {p.message}" for p in shapes]
    report.problems += [f"{f.resource}: {f.message}" for f in check_providers(inv)]
    return report
