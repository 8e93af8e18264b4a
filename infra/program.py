"""The Pulumi program: read config once, validate it into a LabSpec, build the lab."""

from __future__ import annotations

import pulumi

from ailab.core.errors import AilabError
from ailab.infra.config import read_pulumi_config
from ailab.infra.spec import LabSpec, load_spec


def build(spec: LabSpec) -> None:
    """Declare every resource of the lab described by ``spec`` and export outputs."""
    if spec.cloud == "aws":
        from ailab.infra.aws.lab import AwsLab

        lab = AwsLab(spec.stack, spec)
        outputs = lab.outputs
    else:
        from ailab.infra.gcp.lab import GcpLab  # type: ignore[import-not-found,unused-ignore]

        outputs = GcpLab(spec.stack, spec).outputs
    for key, value in outputs.items():
        pulumi.export(key, value)
    pulumi.export("cloud", spec.cloud)
    pulumi.export("owner", spec.owner)


def main() -> None:
    """Entry point under ``pulumi up``: a bad config is one clean error, no traceback."""
    try:
        spec = load_spec(read_pulumi_config(), pulumi.get_stack())
    except AilabError as exc:
        hint = f" (hint: {exc.hint})" if exc.hint else ""
        raise pulumi.RunError(f"{exc.message}{hint}") from None
    build(spec)
