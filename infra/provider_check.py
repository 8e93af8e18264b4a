"""What the first ``pulumi up`` of a stack needs from its provider, checked offline.

``pulumi preview`` against a real account would fail on these; the recorded
inventory (``infra.preview``) holds everything needed to see them first:

- the default provider (``pulumi:providers:<cloud>``, made from the stack's
  ``aws:*`` / ``gcp:*`` keys) sets its region (AWS) or project, region and zone
  (GCP);
- GCP, with a billing budget: ``userProjectOverride`` true and a
  ``billingProject`` (the Billing Budgets API answers 403 to user credentials
  without a quota project);
- GCP: every resource's API (``infra.gcp.facts.API_OF_TYPE``) is enabled by a
  ``gcp:projects/service:Service`` of the stack, and the resource is ordered after
  it (directly or through what it depends on); IAP is enabled when SSH goes
  through IAP, and logging/monitoring when the lab has machines.

``check_providers`` returns findings (empty: ready); guardrails and tests call it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.infra.gcp import facts

PROVIDER_KEYS = {"aws": ("region",), "gcp": ("project", "region", "zone")}
GCP_MACHINES = (tokens.GCP_COMPUTE_INSTANCE, tokens.GCP_COMPUTE_INSTANCE_TEMPLATE,
                tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE)


@dataclass(frozen=True)
class ProviderFinding:
    """One thing the first ``pulumi up`` would trip over."""

    resource: str
    message: str


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def default_provider(inv: Inventory) -> Resource | None:
    """The stack's default provider record for its cloud, if recorded."""
    token = {"aws": tokens.PROVIDER_AWS, "gcp": tokens.PROVIDER_GCP}.get(inv.cloud)
    found = inv.by_type(token) if token else []
    return found[0] if found else None


def check_providers(inv: Inventory) -> list[ProviderFinding]:
    """Every provider-configuration and API-enablement problem of the stack."""
    provider = default_provider(inv)
    if provider is None:
        return [ProviderFinding(inv.stack, f"no default {inv.cloud} provider recorded")]
    findings = [ProviderFinding(provider.name, f"provider has no {key}")
                for key in PROVIDER_KEYS.get(inv.cloud, ()) if not provider.inputs.get(key)]
    if inv.cloud == "gcp":
        findings += _quota_project(inv, provider) + _apis(inv)
    return findings


def _quota_project(inv: Inventory, provider: Resource) -> list[ProviderFinding]:
    budgets = inv.by_type(tokens.GCP_BILLING_BUDGET)
    if not budgets:
        return []
    found = []
    if not _truthy(provider.inputs.get("userProjectOverride")):
        found.append(ProviderFinding(provider.name, "a billing budget needs "
                                     "gcp:userProjectOverride true"))
    if not provider.inputs.get("billingProject"):
        found.append(ProviderFinding(provider.name, "a billing budget needs gcp:billingProject "
                                     "(quota project of the Billing Budgets API)"))
    return found


def api_of(res: Resource) -> str | None:
    """The API a GCP resource is created through (None: not a GCP API resource)."""
    if res.type == tokens.DYNAMIC_RESOURCE:
        return facts.DYNAMIC_KIND_APIS.get(str(res.inputs.get("kind")))
    return facts.API_OF_TYPE.get(res.type)


def needed_apis(inv: Inventory) -> dict[str, list[Resource]]:
    """API -> the resources that need it (runtime needs under the stack's name)."""
    needed: dict[str, list[Resource]] = {}
    for res in inv.custom():
        api = api_of(res)
        if api:
            needed.setdefault(api, []).append(res)
    stack = Resource(type=tokens.STACK, name=inv.stack)
    if any(r.type in GCP_MACHINES and api_of(r) for r in inv.custom()):
        for api in facts.NODE_APIS:
            needed.setdefault(api, []).append(stack)
    if any(facts.IAP_SSH_RANGE in (r.inputs.get("sourceRanges") or [])
           for r in inv.by_type(tokens.GCP_COMPUTE_FIREWALL)):
        needed.setdefault(facts.IAP_API, []).append(stack)
    return needed


def _apis(inv: Inventory) -> list[ProviderFinding]:
    services = {str(s.inputs.get("service")): s
                for s in inv.by_type(tokens.GCP_PROJECTS_SERVICE)}
    found = [ProviderFinding(r.name, f"type {r.type} has no known API; add it to "
                             "infra/gcp/facts.API_OF_TYPE")
             for r in inv.custom() if r.type.startswith("gcp:") and api_of(r) is None
             and r.type not in (tokens.GCP_PROJECTS_SERVICE, tokens.PROVIDER_GCP)]
    for api, users in sorted(needed_apis(inv).items()):
        service = services.get(api)
        if service is None:
            found.append(ProviderFinding(users[0].name, f"{api} is not enabled by the stack"))
            continue
        found += [ProviderFinding(r.name, f"created before {api} is enabled (no dependency "
                                  f"on {service.name})")
                  for r in users if r.type != tokens.STACK and not _after(inv, r, service)]
    return found


def _after(inv: Inventory, res: Resource, target: Resource) -> bool:
    """Whether ``res`` depends on ``target``, directly or through its dependencies."""
    seen: set[str] = set()
    todo = [res]
    while todo:
        current = todo.pop()
        for names in current.deps.values():
            for name in names:
                if name == target.name:
                    return True
                if name not in seen and (dep := inv.find(name)) is not None:
                    seen.add(name)
                    todo.append(dep)
    return False
