"""The typed lab spec: the whole stack config, validated before any resource.

``load_spec`` takes raw config (as the Pulumi engine passes it), parses it with
``infra.config`` and validates it into a frozen ``LabSpec``: the cloud-neutral
part here, the cloud part from ``infra.aws.spec`` (and other clouds beside it).
Every problem is a one-line ``ConfigError`` naming the key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ailab.core.errors import MISSING, ConfigError
from ailab.infra.cidr import check_not_internet, parse_cidr
from ailab.infra.config import NAMESPACE, parse_config
from ailab.infra.machines import CloudLabSpec, MachineGroup
from ailab.infra.observability import (
    ObservabilitySpec,
    build_observability,
    check_aws_tracking,
)

if TYPE_CHECKING:
    from ailab.infra.aws.spec import AwsLabSpec
    from ailab.infra.gcp.spec_types import GcpLabSpec

CLOUDS = ("aws", "gcp")


@dataclass(frozen=True)
class LabSpec:
    """Cloud-neutral settings shared by every lab, plus the cloud's own spec."""

    stack: str
    cloud: str
    region: str
    owner: str
    expires: str | None
    retain_on_delete: bool
    ssh_cidr: str | None
    observability: ObservabilitySpec = ObservabilitySpec()
    """The lab's dashboard and optional tracking server (``infra.observability``)."""
    aws: AwsLabSpec | None = None
    gcp: GcpLabSpec | None = None

    @property
    def cloud_spec(self) -> CloudLabSpec:
        """The cloud's own spec, through the seam every cloud implements."""
        found = self.aws if self.cloud == "aws" else self.gcp
        if found is None:
            raise ValueError(f"stack {self.stack} has no {self.cloud} spec")
        return found

    def machine_groups(self, role: str | None = None) -> list[MachineGroup]:
        """The stack's machine groups (only ``role``'s when given)."""
        groups = self.cloud_spec.machine_groups()
        return [g for g in groups if role is None or g.role == role]

    def tags(self) -> dict[str, str]:
        """AWS tags every resource carries (the janitor and cost reports use them)."""
        tags = {"ailab:stack": self.stack, "ailab:owner": self.owner}
        if self.expires:
            tags["ailab:expires"] = self.expires
        return tags

    def labels(self) -> dict[str, str]:
        """GCP labels (lowercase, no colons) with the same meaning as ``tags``."""
        labels = {"ailab-stack": _label(self.stack), "ailab-owner": _label(self.owner)}
        if self.expires:
            labels["ailab-expires"] = self.expires
        return labels


def _label(value: str) -> str:
    """GCP label values: lowercase letters, digits, '-' and '_' (max 63)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in value.lower())[:63]


def load_spec(raw: dict[str, str], stack: str) -> LabSpec:
    """Validate raw stack config into a LabSpec (raises ConfigError)."""
    values = parse_config(raw)
    cloud = values["cloud"]
    if cloud not in CLOUDS:
        raise ConfigError(f"{NAMESPACE}:cloud", cloud, f"allowed: {', '.join(CLOUDS)}")
    common = _common(values, stack, cloud)
    if cloud == "aws":
        from ailab.infra.aws.spec import build_aws_spec

        explicit = frozenset(k.split(":", 1)[1] for k in raw if k.startswith(f"{NAMESPACE}:"))
        aws = build_aws_spec(values, common, explicit)
        check_aws_tracking(common.observability, aws.network.nat_gateway)
        return _replace(common, aws=aws)
    from ailab.infra.gcp.spec import build_gcp_spec  # type: ignore[import-not-found,unused-ignore]

    return _replace(common, gcp=build_gcp_spec(values, common))


def _replace(spec: LabSpec, **changes: Any) -> LabSpec:
    from dataclasses import replace

    return replace(spec, **changes)


def _common(values: dict[str, Any], stack: str, cloud: str) -> LabSpec:
    region = _region(values, cloud)
    expires = values["expires"] or None
    if expires:
        try:
            dt.date.fromisoformat(expires)
        except ValueError:
            raise ConfigError(f"{NAMESPACE}:expires", expires, "expected a date YYYY-MM-DD") \
                from None
    ssh = values["sshCidr"] or None
    if ssh:
        parse_cidr(f"{NAMESPACE}:sshCidr", ssh)
        check_not_internet(f"{NAMESPACE}:sshCidr", ssh, "SSH")
    owner = values["owner"].strip()
    if not owner:
        raise ConfigError(f"{NAMESPACE}:owner", values["owner"], "must not be empty")
    return LabSpec(stack=stack, cloud=cloud, region=region, owner=owner, expires=expires,
                   retain_on_delete=values["retainOnDelete"], ssh_cidr=ssh,
                   observability=build_observability(values))


def _region(values: dict[str, Any], cloud: str) -> str:
    key = "aws:region" if cloud == "aws" else "gcp:region"
    region = values.get(key)
    if not region:
        raise ConfigError(key, MISSING, "this key is required",
                          hint=f"set it: pulumi config set {key} <region>")
    return str(region)
