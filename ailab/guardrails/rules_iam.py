"""IAM guardrails: no admin-equivalent grants, no grants to everyone.

Statements are judged by what they allow, not by how they are spelled:
``Action: "*"``, ``"*:*"``, ``"iam:*"`` and ``NotAction`` (everything except a
list) are all broad; ``Resource: "*"`` and ``NotResource`` both mean every
resource. On GCP the primitive roles (owner, editor) and the public members
(allUsers, allAuthenticatedUsers) are found through every IAM resource kind
pulumi-gcp has (``*IAMMember``, ``*IAMBinding``, ``*IAMPolicy``).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.guardrails import types as t
from ailab.guardrails.documents import as_list, principals, statements
from ailab.guardrails.rule import Severity, is_unknown, items, mapping, resource_rule

SEC = "security"
ADMIN_POLICY_ARNS = ("arn:aws:iam::aws:policy/AdministratorAccess",
                     "arn:aws:iam::aws:policy/PowerUserAccess",
                     "arn:aws:iam::aws:policy/IAMFullAccess")
GCP_PRIMITIVE_ROLES = ("roles/owner", "roles/editor")
GCP_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
_ANY_SERVICE = ("s3:GetObject", "ec2:RunInstances", "zzz:Zzz")
"""An action pattern matching all of these matches every action."""
_ESCALATION = ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreatePolicyVersion",
               "iam:PassRole")
"""Holding these on every resource is admin in two steps (grant yourself anything)."""


def _matches(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def broad_actions(stmt: Mapping[str, Any]) -> str | None:
    """Why a statement's actions amount to admin, or None."""
    if stmt.get("NotAction") is not None:
        return f"NotAction {as_list(stmt.get('NotAction'))} (allows every other action)"
    actions = as_list(stmt.get("Action"))
    for action in actions:
        if all(_matches(action, probe) for probe in _ANY_SERVICE):
            return f"Action {action!r}"
    if all(any(_matches(a, probe) for a in actions) for probe in _ESCALATION):
        return f"Action {actions} (can grant itself any permission)"
    return None


def all_resources(stmt: Mapping[str, Any]) -> bool:
    """Whether a statement applies to every resource (``*`` or a ``NotResource`` list)."""
    if stmt.get("NotResource") is not None:
        return True
    return any(r == "*" or fnmatch.fnmatchcase("arn:aws:zzz:any:1:thing", r)
               for r in as_list(stmt.get("Resource")))


def admin_statements(document: Any) -> Iterator[str]:
    """A message per Allow statement that grants admin-equivalent access."""
    for stmt in statements(document):
        if stmt.get("Effect", "Allow") != "Allow":
            continue
        why = broad_actions(stmt)
        if why and all_resources(stmt):
            scope = "NotResource" if stmt.get("NotResource") is not None else "Resource \"*\""
            yield f"a statement allows {why} on {scope}"


def _aws_documents(res: Resource) -> list[Any]:
    if res.type == tokens.AWS_IAM_ROLE:
        return [mapping(p).get("policy") for p in items(res.get("inlinePolicies"))]
    return [res.get("policy")]


def _aws_arns(res: Resource) -> list[str]:
    if res.type in t.IAM_ATTACHMENT_TYPES:
        return as_list(res.get("policyArn"))
    if res.type in t.IAM_EXCLUSIVE_ATTACHMENT_TYPES:
        return as_list(res.get("policyArns"))
    if res.type == tokens.AWS_IAM_ROLE:
        return as_list(res.get("managedPolicyArns"))
    return []


def gcp_grants(res: Resource) -> list[tuple[str, list[str]]]:
    """(role, members) pairs a GCP IAM resource grants, whatever its kind."""
    kind = t.gcp_iam_kind(res.type)
    if kind == "member":
        return [(str(res.get("role") or ""), as_list(res.get("member")))]
    if kind == "binding":
        return [(str(res.get("role") or ""), as_list(res.get("members")))]
    if kind == "policy":
        data = res.get("policyData")
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except (json.JSONDecodeError, RecursionError):
                return []
        return [(str(mapping(b).get("role") or ""), as_list(mapping(b).get("members")))
                for b in items(mapping(data).get("bindings"))]
    return []


@resource_rule("iam-no-wildcard-admin", "No IAM grant amounts to administrator access", SEC,
               Severity.CRITICAL, "List the actions and resource ARNs the workload needs: never "
               "Action \"*\", \"iam:*\" or NotAction on every resource, AdministratorAccess/"
               "PowerUserAccess, or roles/owner|editor on GCP.",
               (*t.AWS_IAM_TYPES, *t.GCP_IAM_PATTERNS))
def iam_no_wildcard_admin(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if t.gcp_iam_kind(res.type):
        for role, _members in gcp_grants(res):
            if role in GCP_PRIMITIVE_ROLES:
                yield f"grants the primitive role {role}"
        return
    for arn in _aws_arns(res):
        if arn in ADMIN_POLICY_ARNS:
            yield f"attaches {arn}"
    for doc in _aws_documents(res):
        yield from admin_statements(doc)


def public_statements(document: Any) -> Iterator[str]:
    """A message per Allow statement whose principal is everyone, without a condition."""
    for stmt in statements(document):
        if stmt.get("Effect", "Allow") != "Allow" or stmt.get("Condition"):
            continue
        if "*" in principals(stmt) or stmt.get("NotPrincipal") is not None:
            who = "NotPrincipal" if stmt.get("NotPrincipal") is not None else "Principal \"*\""
            yield f"a statement allows {who} (anyone) without a condition"


@resource_rule("iam-no-public-principal", "No policy grants access to everyone", SEC,
               Severity.CRITICAL, "Name the principals (accounts, roles, services) or add a "
               "condition (aws:SourceArn, aws:PrincipalOrgID); never allUsers/"
               "allAuthenticatedUsers on GCP.",
               (*t.RESOURCE_POLICY_TYPES, *t.GCP_IAM_PATTERNS))
def iam_no_public_principal(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if t.gcp_iam_kind(res.type):
        for role, members in gcp_grants(res):
            public = [m for m in members if m in GCP_PUBLIC_MEMBERS]
            if public:
                yield f"grants {role or 'a role'} to {', '.join(public)}"
        return
    document = res.get(t.RESOURCE_POLICY_TYPES.get(res.type, "policy"))
    if not is_unknown(document):
        yield from public_statements(document)
