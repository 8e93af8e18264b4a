"""AWS auto-stop decides on the GPUs: per stack, the alarm's metric, statistic,
window and missing-data rule, or, with a CPU condition, the watchdog's presence
and thresholds; never a stop alarm on a GPU instance that reads CPU alone."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.errors import ConfigError
from ailab.core.inventory import Inventory, Resource
from ailab.infra.aws import cloudwatch_agent
from ailab.infra.aws.autostop import PERIOD_S
from ailab.infra.spec import load_spec
from ailab.infra.stacks import list_stacks, load_stack_config
from ailab.infra.watchdog import CONF_PATH

AWS_STACKS = [s for s in list_stacks() if s.startswith("aws-")]
STOP = (":ec2:stop", ":ec2:terminate", ":ec2:hibernate")


def stop_alarms(inv: Inventory) -> list[Resource]:
    return [a for a in inv.by_type(tokens.AWS_CLOUDWATCH_METRIC_ALARM)
            if any(str(x).endswith(STOP) for x in a.inputs.get("alarmActions") or [])]


def reads(alarm: Resource) -> set[tuple[str, str]]:
    """(namespace, metric) pairs an alarm reads, single-metric or metric math."""
    if alarm.inputs.get("metricName"):
        return {(alarm.inputs["namespace"], alarm.inputs["metricName"])}
    return {(q["metric"]["namespace"], q["metric"]["metricName"])
            for q in alarm.inputs.get("metricQueries") or [] if q.get("metric")}


def user_data(inv: Inventory, res: Resource) -> str:
    if res.type == tokens.AWS_EC2_LAUNCH_TEMPLATE:
        return base64.b64decode(res.inputs["userData"]).decode()
    if "userData" in res.inputs:
        return str(res.inputs["userData"])
    template = inv.ref(res, "launchTemplate", tokens.AWS_EC2_LAUNCH_TEMPLATE)
    assert template is not None, res.name
    return user_data(inv, template)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_no_stop_alarm_on_a_gpu_instance_reads_cpu_alone(preview: Any, stack: str) -> None:
    inv = preview(stack)
    for alarm in stop_alarms(inv):
        assert (cloudwatch_agent.NAMESPACE, cloudwatch_agent.GPU_UTILIZATION) in reads(alarm)
        assert ("AWS/EC2", "CPUUtilization") not in reads(alarm) or len(reads(alarm)) > 1


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_each_gpu_instance_has_the_gpu_alarm(preview: Any, stack: str) -> None:
    inv = preview(stack)
    spec = load_spec(load_stack_config(stack), stack).aws
    assert spec is not None
    instances = inv.by_type(tokens.AWS_EC2_INSTANCE)
    alarms = {a.inputs["dimensions"]["InstanceId"]: a for a in stop_alarms(inv)}
    assert len(alarms) == len(instances)
    stop = spec.auto_stop
    for inst in instances:
        assert stop is not None
        alarm = alarms[inst.id]
        assert inv.ref(alarm, "dimensions") is inst
        assert alarm.inputs["dimensions"] == {"InstanceId": inst.id}, "the per-instance series"
        assert alarm.inputs["statistic"] == "Maximum"
        assert alarm.inputs["threshold"] == stop.gpu_percent
        assert alarm.inputs["comparisonOperator"] == "LessThanThreshold"
        assert alarm.inputs["period"] * alarm.inputs["evaluationPeriods"] == stop.minutes * 60
        assert alarm.inputs["datapointsToAlarm"] == alarm.inputs["evaluationPeriods"]
        assert alarm.inputs["treatMissingData"] == "notBreaching"
        assert alarm.inputs["period"] == PERIOD_S


def test_the_shipped_thresholds(preview: Any) -> None:
    lab = stop_alarms(preview("aws-gpu-lab"))
    assert [(a.inputs["threshold"], a.inputs["evaluationPeriods"]) for a in lab] == [(10, 12)]
    cluster = stop_alarms(preview("aws-h100-cluster"))
    assert {(a.inputs["threshold"], a.inputs["evaluationPeriods"]) for a in cluster} == {(5, 24)}
    assert not stop_alarms(preview("aws-spot-pool")), "pool members are the group's to size"


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_gpu_machine_runs_the_agent_with_the_janitor_contract(preview: Any,
                                                                    stack: str) -> None:
    inv = preview(stack)
    launchers = inv.by_type(tokens.AWS_EC2_LAUNCH_TEMPLATE) + [
        r for r in inv.by_type(tokens.AWS_EC2_INSTANCE) if "launchTemplate" not in r.inputs]
    assert launchers
    for res in launchers:
        config = cloudwatch_agent.config_from_user_data(user_data(inv, res))
        assert cloudwatch_agent.undocumented_keys(config) == []
        metrics = config["metrics"]
        assert metrics["namespace"] == "CWAgent"
        assert metrics["append_dimensions"] == {"InstanceId": "${aws:InstanceId}"}
        assert metrics["aggregation_dimensions"] == [["InstanceId"]]
        assert config["agent"]["omit_hostname"] is True
        gpu = metrics["metrics_collected"]["nvidia_gpu"]
        assert set(gpu["measurement"]) >= {"utilization_gpu", "memory_used", "power_draw"}


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_role_may_publish_into_the_agents_namespace_only(preview: Any, stack: str) -> None:
    import json

    inv = preview(stack)
    docs = [json.loads(p.inputs["policy"]) for p in inv.by_type(tokens.AWS_IAM_ROLE_POLICY)]
    puts = [s for d in docs for s in d["Statement"] if "cloudwatch:PutMetricData" in s["Action"]]
    assert puts == [{"Sid": "PublishGpuMetrics", "Effect": "Allow",
                     "Action": "cloudwatch:PutMetricData", "Resource": "*",
                     "Condition": {"StringEquals": {"cloudwatch:namespace": "CWAgent"}}}]


CPU_MODE = {"ailab:autoStopGpuPercent": 10, "ailab:autoStopCpuPercent": 20}


@pytest.mark.parametrize("stack", ["aws-gpu-lab", "aws-h100-cluster"])
def test_a_cpu_condition_moves_the_decision_onto_the_machine(preview: Any, stack: str) -> None:
    inv = preview(stack, CPU_MODE)
    assert not stop_alarms(inv), "an alarm would stop a CPU-busy machine"
    minutes = load_stack_config(stack)["ailab:autoStopMinutes"]
    for inst in inv.by_type(tokens.AWS_EC2_INSTANCE):
        tags = inst.inputs["tags"]
        assert (tags["ailab:idle-minutes"], tags["ailab:idle-gpu-percent"],
                tags["ailab:idle-cpu-percent"]) == (minutes, "10", "20")
        script = user_data(inv, inst)
        conf = script.split(f"cat > {CONF_PATH} <<'AILAB_IDLE_CONF'\n", 1)[1].split(
            "\nAILAB_IDLE_CONF\n", 1)[0]
        assert conf.splitlines() == [f"MINUTES={minutes}", "GPU_PERCENT=10", "CPU_PERCENT=20"]
        assert "systemctl enable --now ailab-idle-watchdog.service" in script


def test_pool_nodes_never_get_the_watchdog(preview: Any) -> None:
    inv = preview("aws-spot-pool", CPU_MODE)
    [template] = inv.by_type(tokens.AWS_EC2_LAUNCH_TEMPLATE)
    assert "ailab-idle-watchdog" not in user_data(inv, template)
    assert "AILAB_AGENT_CONFIG" in user_data(inv, template)


def _config(stack: str, **changes: Any) -> dict[str, str]:
    raw = load_stack_config(stack)
    for key, value in changes.items():
        if value is None:
            raw.pop(f"ailab:{key}", None)
        else:
            raw[f"ailab:{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return raw


def test_an_old_cpu_only_stack_gets_a_one_line_migration_error() -> None:
    raw = _config("aws-gpu-lab", autoStopGpuPercent=None, autoStopCpuPercent=5)
    with pytest.raises(ConfigError) as err:
        load_spec(raw, "aws-gpu-lab")
    assert err.value.key == "ailab:autoStopCpuPercent"
    assert "now decides on GPU utilisation: set ailab:autoStopGpuPercent" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("changes", "key", "message"), [
    ({"autoStopMinutes": 1445}, "ailab:autoStopMinutes", "from 5 to 1440"),
    ({"autoStopGpuPercent": 0}, "ailab:autoStopGpuPercent", "1..100"),
    ({"autoStopCpuPercent": 101}, "ailab:autoStopCpuPercent", r"0 \(no CPU condition\)"),
])
def test_thresholds_are_checked(changes: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        load_spec(_config("aws-gpu-lab", **changes), "aws-gpu-lab")
    assert err.value.key == key


def test_a_cpu_condition_cannot_stop_one_time_spot_cluster_nodes() -> None:
    raw = _config("aws-h100-cluster", clusterSpot=True, spotExempt="",
                  autoStopCpuPercent=20)
    with pytest.raises(ConfigError, match="one-time spot cluster nodes cannot be stopped"):
        load_spec(raw, "aws-h100-cluster")
