"""Tag (AWS) and label (GCP) keys ailab writes and reads, and the GCP label rules.

The same facts are written by the Pulumi program (every resource carries the
stack, owner and expiry), read by the janitor (protection, marks, expiry) and
checked by the guardrails, so they are spelled here once. AWS tag keys may
contain ``:``; GCP label keys and values may not, hence the ``-`` spellings.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_MAX = 63
"""GCP label keys and values: at most 63 characters."""


@dataclass(frozen=True)
class TagKeys:
    """The keys of one cloud's tags or labels."""

    stack: str
    owner: str
    expires: str
    protect: str
    spot_exempt: str
    node_rank: str
    janitor_mark: str
    janitor_final_snapshot: str
    janitor_run: str


AWS = TagKeys(stack="ailab:stack", owner="ailab:owner", expires="ailab:expires",
              protect="ailab:protect", spot_exempt="ailab:spot-exempt",
              node_rank="ailab:node-rank", janitor_mark="ailab:janitor-marked",
              janitor_final_snapshot="ailab:janitor-final-snapshot-of",
              janitor_run="ailab:janitor-run")
GCP = TagKeys(stack="ailab-stack", owner="ailab-owner", expires="ailab-expires",
              protect="ailab-protect", spot_exempt="ailab-spot-exempt",
              node_rank="ailab-node-rank", janitor_mark="ailab-janitor-marked",
              janitor_final_snapshot="ailab-janitor-final-snapshot-of",
              janitor_run="ailab-janitor-run")

KEYS: dict[str, TagKeys] = {"aws": AWS, "gcp": GCP}

# GCE instance metadata keys the idle watchdog reads at every sample.
GCP_IDLE_MINUTES = "ailab-idle-minutes"
GCP_IDLE_GPU_PERCENT = "ailab-idle-gpu-percent"
# EC2 tags saying an on-machine idle watchdog stops the instance (and its thresholds).
AWS_IDLE_MINUTES = "ailab:idle-minutes"
AWS_IDLE_GPU_PERCENT = "ailab:idle-gpu-percent"
AWS_IDLE_CPU_PERCENT = "ailab:idle-cpu-percent"
GCP_GPUDIRECT = "ailab-gpudirect"


def keys(cloud: str) -> TagKeys:
    """The tag keys of ``cloud`` (``aws`` or ``gcp``)."""
    return KEYS[cloud]


def label_value(value: str, empty: str = "") -> str:
    """A GCP label value: lowercase letters, digits, ``-`` and ``_``, at most 63 characters.

    Anything else becomes ``_`` so that ``Alice.Smith@uni.edu`` still labels the
    owner (``alice_smith_uni_edu``) instead of failing ``pulumi up``.
    """
    clean = "".join(c if c.isalnum() or c in "-_" else "_" for c in value.lower())
    return clean[:LABEL_MAX].strip("_") or empty

