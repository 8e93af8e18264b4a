"""Every AWS resource of a stack as the API requests its provider sends, each
validated against botocore's model, plus the API rules the model does not state.

``check_aws`` translates each custom AWS resource (``aws_ec2``, ``aws_services``;
a type without a translator is itself a finding, so a new resource type cannot
slip past), validates every request (``botocore_check``) and applies the rules
AWS documents outside the model:

- EC2 user data is at most 16 KB before base64 (EC2 User Guide, "Instance user data");
- an alarm with an EC2 action watches one metric whose only dimension is
  ``InstanceId`` (CloudWatch answers "An EC2 action can only be used if the alarm
  is monitoring an EC2 instance"; metric math cannot carry one);
- an alarm with periods under an hour evaluates at most one day
  (``PutMetricAlarm``: Period x EvaluationPeriods);
- IAM policy documents are JSON with a Version and Statement list;
- dashboards, Fargate task sizes, container secrets and RDS deletes follow their
  documented rules (``aws_observability``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from ailab.core.inventory import Inventory, Resource
from ailab.infra.contract import (  # noqa: F401  (register translators)
    aws_ec2,
    aws_observability,
    aws_services,
)
from ailab.infra.contract.aws_common import TRANSLATORS, Context, real_ids, with_real_ids
from ailab.infra.contract.botocore_check import Request, RequestProblem, validate

USER_DATA_MAX = 16 * 1024
EC2_ACTION_PREFIX = "arn:aws:automate:"
ONE_DAY_S = 86400


@dataclass
class AwsReport:
    """What the AWS contract check looked at and what it found."""

    resources: int = 0
    requests: list[tuple[str, Request]] = field(default_factory=list)
    problems: list[RequestProblem] = field(default_factory=list)


def translate(res: Resource, ctx: Context) -> list[Request]:
    """The requests creating ``res`` (KeyError: no translator for its type)."""
    return TRANSLATORS[res.type](res, ctx)


def check_aws(inv: Inventory, account_id: str = "123456789012") -> AwsReport:
    """Translate and validate every custom AWS resource of ``inv``."""
    ctx = Context(inv, inv.region, account_id)
    ids = real_ids(inv)
    report = AwsReport()
    for res in inv.custom():
        if not res.type.startswith("aws:"):
            continue
        report.resources += 1
        if res.type not in TRANSLATORS:
            report.problems.append(RequestProblem(res.name, res.type, "no API translation "
                                                  "for this type (infra/contract/aws_*.py)"))
            continue
        try:
            requests = translate(res, ctx)
        except (ValueError, KeyError, TypeError) as exc:
            report.problems.append(RequestProblem(res.name, res.type, f"cannot translate: {exc}"))
            continue
        for service, operation, params in requests:
            request = (service, operation, with_real_ids(params, ids))
            report.requests.append((res.name, request))
            report.problems += validate(res.name, request) + api_rules(res.name, request)
    return report


def api_rules(resource: str, request: Request) -> list[RequestProblem]:
    """The documented API rules botocore's model does not carry."""
    service, operation, params = request
    where = f"{service}.{operation}"
    messages: list[str] = []
    if operation in ("RunInstances", "CreateLaunchTemplate"):
        data = params.get("UserData") or params.get("LaunchTemplateData", {}).get("UserData")
        messages += _user_data(data)
    if operation == "PutMetricAlarm":
        messages += _alarm(params)
    if service == "iam" and operation in ("CreateRole", "PutRolePolicy"):
        messages += _policy(params.get("AssumeRolePolicyDocument")
                            or params.get("PolicyDocument"))
    messages += aws_observability.api_rules(request)
    return [RequestProblem(resource, where, m) for m in messages]


def _user_data(data: str | None) -> list[str]:
    if data is None:
        return []
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return ["UserData is not base64"]
    return [f"UserData is {len(raw)} bytes; EC2 takes at most {USER_DATA_MAX}"] \
        if len(raw) > USER_DATA_MAX else []


def _alarm(params: dict[str, Any]) -> list[str]:
    found = []
    if any(str(a).startswith(EC2_ACTION_PREFIX) for a in params.get("AlarmActions") or []):
        dims = [d["Name"] for d in params.get("Dimensions") or []]
        if "MetricName" not in params or dims != ["InstanceId"]:
            found.append("an EC2 action needs a single-metric alarm whose only dimension is "
                         f"InstanceId (got metric {params.get('MetricName')!r}, dims {dims})")
    period, count = params.get("Period") or 0, params.get("EvaluationPeriods") or 0
    if period and period < 3600 and period * count > ONE_DAY_S:
        found.append(f"Period x EvaluationPeriods = {period * count} s; at most {ONE_DAY_S} s "
                     "for periods under an hour")
    return found


def _policy(document: str | None) -> list[str]:
    try:
        doc = json.loads(document or "")
    except json.JSONDecodeError as exc:
        return [f"policy document is not JSON: {exc}"]
    if doc.get("Version") != "2012-10-17" or not isinstance(doc.get("Statement"), list):
        return ["policy document needs Version 2012-10-17 and a Statement list"]
    return []
