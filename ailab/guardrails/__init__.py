"""Guardrails: the security and FinOps rules every ailab stack must pass.

The rules work on plain resource data (``model.Res``), so the same functions
run under ``pulumi preview --policy-pack policies/`` (CrossGuard) and offline on
the preview inventory (``ailab preview STACK --policy``).
"""

from __future__ import annotations

from ailab.guardrails.model import RULES, Enforcement, Res, Rule, Severity, Violation, load_rules

__all__ = ["RULES", "Enforcement", "Res", "Rule", "Severity", "Violation", "load_rules"]
