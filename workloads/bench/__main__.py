"""``python -m ailab.workloads.bench``: run the benchmark, write results + calibration.

Needs only NumPy and pydantic (torch, torch_xla when present), so it runs on a
bare cloud machine from the synced work directory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from ailab.workloads.bench.results import calibration, write_results
from ailab.workloads.bench.runner import GPT_PRESETS, BenchConfig, run_bench


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m ailab.workloads.bench", description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("out/bench"),
                    help="output folder (default out/bench, never the committed bench/results)")
    ap.add_argument("--tag", help="file name stem (default: backend-device-hardware)")
    ap.add_argument("--backend", choices=["auto", "numpy", "torch"], default="auto")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda", "tpu"], default="auto")
    ap.add_argument("--cnn-steps", type=int, default=20)
    ap.add_argument("--gpt-steps", type=int, default=20)
    ap.add_argument("--warmup-steps", type=int, default=2)
    ap.add_argument("--cnn-batch", type=int, default=64)
    ap.add_argument("--gpt-batch", type=int, default=8)
    ap.add_argument("--gpt-preset", choices=sorted(GPT_PRESETS), default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--instance-type", default=os.environ.get("AILAB_INSTANCE_TYPE") or None,
                    help="cloud instance type it ran on (priced by `ailab bench report`)")
    args = ap.parse_args(argv)
    for name in ("cnn_steps", "gpt_steps", "cnn_batch", "gpt_batch"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be 1 or more")
    if args.warmup_steps < 0:
        ap.error("--warmup-steps must be 0 or more")
    return args


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = BenchConfig(backend=args.backend, device=args.device, cnn_steps=args.cnn_steps,
                      gpt_steps=args.gpt_steps, warmup_steps=args.warmup_steps,
                      cnn_batch=args.cnn_batch, gpt_batch=args.gpt_batch,
                      gpt_preset=args.gpt_preset, seed=args.seed,
                      instance_type=args.instance_type)
    results = run_bench(cfg)
    hw = results.hardware
    tag = args.tag or slug(f"{results.software.backend}-{hw.kind}-{hw.accelerator or hw.name}")
    cal = calibration(results)
    if cal is not None:
        cal_path = args.out / f"{tag}.calibration.json"
        cal_path.parent.mkdir(parents=True, exist_ok=True)
        cal_path.write_text(json.dumps(cal, indent=2) + "\n")
        results = results.model_copy(update={"calibration": cal_path.name})
    out = args.out / f"{tag}.results.json"
    write_results(results, out)
    c, g = results.cnn, results.gpt
    print(f"{hw.name} ({results.software.backend}, {results.software.device}): "
          f"CNN {c.time_per_epoch_s:.1f} s/epoch, GPT {g.tokens_per_s:,.0f} tokens/s"
          + (f", MFU {g.mfu:.3f}" if g.mfu is not None else "") + f" -> {out}")
    if cal is None:
        print("no calibration file: no accelerator with a known peak on this machine",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
