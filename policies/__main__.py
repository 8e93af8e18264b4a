"""The ailab CrossGuard policy pack: ``pulumi preview --policy-pack policies/``.

Every rule of ``ailab.guardrails`` becomes one policy (named by its rule id, with
its severity, enforcement level and remediation). ``ailab policy list`` prints
the same rules; ``ailab preview STACK --policy`` runs them offline.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the pack runs from policies/; the rules live in the project
    sys.path.insert(0, str(ROOT))

from pulumi_policy import PolicyPack  # noqa: E402

from ailab.guardrails.crossguard import build_policies  # noqa: E402

PACK_NAME = "ailab-guardrails"


def main() -> PolicyPack:
    """Build (and, under the Pulumi engine, serve) the policy pack."""
    return PolicyPack(name=PACK_NAME, policies=build_policies(),
                      description="ailab guardrails: encryption at rest and in transit, "
                                  "public access, IMDSv2, network exposure, IAM, GCE "
                                  "identity, shared file systems, tags, spot, budgets and "
                                  "the priced forecast, auto-stop, allowed instance types, "
                                  "data retention.")


if __name__ == "__main__":
    main()
