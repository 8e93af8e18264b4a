"""Idle auto-stop on AWS: the machine's GPUs decide, never its CPU alone.

**Default: a CloudWatch alarm per GPU instance** (stand-alone machine or cluster
node) on the CloudWatch agent's per-instance aggregate
``CWAgent/nvidia_smi_utilization_gpu`` {InstanceId}, statistic ``Maximum`` (the
busiest GPU of the machine in each 5-minute period), ``LessThanThreshold``
``autoStopGpuPercent`` in every period of the ``autoStopMinutes`` window, action
``arn:aws:automate:<region>:ec2:stop``. Missing data is ``notBreaching``: a
machine whose agent is down is never taken for idle.

Why this shape: the stop is done by AWS, outside the machine (a wedged or
tampered node still stops), it shows in the preview, pricing and guardrails,
and it costs one standard alarm. An EC2 stop action only works on an alarm
that watches one per-instance metric (its dimension ``InstanceId``):
CloudWatch refuses it otherwise ("An EC2 action can only be used if the alarm
is monitoring an EC2 instance"; the AWS CDK rejects it for math expressions),
and composite alarms cannot take EC2 actions at all (CloudWatch User Guide,
"Using Amazon CloudWatch alarms"). So a metric-math alarm over every GPU series
is out, and the agent's ``aggregation_dimensions: [["InstanceId"]]`` series,
read with ``Maximum``, is the one metric that says "every GPU is below".

**With a CPU condition** (``autoStopCpuPercent`` > 0) one metric cannot say
"GPUs *and* CPU below", so the decision moves onto the machine: the idle
watchdog (``infra.watchdog``, installed by the boot script) with both
thresholds, and the instance is tagged with them (``ailab:idle-minutes`` ...);
no alarm is created, since an alarm would stop a CPU-busy machine.

Pool nodes publish the same metrics but get neither: stopping a member of an
Auto Scaling group makes the group replace it; the group's size is the
pool's capacity setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ailab.core import tags as tag_keys
from ailab.infra.aws import cloudwatch_agent
from ailab.infra.aws.spec import AutoStopSpec

PERIOD_S = 300
STATISTIC = "Maximum"


def stop_action(region: str) -> str:
    """The EC2 stop action of a CloudWatch alarm in ``region``."""
    return f"arn:aws:automate:{region}:ec2:stop"


def watchdog_tags(spec: AutoStopSpec | None) -> dict[str, str]:
    """Tags of a machine whose own watchdog stops it (empty when an alarm does)."""
    if spec is None or not spec.on_instance:
        return {}
    return {tag_keys.AWS_IDLE_MINUTES: str(spec.minutes),
            tag_keys.AWS_IDLE_GPU_PERCENT: str(spec.gpu_percent),
            tag_keys.AWS_IDLE_CPU_PERCENT: str(spec.cpu_percent)}


@dataclass
class IdleAutoStopArgs:
    """Inputs of the auto-stop alarms."""

    instance_ids: Sequence[pulumi.Input[str]]
    region: str
    spec: AutoStopSpec
    tags: dict[str, str] = field(default_factory=dict)


class IdleAutoStop(pulumi.ComponentResource):
    """One alarm per instance: stop it when its busiest GPU stays below the threshold."""

    def __init__(self, name: str, args: IdleAutoStopArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:IdleAutoStop", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        periods = spec.minutes * 60 // PERIOD_S
        self.alarms = [aws.cloudwatch.MetricAlarm(
            f"{name}-{i}",
            alarm_description=f"ailab auto-stop: every GPU below {spec.gpu_percent}% for "
                              f"{spec.minutes} min (busiest GPU, CloudWatch agent); no data "
                              "is not idle",
            namespace=cloudwatch_agent.NAMESPACE, metric_name=cloudwatch_agent.GPU_UTILIZATION,
            statistic=STATISTIC, dimensions={"InstanceId": instance_id}, period=PERIOD_S,
            evaluation_periods=periods, datapoints_to_alarm=periods,
            threshold=spec.gpu_percent, comparison_operator="LessThanThreshold",
            treat_missing_data="notBreaching", alarm_actions=[stop_action(args.region)],
            tags=args.tags, opts=child)
            for i, instance_id in enumerate(args.instance_ids)]
        self.register_outputs({"alarm_arns": [a.arn for a in self.alarms]})
