"""What the first ``pulumi up`` of a GCP stack needs: its APIs enabled before the
resources that call them, and a quota project for the budget under user
credentials, checked on the recorded inventory (provider record included)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.errors import ConfigError
from ailab.core.inventory import Inventory
from ailab.infra.gcp import facts
from ailab.infra.gcp.services import required_apis
from ailab.infra.provider_check import check_providers, default_provider, needed_apis
from ailab.infra.spec import load_spec
from ailab.infra.stacks import list_stacks, load_stack_config

GCP_STACKS = [s for s in list_stacks() if s.startswith("gcp-")]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_every_stack_is_ready_for_its_first_up(preview: Any, stack: str) -> None:
    assert check_providers(preview(stack)) == []


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_apis_enabled_are_the_apis_the_resources_need(preview: Any, stack: str) -> None:
    inv = preview(stack)
    lab = load_spec(load_stack_config(stack), stack)
    spec, watch = lab.gcp, lab.observability
    assert spec is not None
    enabled = {s.inputs["service"] for s in inv.by_type(tokens.GCP_PROJECTS_SERVICE)}
    assert enabled == set(required_apis(spec, watch.dashboard, watch.tracking is not None)) \
        == set(needed_apis(inv))
    for service in inv.by_type(tokens.GCP_PROJECTS_SERVICE):
        assert service.inputs["disableOnDestroy"] is False, "other stacks may use the API"


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_each_resource_waits_for_its_api(preview: Any, stack: str) -> None:
    inv = preview(stack)
    services = {s.inputs["service"]: s.name for s in inv.by_type(tokens.GCP_PROJECTS_SERVICE)}
    for res in inv.custom():
        api = facts.API_OF_TYPE.get(res.type)
        if api:
            direct = {name for names in res.deps.values() for name in names}
            assert services[api] in direct, res.name


def test_the_tpu_lab_enables_the_tpu_api_for_its_queued_slice(preview: Any) -> None:
    inv = preview("gcp-tpu-lab")
    queued = inv.by_type(tokens.DYNAMIC_RESOURCE)
    assert queued and all("gcp-tpu-lab-apis-tpu" in q.deps["dependsOn"] for q in queued)


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_default_provider_is_recorded_with_its_quota_project(preview: Any,
                                                                 stack: str) -> None:
    provider = default_provider(preview(stack))
    assert provider is not None and provider.type == tokens.PROVIDER_GCP
    config = load_stack_config(stack)
    assert provider.inputs["project"] == config["gcp:project"]
    assert provider.inputs["billingProject"] == config["gcp:billingProject"]
    assert provider.inputs["userProjectOverride"] == "true"
    assert provider.name.startswith("default_")


def _without(stack: str, key: str) -> dict[str, str]:
    raw = load_stack_config(stack)
    raw.pop(key)
    return raw


@pytest.mark.parametrize(("key", "value", "message"), [
    ("gcp:userProjectOverride", None, "a budget needs it true"),
    ("gcp:userProjectOverride", "false", "a budget needs it true"),
    ("gcp:billingProject", None, "needs a quota project"),
    ("gcp:billingProject", "Not_A_Project", "not a project ID"),
])
def test_a_budget_without_a_quota_project_is_one_clear_error(key: str, value: str | None,
                                                              message: str) -> None:
    raw = _without("gcp-gpu-lab", key) if value is None else {
        **load_stack_config("gcp-gpu-lab"), key: value}
    with pytest.raises(ConfigError, match=message) as err:
        load_spec(raw, "gcp-gpu-lab")
    assert err.value.key == key


def test_no_budget_needs_no_quota_project() -> None:
    raw = _without("gcp-gpu-lab", "gcp:billingProject")
    raw.update({"ailab:billingAccount": "", "ailab:budgetMonthlyUsd": "0"})
    raw.pop("gcp:userProjectOverride")
    assert load_spec(raw, "gcp-gpu-lab").gcp.budget is None  # type: ignore[union-attr]


def _mutated(preview: Any, stack: str) -> Inventory:
    return copy.deepcopy(preview(stack))


def test_the_check_sees_a_missing_override(preview: Any) -> None:
    inv = _mutated(preview, "gcp-gpu-lab")
    provider = default_provider(inv)
    assert provider is not None
    del provider.inputs["userProjectOverride"], provider.inputs["billingProject"]
    messages = [f.message for f in check_providers(inv)]
    assert any("userProjectOverride" in m for m in messages)
    assert any("billingProject" in m for m in messages)


def test_the_check_sees_an_api_left_off_and_a_resource_created_too_early(preview: Any) -> None:
    inv = _mutated(preview, "gcp-tpu-lab")
    inv.resources = [r for r in inv.resources if r.inputs.get("service") != facts.TPU_API]
    assert any(f.message == f"{facts.TPU_API} is not enabled by the stack"
               for f in check_providers(inv))
    inv = _mutated(preview, "gcp-tpu-lab")
    bucket = inv.by_type(tokens.GCP_STORAGE_BUCKET)[0]
    bucket.deps.pop("dependsOn")
    assert [f.resource for f in check_providers(inv)] == [bucket.name]


def test_the_check_refuses_a_type_it_cannot_place(preview: Any) -> None:
    inv = _mutated(preview, "gcp-tpu-lab")
    inv.resources[-1].type = "gcp:compute/address:Address"
    assert any("no known API" in f.message for f in check_providers(inv))
