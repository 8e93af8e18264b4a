"""Idle auto-stop at the infrastructure level: one CloudWatch alarm per GPU
instance whose action stops the instance after a window of low CPU."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.spec import AutoStopSpec

PERIOD_S = 300


@dataclass
class IdleAutoStopArgs:
    """Inputs of the auto-stop alarms."""

    instance_ids: Sequence[pulumi.Input[str]]
    region: str
    spec: AutoStopSpec
    tags: dict[str, str] = field(default_factory=dict)


class IdleAutoStop(pulumi.ComponentResource):
    """Stops each instance when its CPU stays below the threshold for the window."""

    def __init__(self, name: str, args: IdleAutoStopArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:IdleAutoStop", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        periods = max(1, args.spec.minutes * 60 // PERIOD_S)
        alarms = []
        for i, instance_id in enumerate(args.instance_ids):
            alarms.append(aws.cloudwatch.MetricAlarm(
                f"{name}-{i}",
                alarm_description=f"Stop after {args.spec.minutes} min below "
                                  f"{args.spec.cpu_percent}% CPU (ailab auto-stop)",
                namespace="AWS/EC2", metric_name="CPUUtilization", statistic="Average",
                dimensions={"InstanceId": instance_id}, period=PERIOD_S,
                evaluation_periods=periods, datapoints_to_alarm=periods,
                threshold=args.spec.cpu_percent, comparison_operator="LessThanThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[f"arn:aws:automate:{args.region}:ec2:stop"],
                tags=args.tags, opts=child))
        self.register_outputs({"alarm_arns": [a.arn for a in alarms]})
