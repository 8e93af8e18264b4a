"""What pricing adds to an offline preview: the 64-node cluster with and without cost.

Times, in the same process and run, the offline preview of the cluster stack at
64 nodes (the peer) and the pricing of its inventory (what `--cost` adds), and
prints the ratio. Then times the full `ailab preview --cost --json` command
against `ailab preview --json` as subprocesses (imports included).

    uv run --no-sync python bench/bench_preview_cost.py [--nodes 64] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", default="aws-h100-cluster")
    parser.add_argument("--nodes", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from ailab.costs.stack_pricing import price_inventory, priced_document
    from ailab.infra.preview import preview_stack

    overrides = {"ailab:clusterNodes": args.nodes}
    preview_stack(args.stack, overrides=overrides)  # warm imports
    inv = preview_stack(args.stack, overrides=overrides)
    doc = inv.to_json()
    price_inventory(doc)  # warm catalog and price tables

    preview_s = _median(lambda: preview_stack(args.stack, overrides=overrides), args.repeat)
    price_s = _median(lambda: priced_document(doc, price_inventory(doc)), args.repeat)
    cost = price_inventory(doc)
    print(f"{args.stack} at {args.nodes} nodes: {len(inv.resources)} resources, "
          f"total ${cost.total_monthly_usd:,.2f}/month")
    print(f"preview (mocked program run): {preview_s * 1000:.1f} ms")
    print(f"pricing the inventory:        {price_s * 1000:.1f} ms "
          f"({price_s / preview_s * 100:.1f}% of the preview)")

    text = Path("stacks", f"Pulumi.{args.stack}.yaml").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "Pulumi.bench.yaml").write_text(
            text.replace("ailab:clusterNodes: 2", f"ailab:clusterNodes: {args.nodes}"))
        base = [sys.executable, "-m", "ailab.cli.__main__", "preview", "bench", "--json",
                "--stacks-dir", tmp]

        def run(cmd: list[str]) -> None:
            subprocess.run(cmd, check=True, capture_output=True)

        plain = _median(lambda: run(base), max(3, args.repeat // 2))
        priced = _median(lambda: run([*base, "--cost"]), max(3, args.repeat // 2))
    print(f"`ailab preview --json`:        {plain:.2f} s")
    print(f"`ailab preview --cost --json`: {priced:.2f} s ({priced / plain:.2f}x)")


if __name__ == "__main__":
    main()
