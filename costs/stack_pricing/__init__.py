"""Price a Pulumi stack's resource inventory before ``pulumi up``.

Pure functions over plain data (no Pulumi or cloud SDK imports): the inventory
of ``ailab preview`` or of ``pulumi preview --json`` in, priced lines out. Rules
live per cloud (``aws``, ``gcp``) in a registry keyed by resource type; the
registry never imports them, this package does (the one wiring list below).
"""

from __future__ import annotations

from ailab.costs.stack_pricing import aws, gcp
from ailab.costs.stack_pricing.diff import CostDiff, diff_costs, stack_cost_from_json
from ailab.costs.stack_pricing.engine import price_inventory, priced_document
from ailab.costs.stack_pricing.lines import CostLine, CostPart, StackCost

RULE_MODULES = (aws, gcp)

__all__ = ["RULE_MODULES", "CostDiff", "CostLine", "CostPart", "StackCost", "diff_costs",
           "price_inventory",
           "priced_document", "stack_cost_from_json"]
