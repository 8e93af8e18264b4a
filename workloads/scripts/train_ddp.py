"""Distributed training with checkpoint/resume, started by launch_train.sh.

``--engine ddp`` (torchrun), ``accelerate`` (Hugging Face accelerate) or
``deepspeed`` (ZeRO from a config file). The model is the benchmark's GPT-style
decoder on synthetic tokens, a stand-in for your own model and data. Every
``--ckpt-every`` steps rank 0 writes ``step-N.pt`` to ``--ckpt-dir`` (the mounted
lab bucket); on start every rank loads the latest one, so a spot preemption or
restart loses at most ``--ckpt-every`` steps.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from ailab.workloads.bench.numpy_models import GptConfig
from ailab.workloads.bench.runner import GPT_PRESETS, gpt_batches
from ailab.workloads.bench.torch_models import Gpt


def latest_checkpoint(folder: Path) -> Path | None:
    found = [(int(m.group(1)), p) for p in folder.glob("step-*.pt")
             if (m := re.fullmatch(r"step-(\d+)\.pt", p.name))]
    return max(found)[1] if found else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["ddp", "accelerate", "deepspeed"], default="ddp")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--ckpt-dir", type=Path, required=True)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--preset", choices=sorted(GPT_PRESETS), default="small")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--deepspeed-config", default="workloads/configs/deepspeed_zero2.json")
    ap.add_argument("--local_rank", type=int, default=None)  # set by the deepspeed launcher
    args = ap.parse_args()
    cfg: GptConfig = GPT_PRESETS[args.preset]
    model = Gpt(cfg)
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local) if torch.cuda.is_available() else torch.device("cpu")
    engine, opt, accel = setup(args, model, device)
    args.ckpt_dir.mkdir(parents=True, exist_ok=True)
    start = resume(args.ckpt_dir, model, opt, engine, device)
    draw = gpt_batches(cfg, args.batch, np.random.default_rng(1000 + rank))
    for step in range(start, args.steps):
        x, y = (torch.from_numpy(a).to(device) for a in draw())
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = F.cross_entropy(engine(x).flatten(0, 1), y.flatten())
        if args.engine == "deepspeed":
            engine.backward(loss)
            engine.step()
        else:
            opt.zero_grad(set_to_none=True)
            accel.backward(loss) if accel else loss.backward()
            opt.step()
        if (step + 1) % args.ckpt_every == 0 or step + 1 == args.steps:
            save(args.ckpt_dir, step + 1, model, opt, engine, rank, args.engine)
            if rank == 0:
                print(f"step {step + 1} loss {loss.item():.4f}", flush=True)


def setup(args: argparse.Namespace, model: Gpt, device: torch.device):  # type: ignore[no-untyped-def]
    if args.engine == "deepspeed":
        import deepspeed

        engine, opt, _, _ = deepspeed.initialize(model=model, config=args.deepspeed_config,
                                                 model_parameters=model.parameters())
        return engine, opt, None
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    if args.engine == "accelerate":
        from accelerate import Accelerator

        accel = Accelerator()
        engine, opt = accel.prepare(model, opt)
        return engine, opt, accel
    torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    model.to(device)
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids), opt, None


def resume(folder: Path, model: Gpt, opt, engine, device: torch.device) -> int:  # type: ignore[no-untyped-def]
    path = latest_checkpoint(folder)
    if path is None:
        return 0
    state = torch.load(path, map_location=device)
    model.load_state_dict(state["model"])
    if opt is not None and state.get("optim"):
        opt.load_state_dict(state["optim"])
    print(f"resumed from {path}", flush=True)
    return int(state["step"])


def save(folder: Path, step: int, model: Gpt, opt, engine, rank: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    if kind == "deepspeed":
        engine.save_checkpoint(str(folder / "deepspeed"), tag=f"step-{step}")
    if rank != 0:
        return
    tmp = folder / f".step-{step}.pt.tmp"
    torch.save({"step": step, "model": model.state_dict(),
                "optim": opt.state_dict() if kind != "deepspeed" else {}}, tmp)
    tmp.rename(folder / f"step-{step}.pt")  # a half-written file is never "latest"


if __name__ == "__main__":
    main()
