"""Guardrails: the security and FinOps rules every ailab stack must pass.

The rules work on plain resource data (``rule.Res``), so the same functions run
under ``pulumi preview --policy-pack policies/`` (CrossGuard) and offline on the
preview inventory (``ailab preview STACK --policy``).

Wiring: ``rule`` holds the registry and never imports the rule modules; this
package imports them here, in one list, and each registers its rules.
"""

from __future__ import annotations

from ailab.guardrails import (
    rules_data,
    rules_finops,
    rules_network,
    rules_observability,
    rules_security,
)
from ailab.guardrails.rule import RULES, Enforcement, Res, Rule, Severity, Violation, load_rules

RULE_MODULES = (rules_data, rules_finops, rules_network, rules_observability, rules_security)

__all__ = ["RULES", "RULE_MODULES", "Enforcement", "Res", "Rule", "Severity", "Violation",
           "load_rules"]
