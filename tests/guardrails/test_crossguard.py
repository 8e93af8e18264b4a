"""The policy pack as the Pulumi engine runs it: policies/__main__.py serves the
analyzer over gRPC on loopback; these tests play the engine's part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from ailab.guardrails.rule import load_rules
from tests.support import ROOT


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Any]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "policies" / "__main__.py")],
                            cwd=ROOT / "policies", stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": ""})
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().decode().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(json.loads(json.dumps(props)))
    return out


def _urn(res: Any) -> str:
    return f"urn:pulumi:lab::ailab::{res.type}::{res.name}"


def _stack_request(inventory: Any, region: str | None = None) -> Any:
    """The engine's AnalyzeStack request for an inventory: custom resources with the
    property dependencies the engine would report (and their provider, when given)."""
    resources = inventory.custom()
    provider = analyzer_pb2.AnalyzerProviderResource(
        type=f"pulumi:providers:{inventory.cloud}", name="default",
        urn=f"urn:pulumi:lab::ailab::pulumi:providers:{inventory.cloud}::default",
        properties=_struct({"region": region})) if region else None
    msgs = []
    for res in resources:
        deps = {prop: analyzer_pb2.AnalyzerPropertyDependencies(
                    urns=[_urn(d) for d in inventory.refs(res, prop) if d.custom])
                for prop in dict.fromkeys([*res.deps, *res.inputs])}
        msgs.append(analyzer_pb2.AnalyzerResource(
            type=res.type, name=res.name, urn=_urn(res), properties=_struct(dict(res.inputs)),
            options=analyzer_pb2.AnalyzerResourceOptions(protect=res.protect),
            propertyDependencies={k: v for k, v in deps.items() if v.urns}, provider=provider))
    return analyzer_pb2.AnalyzeStackRequest(resources=msgs)


def test_pack_serves_every_rule(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "ailab-guardrails"
    assert {p.name for p in info.policies} == set(load_rules())
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels["s3-public-access-block"] == analyzer_pb2.MANDATORY
    assert levels["bucket-lifecycle"] == analyzer_pb2.ADVISORY
    assert all(p.remediation_steps for p in info.policies)


def test_resource_policy_reports_an_unencrypted_volume(analyzer: Any) -> None:
    def analyze(encrypted: bool) -> list[str]:
        req = analyzer_pb2.AnalyzeRequest(
            type="aws:ebs/volume:Volume", name="v", urn="urn:pulumi:s::p::aws:ebs/volume:Volume::v",
            properties=_struct({"encrypted": encrypted, "size": 10}),
            options=analyzer_pb2.AnalyzerResourceOptions())
        return [d.policyName for d in analyzer.Analyze(req).diagnostics]

    assert "ebs-encrypted" in analyze(False)
    assert "ebs-encrypted" not in analyze(True)


def test_stack_policies_pass_a_shipped_stack(analyzer: Any,
                                             preview: Callable[..., Any]) -> None:
    response = analyzer.AnalyzeStack(_stack_request(preview("aws-gpu-lab")))
    assert [(d.policyName, d.message) for d in response.diagnostics] == []


def test_stack_policies_see_links_and_report_on_the_resource(
        analyzer: Any, preview: Callable[..., Any]) -> None:
    inventory = preview("aws-gpu-lab")
    kept = [r for r in inventory.resources
            if not r.type.startswith("aws:s3/bucketPublicAccessBlock")
            and not r.type.startswith("aws:cloudwatch/")]
    stripped = type(inventory)(inventory.stack, inventory.cloud, inventory.region, kept)
    diags = analyzer.AnalyzeStack(_stack_request(stripped)).diagnostics
    fired = {(d.policyName, d.urn.rsplit("::", 1)[-1]) for d in diags}
    assert ("s3-public-access-block", "aws-gpu-lab-data-bucket") in fired
    assert ("gpu-auto-stop", "aws-gpu-lab-gpu-0") in fired


def test_budget_forecast_prices_the_stack_in_the_providers_region(
        analyzer: Any, preview: Callable[..., Any]) -> None:
    """Thirty lab machines under a 450 USD budget: the pack prices the resources the
    engine sends, in the region their provider names, and fails the budget."""
    inventory = preview("aws-gpu-lab", {"ailab:instanceCount": 30})
    diags = analyzer.AnalyzeStack(_stack_request(inventory, region="us-east-1")).diagnostics
    fired = {(d.policyName, d.urn.rsplit("::", 1)[-1]): d.message for d in diags}
    message = fired[("budget-forecast", "aws-gpu-lab-budget-budget")]
    assert "of the budget 450 USD/month" in message
    assert {name for name, _ in fired} == {"budget-forecast"}


def test_unknown_values_do_not_abort_a_policy() -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

    from ailab.guardrails.crossguard import UNKNOWN, plain

    props = unknown_checking_proxy({"bucket": UNKNOWN_STRING_VALUE, "rules": [
        {"id": UNKNOWN_STRING_VALUE, "status": "Enabled"}]})
    assert plain(props) == {"bucket": UNKNOWN, "rules": [{"id": UNKNOWN, "status": "Enabled"}]}
