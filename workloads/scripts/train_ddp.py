"""Distributed training with checkpoint/resume, started by launch_train.sh.

``--engine ddp`` (torchrun), ``accelerate`` (Hugging Face accelerate) or
``deepspeed`` (ZeRO from a config file). The model is the benchmark's GPT-style
decoder on synthetic tokens, a stand-in for your own model and data.

Resume restores everything the next step depends on, so a restarted run
continues the same loss curve:

- ddp/accelerate: every ``--ckpt-every`` steps rank 0 writes ``step-N.pt``
  (model, optimizer, LR scheduler, step) to ``--ckpt-dir``, atomically; on start
  every rank loads the latest one before training.
- deepspeed: DeepSpeed's own ``engine.save_checkpoint``/``load_checkpoint``
  (every rank: module, ZeRO-partitioned optimizer with its fp32 master weights,
  scheduler, and the step as client state) under ``--ckpt-dir/deepspeed``.

The data stream is a function of (seed, rank, step), so the batches after a
resume are the ones the interrupted run would have seen. This script runs on the
nodes: it imports only what the task setup installs (torch, NumPy, and
DeepSpeed/accelerate for those engines) plus the NumPy-only parts of ailab.
When the stack has a tracking server (``MLFLOW_TRACKING_URI``) rank 0 logs the
parameters and the loss curve to MLflow (``ailab.workloads.tracking``).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812

from ailab.workloads.bench.synthetic import GPT_PRESETS, gpt_stream
from ailab.workloads.bench.torch_models import Gpt
from ailab.workloads.tracking import RunTracker

DS_DIR = "deepspeed"


def latest_checkpoint(folder: Path) -> Path | None:
    found = [(int(m.group(1)), p) for p in folder.glob("step-*.pt")
             if (m := re.fullmatch(r"step-(\d+)\.pt", p.name))]
    return max(found)[1] if found else None


def warmup_cosine(steps: int, warmup: int = 10) -> Any:
    """LR multiplier: linear warm-up, then cosine decay to 10 % (state a resume must keep)."""
    import math

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        done = min(1.0, (step - warmup) / max(1, steps - warmup))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done))
    return factor


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["ddp", "accelerate", "deepspeed"], default="ddp")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--ckpt-dir", type=Path, required=True)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--preset", choices=sorted(GPT_PRESETS), default="small")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--deepspeed-config", default="workloads/configs/deepspeed_zero2.json")
    ap.add_argument("--stop-after", type=int, default=None,
                    help="Exit after this step's checkpoint (a preemption drill).")
    ap.add_argument("--losses", type=Path, default=None,
                    help="Append 'step loss' lines here (rank 0).")
    ap.add_argument("--local_rank", type=int, default=None)  # set by the deepspeed launcher
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    cfg = GPT_PRESETS[args.preset]
    torch.manual_seed(args.seed)
    model = Gpt(cfg)
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local) if torch.cuda.is_available() else torch.device("cpu")
    args.ckpt_dir.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(args, model, device)
    start = trainer.resume()
    tracker = RunTracker(args.ckpt_dir, rank, {
        "engine": args.engine, "preset": args.preset, "batch": args.batch, "lr": args.lr,
        "steps": args.steps, "seed": args.seed,
        "world_size": int(os.environ.get("WORLD_SIZE", "1"))})
    draw = gpt_stream(cfg, args.batch, args.seed)
    for step in range(start, args.steps):
        x, y = (torch.from_numpy(a).to(device) for a in draw(step, rank))
        loss = trainer.step(x, y)
        tracker.loss(step + 1, loss)
        if rank == 0 and args.losses is not None:
            with args.losses.open("a") as out:
                out.write(f"{step + 1} {loss:.6f}\n")
        if (step + 1) % args.ckpt_every == 0 or step + 1 == args.steps:
            trainer.save(step + 1, rank)
            if rank == 0:
                print(f"step {step + 1} loss {loss:.4f}", flush=True)
        if args.stop_after is not None and step + 1 >= args.stop_after:
            break
    tracker.close()


class Trainer:
    """One engine's setup, step, save and resume."""

    def __init__(self, args: argparse.Namespace, model: Gpt, device: torch.device) -> None:
        self.args, self.model, self.device = args, model, device
        self.accel: Any = None
        if args.engine == "deepspeed":
            import deepspeed

            opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
            sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(args.steps))
            self.engine, self.opt, _, self.sched = deepspeed.initialize(
                model=model, optimizer=opt, lr_scheduler=sched, config=args.deepspeed_config)
            return
        self.opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, warmup_cosine(args.steps))
        if args.engine == "accelerate":
            from accelerate import Accelerator

            self.accel = Accelerator()
            self.engine, self.opt, self.sched = self.accel.prepare(model, self.opt, self.sched)
            return
        if not torch.distributed.is_initialized():
            torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
        model.to(device)
        ids = [device.index] if device.type == "cuda" else None
        self.engine = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        dev = self.device
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            loss = F.cross_entropy(self.engine(x).flatten(0, 1), y.flatten())
        if self.args.engine == "deepspeed":
            self.engine.backward(loss)
            self.engine.step()  # also steps the scheduler it was given
        else:
            self.opt.zero_grad(set_to_none=True)
            self.accel.backward(loss) if self.accel else loss.backward()
            self.opt.step()
            self.sched.step()
        return float(loss.item())

    def save(self, step: int, rank: int) -> None:
        folder = self.args.ckpt_dir
        if self.args.engine == "deepspeed":
            # Collective: every rank writes its ZeRO partition; `latest` names the tag.
            self.engine.save_checkpoint(str(folder / DS_DIR), tag=f"step-{step}",
                                        client_state={"step": step})
            return
        if rank != 0:
            return
        tmp = folder / f".step-{step}.pt.tmp"
        torch.save({"step": step, "model": self.model.state_dict(),
                    "optim": self.opt.state_dict(), "sched": self.sched.state_dict()}, tmp)
        tmp.rename(folder / f"step-{step}.pt")  # a half-written file is never "latest"

    def resume(self) -> int:
        """The step to start from (0 without a checkpoint), state restored."""
        folder = self.args.ckpt_dir
        if self.args.engine == "deepspeed":
            if not (folder / DS_DIR / "latest").is_file():
                return 0
            path, client = self.engine.load_checkpoint(str(folder / DS_DIR),
                                                       load_optimizer_states=True,
                                                       load_lr_scheduler_states=True)
            if path is None:
                return 0
            print(f"resumed from {path}", flush=True)
            return int(client["step"])
        path = latest_checkpoint(folder)
        if path is None:
            return 0
        state = torch.load(path, map_location=self.device)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optim"])
        self.sched.load_state_dict(state["sched"])
        print(f"resumed from {path}", flush=True)
        return int(state["step"])


if __name__ == "__main__":
    main()
