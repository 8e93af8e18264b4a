"""What pricing adds to an offline preview, as the cluster grows, on both clouds.

For the AWS and GCP cluster stacks at 64, 256, 1,024 and 2,048 nodes, times in
the same process and run the offline preview of the stack (the peer: what a
user waits for anyway) and the pricing of its inventory (what `--cost` adds,
on a fresh copy so the inventory's indexes are built inside the timing), and
prints their ratio and the inventory look-ups per resource. Pricing must stay
well under 10 % of the preview at 2,048 nodes and its look-ups per resource
flat (``tests/costs/stack_pricing/test_scaling.py`` checks the latter without
timing).

    uv run --no-sync python bench/bench_preview_cost.py [--nodes 64 256 1024 2048] [--repeat 3]
    uv run --no-sync python bench/bench_preview_cost.py --cli   # also `ailab preview --cost`
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import median_seconds

STACKS = ("aws-h100-cluster", "gcp-a3-cluster")


def measure(stack: str, nodes: int, repeat: int) -> dict[str, float]:
    """Preview seconds, pricing seconds and look-ups per resource at ``nodes``."""
    from ailab.core.inventory import Inventory
    from ailab.costs.stack_pricing import price_inventory, priced_document
    from ailab.infra.preview import preview_stack

    overrides = {"ailab:clusterNodes": nodes}
    runs = max(1, repeat if nodes <= 256 else 1)
    found: list[Inventory] = []
    preview_s = median_seconds(
        lambda: found.append(preview_stack(stack, overrides=overrides)), runs)
    doc = found[-1].to_json()
    copies = [Inventory.from_json(doc) for _ in range(repeat)]
    price_s = median_seconds(lambda: priced_document(doc, price_inventory(copies.pop())), repeat)
    probe = Inventory.from_json(doc)
    cost = price_inventory(probe)
    custom = sum(1 for r in probe.resources if r.custom)
    return {"resources": len(probe.resources), "preview_s": preview_s, "price_s": price_s,
            "lookups": probe.lookups / custom, "total": cost.total_monthly_usd}


def _cli(stack: str, nodes: int, repeat: int) -> None:
    """`ailab preview --json` against `ailab preview --cost --json`, imports included."""
    text = Path("stacks", f"Pulumi.{stack}.yaml").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "Pulumi.bench.yaml").write_text(
            text.replace("ailab:clusterNodes: 2", f"ailab:clusterNodes: {nodes}"))
        base = [sys.executable, "-m", "ailab.cli.__main__", "preview", "bench", "--json",
                "--stacks-dir", tmp]

        def run(cmd: list[str]) -> None:
            subprocess.run(cmd, check=True, capture_output=True)

        plain = median_seconds(lambda: run(base), repeat)
        priced = median_seconds(lambda: run([*base, "--cost"]), repeat)
    print(f"{stack} {nodes} nodes, `ailab preview --json` {plain:.2f} s, with --cost "
          f"{priced:.2f} s ({priced / plain:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, nargs="+", default=[64, 256, 1024, 2048])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="also time the CLI at 64 nodes")
    args = parser.parse_args()

    from ailab.costs.stack_pricing import price_inventory
    from ailab.infra.preview import preview_stack

    for stack in STACKS:  # imports, catalog and price tables loaded before timing
        price_inventory(preview_stack(stack))
    print(f"{'stack':<18}{'nodes':>6}{'resources':>10}{'preview s':>11}{'pricing ms':>12}"
          f"{'ratio':>8}{'look-ups/res':>14}{'USD/month':>14}")
    for stack in STACKS:
        for nodes in args.nodes:
            m = measure(stack, nodes, args.repeat)
            print(f"{stack:<18}{nodes:>6}{m['resources']:>10.0f}{m['preview_s']:>11.2f}"
                  f"{m['price_s'] * 1000:>12.1f}{m['price_s'] / m['preview_s']:>8.1%}"
                  f"{m['lookups']:>14.2f}{m['total']:>14,.0f}", flush=True)
    if args.cli:
        for stack in STACKS:
            _cli(stack, 64, args.repeat)


if __name__ == "__main__":
    main()
