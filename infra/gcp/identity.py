"""The lab nodes' identity: a dedicated service account with minimal roles.

Never the Compute Engine default account (which has Editor on the project):
nodes may write logs and metrics, and read/write objects of the lab bucket
only (granted on the bucket in ``storage.py``). The OAuth scope is
``cloud-platform`` because, with a dedicated account, IAM roles are what limit
access (Google's recommended setup); the scope is not the control.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.services import child_options

PROJECT_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter")
SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


def account_id(stack: str) -> str:
    """A valid service-account ID (6-30 chars, [a-z][-a-z0-9]*[a-z0-9]) for a stack."""
    body = re.sub(r"[^a-z0-9-]", "-", stack.lower())
    text = f"ailab-{body}"[:30].rstrip("-")
    return text if len(text) >= 6 else f"{text}-nodes"


@dataclass
class NodeIdentityArgs:
    """Inputs of the node identity."""

    project: str
    stack: str


class NodeIdentity(pulumi.ComponentResource):
    """Service account + project roles for writing logs and metrics."""

    def __init__(self, name: str, args: NodeIdentityArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:NodeIdentity", name, None, opts)
        child = child_options(self, opts)
        self.account = gcp.serviceaccount.Account(
            f"{name}-sa", account_id=account_id(args.stack),
            display_name=f"ailab {args.stack} lab nodes",
            description="Lab VMs and TPU VMs: logs, metrics and the lab bucket only",
            opts=child)
        self.email = self.account.email
        self.member = self.account.member
        for role in PROJECT_ROLES:
            gcp.projects.IAMMember(f"{name}-{role.split('/')[1].replace('.', '-').lower()}",
                                   project=args.project, role=role, member=self.member,
                                   opts=child)
        self.register_outputs({"email": self.email})

    def service_account(self) -> Any:
        """The ``service_account`` block of an instance or template."""
        return {"email": self.email, "scopes": SCOPES}
