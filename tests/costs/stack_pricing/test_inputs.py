"""Usage files and `pulumi preview --json` documents: parsing, pricing, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ailab.core.errors import InputFileError
from ailab.costs.pulumi_preview_json import load_preview, preview_inventories, split_urn
from ailab.costs.stack_pricing import diff_costs, price_inventory
from ailab.costs.stack_pricing.registry import usage_fields_for
from ailab.costs.usage import check_usage, load_usage, parse_usage
from tests.support import EXAMPLES

FIXTURES = Path(__file__).parent / "fixtures"
USAGE_FILES = EXAMPLES / "usage"
H = 730.0


def test_usage_fills_in_usage_dependent_lines(preview: Any, rows: Any) -> None:
    inventory = preview("aws-gpu-lab")
    usage = load_usage(USAGE_FILES / "aws-gpu-lab.yaml")
    check_usage(usage, "u.yaml", inventory.resources, usage_fields_for)
    cost = price_inventory(inventory, usage)
    region = "us-east-1"
    bucket = cost.line("aws-gpu-lab-data-bucket")
    egress = rows.storage_price("aws", region, "transfer", "internet", "egress")  # first tier
    standard = rows.storage_price("aws", region, "object", "STANDARD")
    assert bucket.status == "priced"
    assert bucket.monthly_usd == pytest.approx(
        800 * standard
        + 2000 * rows.storage_price("aws", region, "object", "STANDARD", "get")
        + 100 * rows.storage_price("aws", region, "object", "STANDARD", "put")
        + 50 * egress
        # lifecycle transitions (per 1,000 objects, at the target class) and noncurrent GB
        + 20 * rows.storage_price("aws", region, "object", "STANDARD_IA", "transition")
        + 10 * rows.storage_price("aws", region, "object", "GLACIER_IR", "transition")
        + 40 * standard)
    efs = cost.line("aws-gpu-lab-fs-efs")
    assert efs.monthly_usd == pytest.approx(
        100 * rows.storage_price("aws", region, "file", "efs-standard")
        + 300 * rows.storage_price("aws", region, "file", "efs-ia")
        + 20 * rows.storage_price("aws", region, "file", "efs-ia", "read")
        + 30 * rows.storage_price("aws", region, "file", "efs-ia", "write")
        + 150 * rows.storage_price("aws", region, "file", "efs-elastic-throughput", "read")
        + 60 * rows.storage_price("aws", region, "file", "efs-elastic-throughput", "write"))
    node = cost.line("aws-gpu-lab-gpu-0")
    assert node.hours_per_month == 160 and node.hours_basis == "usage file"
    assert node.monthly_usd == pytest.approx(
        160 * rows.instance("aws", "g6.xlarge", region, spot=True)
        + 200 * rows.storage_price("aws", region, "block", "gp3")          # billed 730 h
        + 160 * rows.extra_price("aws", region, "network", "public-ipv4", "hour")
        + 20 * egress
        # GPU metrics only while it runs: 6 custom metrics for 160/730 of the month
        + 6 * 160 / 730 * rows.extra_price("aws", region, "monitoring", "custom-metric", "month")
        + 160 * 60 / 1000 * rows.extra_price("aws", region, "monitoring", "api-request",
                                             "requests"))
    assert cost.count("usage") == 0


@pytest.mark.parametrize(("data", "field", "problem"), [
    ({"b": {"stored_gib": 3}}, "b.stored_gib", "unknown field"),
    ({"b": {"stored_gb": -1}}, "b.stored_gb", "greater than or equal to 0"),
    ({"b": {"hours_per_month": 800}}, "b.hours_per_month", "less than or equal to 744"),
    ({"b": {"requests": {"list": 3}}}, "b.requests.list", "unknown field"),
    ({"b": "lots"}, "b", "valid dictionary"),
])
def test_usage_schema_errors_name_the_field(data: Any, field: str, problem: str) -> None:
    with pytest.raises(InputFileError) as err:
        parse_usage(data, "u.yaml")
    assert err.value.file_field == field
    assert problem in err.value.message and "\n" not in err.value.message


def test_usage_names_and_fields_are_checked_against_the_stack(preview: Any) -> None:
    resources = preview("aws-gpu-lab").resources
    with pytest.raises(InputFileError, match="no resource of that name") as err:
        check_usage({"aws-gpu-lab-bucket": {"stored_gb": 1}}, "u.yaml", resources,
                    usage_fields_for)
    assert "aws-gpu-lab-data-bucket" in (err.value.hint or "")
    with pytest.raises(InputFileError, match="does not apply to aws:ec2/instance") as err:
        check_usage({"aws-gpu-lab-gpu-0": {"stored_gb": 1}}, "u.yaml", resources,
                    usage_fields_for)
    assert err.value.file_field == "aws-gpu-lab-gpu-0.stored_gb"


@pytest.mark.parametrize("path", sorted(USAGE_FILES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_usage_files_fit_their_stacks(path: Path, preview: Any) -> None:
    resources = preview(path.stem).resources
    check_usage(load_usage(path), str(path), resources, usage_fields_for)


def test_urn_parts() -> None:
    urn = "urn:pulumi:dev::proj::ailab:box:Box$aws:ec2/instance:Instance::box::node"
    assert split_urn(urn) == ("dev", "proj", "aws:ec2/instance:Instance", "box::node")


def test_pulumi_preview_create_is_priced(rows: Any) -> None:
    docs = load_preview(FIXTURES / "pulumi-preview-create.json")
    after = docs.after
    assert (after.stack, after.cloud, after.region) == ("dev", "aws", "us-east-1")
    names = {r.name for r in after.resources}
    assert "default-vpc" not in names and "gpu-box-dev" not in names  # read / root stack
    assert docs.before.resources == []
    cost = price_inventory(after)
    region = "us-east-1"
    gp3 = rows.storage_price("aws", region, "block", "gp3")
    node = cost.line("box-node")
    # spot comes from the launch template, found through propertyDependencies
    assert node.monthly_usd == pytest.approx(
        rows.instance("aws", "g6.xlarge", region, spot=True) * H + 100 * gp3)
    scratch = (1000 * gp3 + (6000 - 3000) * rows.storage_price("aws", region, "block", "gp3",
                                                                "iops")
               + (250 - 125) * rows.storage_price("aws", region, "block", "gp3", "throughput"))
    assert cost.line("box-scratch").monthly_usd == pytest.approx(scratch)
    assert cost.line("datasets").status == "usage"
    assert cost.line("notebook").status == "unpriced"
    assert cost.line("default_7_0_0").status == "free"
    assert node.component == "box"


def test_pulumi_preview_update_diff(rows: Any) -> None:
    docs = load_preview(FIXTURES / "pulumi-preview-update.json")
    assert docs.ops == {"gpu-box-dev": "same", "box-node": "update", "box-nat": "same",
                        "box-scratch": "delete", "box-home": "create"}
    diff = diff_costs(price_inventory(docs.before), price_inventory(docs.after))
    region = "us-east-1"
    type_change = (rows.instance("aws", "g6.2xlarge", region)
                   - rows.instance("aws", "g6.xlarge", region)) * H
    removed = 1000 * rows.storage_price("aws", region, "block", "gp3")
    changes = {d.name: d for d in diff.changed()}
    assert set(changes) == {"box-node", "box-scratch", "box-home"}
    assert changes["box-node"].delta_usd == pytest.approx(type_change)
    assert changes["box-scratch"].change == "removed"
    assert diff.total_delta_usd == pytest.approx(type_change - removed)


@pytest.mark.parametrize(("text", "field"), [
    ("{\"steps\": [{\"urn\": \"x\"}]}", "steps.0.op"),
    ("{\"steps\": [{\"op\": \"create\", \"urn\": \"arn:aws:x\"}]}", "steps[].urn"),
    ("{\"resources\": []}", "steps"),
    ("not json", "json"),
])
def test_bad_preview_files_are_one_line_errors(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(InputFileError) as err:
        load_preview(path)
    assert err.value.file_field == field


def test_missing_region_asks_for_one() -> None:
    data = json.loads((FIXTURES / "pulumi-preview-update.json").read_text())
    data["config"] = {}
    docs = preview_inventories(data, "p.json", region="us-west-2")
    assert docs.after.region == "us-west-2"
