"""Monthly billing budget over the lab's project and ``ailab-stack`` label, with
threshold alerts to the billing admins and, when given, e-mail channels."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.services import child_options, invoke_options
from ailab.infra.gcp.spec import BudgetSpec


@dataclass
class LabBudgetArgs:
    """Inputs of the lab budget."""

    spec: BudgetSpec
    project: str
    stack_label: str
    """Value of the ``ailab-stack`` label the budget filters on."""
    labels: dict[str, str] = field(default_factory=dict)


class LabBudget(pulumi.ComponentResource):
    """Billing budget + one monitoring e-mail channel per address."""

    def __init__(self, name: str, args: LabBudgetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:LabBudget", name, None, opts)
        child = child_options(self, opts)
        spec = args.spec
        channels = [gcp.monitoring.NotificationChannel(
            f"{name}-email-{i}", type="email", display_name=f"ailab budget {email}",
            labels={"email_address": email}, user_labels=args.labels, opts=child)
            for i, email in enumerate(spec.emails)]
        project = gcp.organizations.get_project_output(project_id=args.project,
                                                       opts=invoke_options(self, opts))
        self.budget = gcp.billing.Budget(
            f"{name}-budget", billing_account=spec.billing_account,
            display_name=f"ailab {args.stack_label}"[:60],
            budget_filter={"projects": [project.number.apply(lambda n: f"projects/{n}")],
                           "labels": {"ailab-stack": args.stack_label},
                           "calendar_period": "MONTH"},
            amount={"specified_amount": {"currency_code": "USD",
                                         "units": str(spec.monthly_usd)}},
            threshold_rules=[{"threshold_percent": pct / 100, "spend_basis": "CURRENT_SPEND"}
                             for pct in spec.thresholds],
            all_updates_rule={"monitoring_notification_channels": [c.id for c in channels],
                              "disable_default_iam_recipients": False},
            opts=child)
        self.register_outputs({"budget": self.budget.name})
