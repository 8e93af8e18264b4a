"""Usage-file keys as patterns: which key wins, and which fields go where."""

from __future__ import annotations

import pytest

from ailab.core.errors import InputFileError
from ailab.core.inventory import Inventory, Resource
from ailab.costs.usage import usage_for, usage_for_pair

INSTANCE, BUCKET = "aws:ec2/instance:Instance", "aws:s3/bucket:Bucket"
READS = {INSTANCE: frozenset({"hours_per_month", "egress_gb"}),
         BUCKET: frozenset({"stored_gb", "egress_gb"})}


def fields_for(type_: str) -> frozenset[str]:
    return READS.get(type_, frozenset())


RESOURCES = [Resource(INSTANCE, f"lab-gpu-{i}") for i in range(3)] + [
    Resource(BUCKET, "lab-data")]


def test_less_specific_patterns_first_then_exact_names_field_by_field() -> None:
    raw = {"lab-gpu-1": {"hours_per_month": 10}, "lab-*": {"egress_gb": 1},
           "lab-gpu-*": {"hours_per_month": 100, "egress_gb": 2}}
    got = usage_for(raw, "u.yaml", RESOURCES, fields_for)
    assert got == {"lab-gpu-0": {"hours_per_month": 100, "egress_gb": 2},
                   "lab-gpu-1": {"hours_per_month": 10, "egress_gb": 2},
                   "lab-gpu-2": {"hours_per_month": 100, "egress_gb": 2},
                   "lab-data": {"egress_gb": 1}}


def test_a_pattern_gives_each_resource_only_the_fields_its_rule_reads() -> None:
    got = usage_for({"lab-*": {"stored_gb": 5, "hours_per_month": 7}}, "u.yaml", RESOURCES,
                    fields_for)
    assert got["lab-data"] == {"stored_gb": 5}
    assert got["lab-gpu-0"] == {"hours_per_month": 7}


def test_character_classes_and_unmatched_patterns() -> None:
    got = usage_for({"lab-gpu-[01]": {"hours_per_month": 1}}, "u.yaml", RESOURCES, fields_for)
    assert set(got) == {"lab-gpu-0", "lab-gpu-1"}
    with pytest.raises(InputFileError, match="lab-cpu-\\*: matches no resource"):
        usage_for({"lab-cpu-*": {"hours_per_month": 1}}, "u.yaml", RESOURCES, fields_for)
    assert usage_for({"lab-cpu-*": {"hours_per_month": 1}}, "u.yaml", RESOURCES, fields_for,
                     skip_unmatched=True) == {}


def test_pair_translates_the_other_stacks_prefix_in_patterns_too() -> None:
    doc_a = Inventory("a", "aws", "us-east-1", [Resource(INSTANCE, f"a-gpu-{i}")
                                                for i in range(2)])
    doc_b = Inventory("b", "aws", "us-east-1", [Resource(INSTANCE, f"b-gpu-{i}")
                                                for i in range(4)])
    use_a, use_b = usage_for_pair({"a-gpu-*": {"hours_per_month": 50}}, "u.yaml", doc_a, doc_b,
                                  fields_for)
    assert set(use_a) == {"a-gpu-0", "a-gpu-1"}
    assert set(use_b) == {f"b-gpu-{i}" for i in range(4)}
    with pytest.raises(InputFileError, match="no resource of that name in either stack"):
        usage_for_pair({"c-gpu-*": {"hours_per_month": 1}}, "u.yaml", doc_a, doc_b, fields_for)
