"""Monthly AWS Budget over the stack's cost-allocation tag, with e-mail alerts."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.spec import BudgetSpec


@dataclass
class LabBudgetArgs:
    """Inputs of the lab budget."""

    stack: str
    spec: BudgetSpec


class LabBudget(pulumi.ComponentResource):
    """Alerts by e-mail when actual spend passes each threshold of the budget."""

    def __init__(self, name: str, args: LabBudgetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:LabBudget", name, None, opts)
        budget = aws.budgets.Budget(
            f"{name}-budget", budget_type="COST", time_unit="MONTHLY",
            limit_amount=f"{args.spec.monthly_usd:.2f}", limit_unit="USD",
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:ailab:stack${args.stack}"]}],
            notifications=[{"comparison_operator": "GREATER_THAN", "threshold": pct,
                            "threshold_type": "PERCENTAGE", "notification_type": "ACTUAL",
                            "subscriber_email_addresses": list(args.spec.emails)}
                           for pct in args.spec.thresholds],
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"budget_name": budget.name})
