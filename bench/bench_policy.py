"""What the guardrails add to an offline preview, at 64 to 2,048 cluster nodes.

For each cloud's cluster stack and node count, in the same process: the offline
preview (the peer: the mocked program run Pulumi would do), then the policy
step (``ailab preview --policy``: every rule over the inventory), split into the
budget rules' pricing of the stack and the rules themselves. Prints the times
and the policy/preview ratio; the policy step should stay well under 10 % of
the preview at 2,048 nodes.

    uv run --no-sync python bench/bench_policy.py [--nodes 64 256 1024 2048] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from timing import median_seconds

STACKS = ("aws-h100-cluster", "gcp-a3-cluster")


def measure(stack: str, nodes: int, repeat: int) -> dict[str, float]:
    """Preview, policy, pricing (inside the budget rules) and rules-only seconds."""
    from ailab.core.inventory import Inventory
    from ailab.costs.stack_pricing import price_inventory
    from ailab.guardrails.evaluate import evaluate
    from ailab.guardrails.rule import load_rules
    from ailab.guardrails.rules_budget import BUDGETS

    overrides = {"ailab:clusterNodes": nodes}
    from ailab.infra.preview import preview_stack

    start = time.perf_counter()
    inventory = preview_stack(stack, overrides=overrides)
    preview_s = time.perf_counter() - start
    doc = inventory.to_json()
    budget_rules = [r.id for r in load_rules().values() if set(r.types) <= set(BUDGETS)]
    other_rules = [r for r in load_rules() if r not in budget_rules]

    def fresh() -> Inventory:
        return Inventory.from_json(doc)

    return {"resources": len(inventory.resources), "preview_s": preview_s,
            "policy_s": median_seconds(lambda: evaluate(fresh()), repeat),
            "pricing_s": median_seconds(lambda: price_inventory(doc), repeat),
            "rules_s": median_seconds(lambda: evaluate(fresh(), only=other_rules), repeat)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, nargs="+", default=[64, 256, 1024, 2048])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stacks", nargs="+", default=list(STACKS))
    args = parser.parse_args()

    from ailab.infra.preview import preview_stack

    for stack in args.stacks:
        measure(stack, 8, 1)  # warm imports, catalog and price tables
    preview_stack(args.stacks[0])
    print(f"{'stack':18} {'nodes':>6} {'resources':>9} {'preview s':>10} {'policy ms':>10} "
          f"{'pricing ms':>11} {'rules ms':>9} {'policy/preview':>15} {'rules/preview':>14}")
    for stack in args.stacks:
        for nodes in args.nodes:
            m = measure(stack, nodes, args.repeat)
            print(f"{stack:18} {nodes:>6} {m['resources']:>9.0f} {m['preview_s']:>10.2f} "
                  f"{m['policy_s'] * 1000:>10.1f} {m['pricing_s'] * 1000:>11.1f} "
                  f"{m['rules_s'] * 1000:>9.1f} {m['policy_s'] / m['preview_s']:>14.1%} "
                  f"{m['rules_s'] / m['preview_s']:>14.1%}", flush=True)


if __name__ == "__main__":
    main()
