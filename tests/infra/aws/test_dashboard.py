"""The AWS lab dashboard, checked against CloudWatch's documented body structure.

The JSON Schema (``infra/contract/schemas``) is itself held against the outside
truth first: the examples on the API Reference page "Dashboard Body Structure and
Syntax" must pass it, and the ways the page says a body is wrong must fail it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ailab.core import gpu_metrics, tokens
from ailab.infra.aws.dashboard_body import (
    ALARMS_PER_WIDGET,
    SEARCH_MAX_CHARS,
    AwsDashboardFacts,
    dashboard_body,
    search,
)
from ailab.infra.contract.dashboards import aws_dashboard_problems

AWS_STACKS = ["aws-gpu-lab", "aws-spot-pool", "aws-h100-cluster"]

# Examples from "Dashboard Body Structure and Syntax" (CloudWatch API Reference).
DOC_EXAMPLES: list[dict[str, Any]] = [
    {"start": "-PT6H", "periodOverride": "inherit", "widgets": [
        {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
            "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"]],
            "period": 300, "stat": "Average", "region": "us-east-1",
            "title": "EC2 Instance CPU", "liveData": False, "legend": {"position": "right"}}},
        {"type": "text", "x": 0, "y": 7, "width": 3, "height": 3,
         "properties": {"markdown": "Hello world"}}]},
    {"start": "-PT9H", "periodOverride": "inherit", "widgets": [
        {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
            "metrics": [["AWS/EC2", "DiskReadBytes", "InstanceId", "i-123", {"id": "m1"}],
                        [".", ".", ".", "i-abc", {"id": "m2"}],
                        [{"expression": "SUM(METRICS())", "label": "Sum of DiskReadbytes",
                          "id": "e3"}]],
            "view": "timeSeries", "stacked": False, "period": 300, "stat": "Average",
            "region": "us-east-1", "title": "EC2 Instance CPU"}},
        {"type": "metric", "x": 0, "y": 0, "width": 18, "height": 9, "properties": {
            "metrics": [[{"expression": "SEARCH('{AWS/EC2,InstanceId} MetricName="
                                        "\"CPUUtilization\"', 'Average', 300)", "id": "e1"}]],
            "view": "timeSeries", "stacked": False, "region": "us-east-1",
            "title": "EC2 Instance CPU"}}]},
    {"widgets": [{"type": "log", "x": 12, "y": 24, "width": 12, "height": 6, "properties": {
        "region": "us-east-1", "title": "Errors (Application Log)",
        "query": "SOURCE 'application1.log' | SOURCE 'application2.log' | filter @message "
                 "like \"[ERROR]\"", "view": "table"}}]},
    {"widgets": [{"type": "alarm", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
        "alarms": ["arn:aws:cloudwatch:us-east-1:012345678901:alarm:EC2FrontendCPU",
                   "arn:aws:cloudwatch:eu-west-1:987654321098:alarm:EC2BackendCPU"],
        "sortBy": "stateUpdatedTimestamp", "states": ["ALARM", "INSUFFICIENT_DATA"],
        "title": "EC2 alarms that are not currently OK"}}]},
    {"widgets": [{"type": "explorer", "width": 24, "height": 15, "x": 0, "y": 0,
                  "properties": {
                      "metrics": [{"metricName": "CPUUtilization",
                                   "resourceType": "AWS::EC2::Instance", "stat": "Average"}],
                      "aggregateBy": {"key": "InstanceType", "func": "MAX"},
                      "labels": [{"key": "State", "value": "running"}],
                      "widgetOptions": {"legend": {"position": "bottom"},
                                        "view": "timeSeries", "rowsPerPage": 8,
                                        "widgetsPerRow": 2},
                      "period": 300, "splitBy": "AvailabilityZone",
                      "title": "Running EC2 Instances by AZ"}}]},
    {"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
        "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"]],
        "region": "us-east-1", "annotations": {"horizontal": [
            [{"label": "Band top", "value": 200, "color": "#9467bd", "visible": True,
              "yAxis": "right"}, {"value": 95.5, "label": "Band bottom"}],
            {"visible": False, "color": "#aaaaaa", "label": "Hidden annotation",
             "value": 150}]}}}]},
]


@pytest.mark.parametrize("doc", DOC_EXAMPLES, ids=range(len(DOC_EXAMPLES)))
def test_the_documented_examples_pass_the_schema(doc: dict[str, Any]) -> None:
    assert aws_dashboard_problems(json.dumps(doc)) == []


def _metric_widget(**props: Any) -> dict[str, Any]:
    base = {"region": "us-east-1", "metrics": [["AWS/EC2", "CPUUtilization"]]}
    return {"type": "metric", "x": 0, "y": 0, "width": 6, "height": 6,
            "properties": {**base, **props}}


@pytest.mark.parametrize(("widget", "problem"), [
    ({"type": "graph", "properties": {}}, "is not one of"),
    ({**_metric_widget(), "width": 25}, "25 is greater than the maximum of 24"),
    ({**_metric_widget(), "x": 20, "width": 12}, "overflows the 24-column grid"),
    ({**_metric_widget(), "x": 3, "y": None}, "is not of type 'integer'"),
    ({"type": "metric", "x": 1, "properties": _metric_widget()["properties"]},
     "'y' is a dependency of 'x'"),
    (_metric_widget(stat="Max"), "does not match"),
    (_metric_widget(period=90), "is not a multiple of 60"),
    (_metric_widget(region=None), "is not of type 'string'"),
    (_metric_widget(metrics=[["AWS/EC2", "CPUUtilization", "InstanceId"]]),
     "dimension names and values must come in pairs"),
    (_metric_widget(metrics=[[{"expression": "SEARCH('{AWS/EC2} x', 'Average', 300)",
                               "id": "E1"}]]), "is not valid under any of the given schemas"),
    (_metric_widget(metrics=[[{"expression": "SEARCH('" + "x" * 1100 + "', 'Sum', 60)"}]]),
     "SEARCH expression is"),
    (_metric_widget(annotations={"alarms": ["a"], "horizontal": [{"value": 1}]}),
     "should not be valid"),
    (_metric_widget(liveDat=True), "Additional properties are not allowed"),
    ({"type": "text", "properties": {"text": "hello"}}, "'markdown' is a required property"),
    ({"type": "alarm", "properties": {"alarms": [f"arn:{i}" for i in range(101)]}},
     "is too long"),
])
def test_what_the_documentation_rules_out_fails(widget: dict[str, Any], problem: str) -> None:
    found = aws_dashboard_problems(json.dumps({"widgets": [widget]}))
    assert any(problem in p for p in found), found


def test_a_body_needs_its_widgets_and_no_undocumented_top_level_keys() -> None:
    assert any("'widgets' is a required property" in p
               for p in aws_dashboard_problems(json.dumps({"start": "-PT3H"})))
    assert any("Additional properties" in p for p in aws_dashboard_problems(
        json.dumps({"widgets": [], "theme": "dark"})))
    assert aws_dashboard_problems("{not json")[0].startswith("DashboardBody is not JSON")


def _body(inv: Any) -> dict[str, Any]:
    boards = inv.by_type(tokens.AWS_CLOUDWATCH_DASHBOARD)
    assert len(boards) == 1
    return json.loads(boards[0].inputs["dashboardBody"])


def _expressions(body: dict[str, Any]) -> str:
    return json.dumps([w for w in body["widgets"] if w["type"] == "metric"])


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_aws_stack_declares_a_valid_dashboard(preview: Any, stack: str) -> None:
    inv = preview(stack)
    board = inv.by_type(tokens.AWS_CLOUDWATCH_DASHBOARD)[0]
    assert board.inputs["dashboardName"] == f"ailab-{stack}"
    assert aws_dashboard_problems(board.inputs["dashboardBody"]) == []
    assert board.parent == f"{stack}-dashboard"
    assert inv.find(f"{stack}-dashboard").type == "ailab:aws:LabDashboard"


def test_the_cluster_dashboard_shows_every_node_its_alarms_file_systems_and_budget(
        preview: Any) -> None:
    inv = preview("aws-h100-cluster")
    body = _body(inv)
    metrics = _expressions(body)
    nodes = inv.by_type(tokens.AWS_EC2_INSTANCE)
    assert len(nodes) == 2 and all(n.id and n.id in metrics for n in nodes)
    for metric in (gpu_metrics.AWS_GPU_UTILIZATION, gpu_metrics.AWS_GPU_MEMORY_USED):
        assert metric in metrics
    assert "{CWAgent,InstanceId,index,name}" in metrics and "{CWAgent,InstanceId}" in metrics
    alarms = [w for w in body["widgets"] if w["type"] == "alarm"]
    arns = {a.outputs["arn"] for a in inv.by_type(tokens.AWS_CLOUDWATCH_METRIC_ALARM)}
    assert len(alarms) == 1 and set(alarms[0]["properties"]["alarms"]) == arns
    for fs in (tokens.AWS_EFS_FILE_SYSTEM, tokens.AWS_FSX_LUSTRE_FILE_SYSTEM):
        assert inv.by_type(fs)[0].id in metrics
    billing = next(w for w in body["widgets"]
                   if w["type"] == "metric" and "EstimatedCharges" in json.dumps(w))
    assert billing["properties"]["region"] == "us-east-1"
    budget = inv.by_type(tokens.AWS_BUDGETS_BUDGET)[0].inputs["limitAmount"]
    assert billing["properties"]["annotations"]["horizontal"][0]["value"] == float(budget)
    texts = " ".join(w["properties"]["markdown"] for w in body["widgets"]
                     if w["type"] == "text")
    assert "ailab usage aws-h100-cluster" in texts and "us-east-1" in texts
    assert "AWS/RDS" in metrics and "AWS/ECS" in metrics  # the tracking server


def test_the_pool_dashboard_reads_the_group_and_says_the_gpu_series_are_regionwide(
        preview: Any) -> None:
    body = _body(preview("aws-spot-pool"))
    metrics = _expressions(body)
    assert "AutoScalingGroupName" in metrics
    assert "every agent-reporting machine in the region" in metrics


def test_the_watchdog_stack_explains_its_auto_stop(preview: Any) -> None:
    body = _body(preview("aws-gpu-lab", {"ailab:autoStopCpuPercent": 20}))
    texts = " ".join(w["properties"].get("markdown", "") for w in body["widgets"])
    assert "On-machine watchdog" in texts and "ailab-idle-watchdog" in texts
    assert not [w for w in body["widgets"] if w["type"] == "alarm"]


def test_the_opt_out_key_removes_the_dashboard(preview: Any) -> None:
    inv = preview("aws-gpu-lab", {"ailab:dashboard": False})
    assert not inv.by_type(tokens.AWS_CLOUDWATCH_DASHBOARD)


def test_a_large_cluster_stays_within_the_documented_limits() -> None:
    ids = tuple(f"i-{n:017x}" for n in range(300))
    arns = tuple(f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a{n}" for n in range(300))
    body = dashboard_body(AwsDashboardFacts("big", "us-east-1", instance_ids=ids,
                                            alarm_arns=arns, budget_usd=1e6))
    assert aws_dashboard_problems(json.dumps(body)) == []
    alarms = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(alarms) == 3 and all(len(w["properties"]["alarms"]) <= ALARMS_PER_WIDGET
                                    for w in alarms)
    text = json.dumps(body)
    assert all(i in text for i in ids)


def test_search_expressions_split_the_instances_within_the_query_limit() -> None:
    ids = [f"i-{n:017x}" for n in range(100)]
    found = search("CWAgent,InstanceId", gpu_metrics.AWS_GPU_UTILIZATION, ids, "Maximum")
    assert len(found) > 1 and all(len(e) <= SEARCH_MAX_CHARS for e in found)
    assert sorted(i for e in found for i in ids if f'"{i}"' in e) == sorted(ids)
    assert search("AWS/EC2,InstanceId", "CPUUtilization", [], "Average") == [
        "SEARCH('{AWS/EC2,InstanceId} MetricName=\"CPUUtilization\"', 'Average', 300)"]


def test_a_changed_body_is_caught_by_the_contract_layer(preview: Any) -> None:
    from ailab.infra.contract.aws_requests import check_aws

    inv = copy.deepcopy(preview("aws-gpu-lab"))
    board = inv.by_type(tokens.AWS_CLOUDWATCH_DASHBOARD)[0]
    body = json.loads(board.inputs["dashboardBody"])
    body["widgets"][1]["width"] = 30
    board.inputs["dashboardBody"] = json.dumps(body)
    assert any("PutDashboard" in p.operation and "maximum of 24" in p.message
               for p in check_aws(inv).problems)
