"""Idle means idle accelerators (AWS, moto): every GPU series and the CPU decide.

The CloudWatch agent's nvidia_smi plugin publishes ``nvidia_smi_utilization_gpu``
in ``CWAgent`` with one series per GPU under ``InstanceId``, ``index``, ``name``
(plus appended dimensions such as ``host``). moto implements ListMetrics and
GetMetricData (MetricStat queries, exact dimension match) but no metric math or
SEARCH, so the janitor finds series with ListMetrics and reads each with a
MetricStat query; every request is also checked against botocore's model.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.validate import validate_parameters

from ailab.janitor.aws import AwsDriver
from ailab.janitor.records import Action, Status

from .conftest import Fleet, by_id, janitor_run, policy_with

P5 = "p5.48xlarge"


def _recording_driver() -> tuple[AwsDriver, list[tuple[str, dict[str, Any]]]]:
    driver = AwsDriver()
    sent: list[tuple[str, dict[str, Any]]] = []
    driver.session.events.register(
        "provide-client-params.cloudwatch.*",
        lambda params, model, **_: sent.append((model.name, dict(params))))
    return driver, sent


def test_p5_at_4pct_cpu_with_8_busy_gpus_is_never_acted_on(fleet: Fleet) -> None:
    p5 = fleet.instance(P5, days=10)
    fleet.cpu(p5, 4.0)
    fleet.gpus(p5, [95.0] * 8)
    policy = policy_with(mark_delay_days=0)
    for days in (0, 1):
        assert p5 not in by_id(janitor_run("execute", policy, days_later=days))
    # days later the busy datapoints have left the window: unknown, still not acted on
    assert by_id(janitor_run("execute", policy, days_later=4))[p5].status is Status.UNKNOWN
    assert fleet.exists("running", p5)
    assert "ailab:janitor-marked" not in fleet.tags(p5)


def test_one_busy_gpu_among_eight_keeps_it_running(fleet: Fleet) -> None:
    p5 = fleet.instance(P5, days=10)
    fleet.cpu(p5, 1.0)
    fleet.gpus(p5, [0.0] * 7 + [60.0], extra={"host": "ip-10-0-0-1", "arch": "x86_64"})
    assert p5 not in by_id(janitor_run())


def test_idle_gpus_and_cpu_stopped_after_mark_then_act(fleet: Fleet) -> None:
    p5 = fleet.instance(P5, days=10)
    fleet.cpu(p5, 1.0, ahead_h=96)
    fleet.gpus(p5, [0.0, 1.0, 2.0, 0.5, 1.5, 0.0, 2.0, 1.0], ahead_h=96)
    driver, sent = _recording_driver()
    first = by_id(janitor_run("execute", driver=driver))[p5]
    assert first.rule == "idle-gpu-instance" and first.status is Status.MARK
    assert first.action is Action.STOP
    assert first.evidence["gpu_series"] == 8
    assert first.evidence["gpu_percent"]["max"] == 2.0
    assert first.evidence["cpu_percent"]["max"] == 1.0
    assert fleet.exists("running", p5)
    assert by_id(janitor_run("execute", days_later=1))[p5].status is Status.WAITING
    done = by_id(janitor_run("execute", days_later=3))[p5]
    assert done.status is Status.DONE, done.detail
    assert fleet.backend.get_instance(p5).state in ("stopped", "stopping")
    # the real request shapes: ListMetrics for the series, MetricStat per GPU series
    model = botocore.session.get_session().get_service_model("cloudwatch")
    for name, params in sent:
        validate_parameters(params, model.operation_model(name).input_shape)
    gmd = [p for n, p in sent if n == "GetMetricData"]
    stats = [q["MetricStat"]["Metric"] for p in gmd for q in p["MetricDataQueries"]]
    gpu_dims = [{d["Name"] for d in m["Dimensions"]} for m in stats
                if m["MetricName"] == "nvidia_smi_utilization_gpu"]
    assert gpu_dims == [{"InstanceId", "index", "name"}] * 8
    assert all(len(p["MetricDataQueries"]) <= 500 for p in gmd)
    listed = [p for n, p in sent if n == "ListMetrics"]
    assert listed[0] == {"Namespace": "CWAgent", "MetricName": "nvidia_smi_utilization_gpu"}
    assert all("NextToken" in p for p in listed[1:])  # moto lists a series per datapoint


def test_no_gpu_metric_is_unknown_and_left_running(fleet: Fleet) -> None:
    silent = fleet.instance(P5, days=10)
    fleet.cpu(silent, 1.0, ahead_h=48)
    aggregate_only = fleet.instance(P5, days=10)
    fleet.cpu(aggregate_only, 1.0, ahead_h=48)
    fleet.metric("CWAgent", "nvidia_smi_utilization_gpu", ("InstanceId", aggregate_only), 0.0,
                 ahead_h=48)  # dimension InstanceId only
    seven = fleet.instance(P5, days=10)
    fleet.cpu(seven, 1.0, ahead_h=48)
    fleet.gpus(seven, [0.0] * 7, ahead_h=48)
    policy = policy_with(mark_delay_days=0)
    for days in (0, 1, 2):
        found = by_id(janitor_run("execute", policy, days_later=days))
        assert found[silent].status is Status.UNKNOWN
        assert "no GPU utilisation series" in found[silent].detail
        assert "instance-level" in found[aggregate_only].detail
        assert "7 of 8 GPUs" in found[seven].detail
        assert found[silent].monthly_usd > 0 and not found[silent].saves
    for iid in (silent, aggregate_only, seven):
        assert fleet.exists("running", iid)
        assert "ailab:janitor-marked" not in fleet.tags(iid)


def test_busy_instance_level_series_vetoes(fleet: Fleet) -> None:
    p5 = fleet.instance(P5, days=10)
    fleet.cpu(p5, 1.0)
    fleet.gpus(p5, [0.0] * 8)
    fleet.gpu(p5, 40.0)
    assert p5 not in by_id(janitor_run())


def test_cpu_only_opt_in(fleet: Fleet) -> None:
    silent = fleet.instance("g4dn.xlarge", days=10)
    fleet.cpu(silent, 1.0)
    policy = policy_with()
    policy.rules["idle-gpu-instance"] = policy.rules["idle-gpu-instance"].model_copy(
        update={"require_gpu_metric": False})
    finding = by_id(janitor_run(policy=policy))[silent]
    assert finding.status is Status.MARK
    assert "require_gpu_metric: false" in finding.evidence["gpu_percent"]


def test_spot_gpu_instance_is_not_terminated_by_default(fleet: Fleet) -> None:
    one_time = fleet.instance(P5, days=10, spot="one-time")
    persistent = fleet.instance(P5, days=10, spot="persistent")
    for iid in (one_time, persistent):
        fleet.cpu(iid, 1.0, ahead_h=48)
        fleet.gpus(iid, [0.0] * 8, ahead_h=48)
    policy = policy_with(mark_delay_days=0)
    first = by_id(janitor_run("execute", policy))
    assert first[one_time].action is Action.REPORT
    assert first[one_time].status is Status.REPORTED
    assert first[persistent].action is Action.STOP
    second = by_id(janitor_run("execute", policy, days_later=1))
    assert second[one_time].status is Status.REPORTED
    assert second[persistent].status is Status.DONE, second[persistent].detail
    assert fleet.exists("running", one_time)
    assert fleet.backend.get_instance(persistent).state in ("stopped", "stopping")


def test_spot_terminate_only_when_the_policy_says_so(fleet: Fleet) -> None:
    one_time = fleet.instance(P5, days=10, spot="one-time")
    fleet.cpu(one_time, 1.0)
    fleet.gpus(one_time, [0.0] * 8)
    policy = policy_with(mark_delay_days=0)
    policy.rules["idle-gpu-instance"] = policy.rules["idle-gpu-instance"].model_copy(
        update={"spot_action": "terminate"})
    assert by_id(janitor_run("execute", policy))[one_time].action is Action.TERMINATE
    assert by_id(janitor_run("execute", policy))[one_time].status is Status.DONE
    assert not fleet.exists("instance", one_time)


def test_series_listing_pages_through_moto(fleet: Fleet) -> None:
    """More than 500 GPU series (ListMetrics pages at 500) are all found and read."""
    ids = [fleet.instance(P5, days=10) for _ in range(70)]
    for iid in ids:
        fleet.cpu(iid, 1.0, hours=2)
        fleet.gpus(iid, [0.0] * 8, hours=2)
    policy = policy_with()
    policy.rules["idle-gpu-instance"] = policy.rules["idle-gpu-instance"].model_copy(
        update={"window_hours": 2})
    driver, sent = _recording_driver()
    found = by_id(janitor_run(policy=policy, driver=driver))
    assert all(found[iid].evidence["gpu_series"] == 8 for iid in ids)
    # 560 series: 2 pages on AWS; moto lists one entry per datapoint, so it pages more
    assert len([n for n, _ in sent if n == "ListMetrics"]) >= 2
    queries = [len(p["MetricDataQueries"]) for n, p in sent if n == "GetMetricData"]
    assert sum(queries) == 70 * 9 and max(queries) == 500


def test_reads_what_the_lab_stacks_publish(fleet: Fleet) -> None:
    """The janitor's defaults are the CloudWatch agent contract the AWS stacks install:
    per-GPU series under InstanceId/index/name and the per-instance roll-up."""
    from ailab.infra.aws import cloudwatch_agent as agent
    from ailab.janitor.rules_aws import IdleGpuParams

    params = IdleGpuParams()
    assert (params.gpu_namespace, params.gpu_metric) == (agent.NAMESPACE,
                                                         agent.GPU_UTILIZATION)
    assert params.gpu_index_dimension in agent.PER_GPU_DIMENSIONS
    assert agent.INSTANCE_DIMENSIONS == ("InstanceId",)
    p5 = fleet.instance(P5, days=10)
    fleet.cpu(p5, 1.0)
    fleet.gpus(p5, [1.0] * 8)  # the per-GPU series ...
    fleet.gpu(p5, 1.0)  # ... and the per-instance roll-up the stop alarm reads
    finding = by_id(janitor_run())[p5]
    assert finding.status is Status.MARK and finding.evidence["gpu_series"] == 8
