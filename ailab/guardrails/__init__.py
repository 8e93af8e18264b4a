"""Guardrails: the security and FinOps rules every ailab stack must pass.

The rules work on the core inventory (``ailab.core.inventory.Resource`` and
``Inventory``), so the same functions run under ``pulumi preview --policy-pack
policies/`` (CrossGuard, through ``crossguard``) and offline on the preview
inventory (``ailab preview STACK --policy``).

Wiring: ``rule`` holds the registry and never imports the rule modules; this
package imports them here, in one list, and each registers its rules.
"""

from __future__ import annotations

from ailab.guardrails import (
    rules_autostop,
    rules_budget,
    rules_data,
    rules_finops,
    rules_iam,
    rules_network,
    rules_observability,
    rules_security,
    rules_transport,
)
from ailab.guardrails.rule import RULES, Enforcement, Rule, Severity, Violation, load_rules

RULE_MODULES = (rules_autostop, rules_budget, rules_data, rules_finops, rules_iam,
                rules_network, rules_observability, rules_security, rules_transport)

__all__ = ["RULES", "RULE_MODULES", "Enforcement", "Rule", "Severity", "Violation",
           "load_rules"]
