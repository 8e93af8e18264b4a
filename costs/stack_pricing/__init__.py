"""Price a Pulumi stack's resource inventory before ``pulumi up``.

Pure functions over ``core.inventory.Inventory`` (no Pulumi or cloud SDK
imports): the inventory of ``ailab preview`` or of ``pulumi preview --json`` in,
priced lines out. Rules live per cloud and concern (``aws``, ``aws_storage``,
``gcp``, ``gcp_services``) in one registry keyed by resource type
(``registry.RULES``, a ``core.registry.Registry``); the registry never imports
them, this package does (the one wiring list below).
"""

from __future__ import annotations

from ailab.costs.stack_pricing import (
    aws,
    aws_observability,
    aws_storage,
    gcp,
    gcp_observability,
    gcp_services,
)
from ailab.costs.stack_pricing.diff import CostDiff, diff_costs, stack_cost_from_json
from ailab.costs.stack_pricing.engine import price_inventory, priced_document
from ailab.costs.stack_pricing.lines import CostLine, CostPart, StackCost

RULE_MODULES = (aws, aws_observability, aws_storage, gcp, gcp_observability, gcp_services)

__all__ = ["RULE_MODULES", "CostDiff", "CostLine", "CostPart", "StackCost", "diff_costs",
           "price_inventory", "priced_document", "stack_cost_from_json"]
