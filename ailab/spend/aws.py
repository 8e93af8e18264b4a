"""AWS: a stack's actual cost from Cost Explorer, grouped by service, per day.

The stack is found by its ``ailab:stack`` tag, which must be activated as a
cost-allocation tag in AWS Billing (once per account) before Cost Explorer
groups or filters by it. Each ``GetCostAndUsage`` request is billed (0.01 USD
per request, see ``REQUEST_USD``), so one month takes one request unless Cost
Explorer pages the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ailab.core import tags
from ailab.spend.records import SpendReport, SpendRow

METRIC = "UnblendedCost"
"""What the bill charges before credits are split across accounts (Cost Explorer's default)."""
REQUEST_USD = 0.01
"""Cost Explorer API price per request (https://aws.amazon.com/aws-cost-management/pricing/)."""


def cost_explorer_request(stack: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The GetCostAndUsage parameters for one stack's daily cost per service."""
    return {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "DAILY",
        "Metrics": [METRIC],
        "Filter": {"Tags": {"Key": tags.AWS.stack, "Values": [stack],
                            "MatchOptions": ["EQUALS"]}},
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
    }


def read_spend(client: Any, stack: str, start: dt.date, end: dt.date) -> SpendReport:
    """Every page of Cost Explorer's answer for ``stack`` as a ``SpendReport``."""
    request = cost_explorer_request(stack, start, end)
    report = SpendReport(stack=stack, cloud="aws", start=start, end=end, currency="USD",
                         source=f"AWS Cost Explorer GetCostAndUsage ({METRIC}, tag "
                                f"{tags.AWS.stack}={stack})")
    token: str | None = None
    currencies: set[str] = set()
    while True:
        page = client.get_cost_and_usage(**request, **({"NextPageToken": token} if token else {}))
        for period in page.get("ResultsByTime", []):
            day = dt.date.fromisoformat(period["TimePeriod"]["Start"])
            report.estimated |= bool(period.get("Estimated"))
            for group in period.get("Groups", []):
                cost = group["Metrics"][METRIC]
                currencies.add(cost.get("Unit", "USD"))
                report.rows.append(SpendRow(day, group["Keys"][0], float(cost["Amount"])))
        token = page.get("NextPageToken")
        if not token:
            break
    if len(currencies) == 1:
        report.currency = currencies.pop()
    return report
