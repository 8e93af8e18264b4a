"""Run the benchmark: both models, a fixed number of steps, timed after warm-up.

Synthetic, learnable data, no downloads: MNIST-shaped images labelled by a
fixed random linear teacher, and token streams from a fixed random sparse
Markov chain, so the loss visibly falls. An "epoch" is 60,000 images for the
CNN (MNIST's train set) and ``GPT_EPOCH_TOKENS`` tokens for the GPT.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ailab.workloads.bench import hardware
from ailab.workloads.bench import numpy_models as npm
from ailab.workloads.bench.results import BenchResults, Hardware, ModelResult, Software
from ailab.workloads.bench.synthetic import (  # noqa: F401 - re-exported names
    CNN_EPOCH_EXAMPLES,
    GPT_EPOCH_TOKENS,
    GPT_PRESETS,
    cnn_batches,
    gpt_batches,
)


@dataclass(frozen=True)
class BenchConfig:
    backend: str = "auto"          # auto | numpy | torch
    device: str = "auto"           # auto | cpu | cuda | tpu
    cnn_steps: int = 20
    gpt_steps: int = 20
    warmup_steps: int = 2
    cnn_batch: int = 64
    gpt_batch: int = 8
    gpt_preset: str | None = None  # default: tiny (numpy/cpu), gpt2 (accelerators)
    seed: int = 0
    instance_type: str | None = None


def _timed(step: Callable[[], float], steps: int, warmup: int,
           sync: Callable[[], None]) -> tuple[float, float, float]:
    """(seconds per step, first loss, last loss); warm-up steps are not timed."""
    first = last = float("nan")
    for i in range(warmup):
        loss = step()
        first = float(loss) if i == 0 else first
    sync()
    start = time.perf_counter()
    losses = [step() for _ in range(steps)]
    sync()
    elapsed = time.perf_counter() - start
    first = float(losses[0]) if warmup == 0 else first
    last = float(losses[-1])
    return elapsed / steps, first, last


def _numpy_run(cfg: BenchConfig, gpt_cfg: npm.GptConfig, rng: np.random.Generator
               ) -> tuple[tuple[float, float, float], tuple[float, float, float], dict[str, Any]]:
    ccfg = npm.CnnConfig()
    cp = npm.cnn_init(ccfg, rng)
    copt = npm.Adam(cp, lr=2e-3)
    cdraw = cnn_batches(ccfg, cfg.cnn_batch, rng)

    def cstep() -> float:
        loss, grads = npm.cnn_loss_grads(cp, *cdraw())
        copt.step(grads)
        return loss

    gp = npm.gpt_init(gpt_cfg, rng)
    gopt = npm.Adam(gp, lr=3e-3)
    gdraw = gpt_batches(gpt_cfg, cfg.gpt_batch, rng)

    def gstep() -> float:
        loss, grads = npm.gpt_loss_grads(gp, *gdraw(), gpt_cfg)
        gopt.step(grads)
        return loss

    cnn = _timed(cstep, cfg.cnn_steps, cfg.warmup_steps, lambda: None)
    gpt = _timed(gstep, cfg.gpt_steps, cfg.warmup_steps, lambda: None)
    hw = hardware.cpu_hardware()
    sw = {"backend": "numpy", "torch": None, "device": "cpu", "dtype": "float32"}
    return cnn, gpt, hw | {"sw": sw}


def _torch_run(cfg: BenchConfig, gpt_cfg: npm.GptConfig, rng: np.random.Generator
               ) -> tuple[tuple[float, float, float], tuple[float, float, float], dict[str, Any]]:
    import torch
    import torch.nn.functional as F  # noqa: N812

    from ailab.workloads.bench import torch_models as tm

    torch.manual_seed(cfg.seed)
    device, backend = tm.pick_device(cfg.device)
    ccfg = npm.CnnConfig()
    cnn = tm.Cnn(ccfg).to(device)
    cstep_fn = tm.train_step_fn(cnn, device, lambda m, x, y: F.cross_entropy(m(x), y), 2e-3)
    cdraw = cnn_batches(ccfg, cfg.cnn_batch, rng)
    gpt = tm.Gpt(gpt_cfg).to(device)
    gstep_fn = tm.train_step_fn(
        gpt, device, lambda m, x, y: F.cross_entropy(m(x).flatten(0, 1), y.flatten()), 3e-4)
    gdraw = gpt_batches(gpt_cfg, cfg.gpt_batch, rng)

    def to_dev(batch: tuple[np.ndarray, np.ndarray]) -> list[Any]:
        return [torch.from_numpy(a).to(device) for a in batch]

    # Data is generated on the host up front so the timed loop measures training only.
    cdata = [to_dev(cdraw()) for _ in range(8)]
    gdata = [to_dev(gdraw()) for _ in range(8)]
    ci, gi = iter(range(10**9)), iter(range(10**9))
    sync = lambda: tm.synchronize(device)  # noqa: E731
    cres = _timed(lambda: cstep_fn(*cdata[next(ci) % 8]), cfg.cnn_steps, cfg.warmup_steps, sync)
    gres = _timed(lambda: gstep_fn(*gdata[next(gi) % 8]), cfg.gpt_steps, cfg.warmup_steps, sync)
    hw: dict[str, Any] = hardware.cpu_hardware()
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        hw |= {"kind": "gpu", "name": name, "accelerator": hardware.accelerator_for(name)}
    elif device.type == "xla":
        name = _xla_name()
        hw |= {"kind": "tpu", "name": name, "accelerator": hardware.accelerator_for(name)}
    dtype = "bfloat16 autocast" if device.type != "cpu" else "float32"
    hw["sw"] = {"backend": backend, "torch": torch.__version__, "device": str(device),
                "dtype": dtype}
    return cres, gres, hw


def _xla_name() -> str:
    import torch_xla  # type: ignore[import-not-found]

    try:
        return str(torch_xla.tpu.version())  # e.g. 5 -> "TPU v5"
    except Exception:  # noqa: BLE001 - older torch_xla: no version API
        return "TPU"


def _backend(cfg: BenchConfig) -> str:
    if cfg.backend != "auto":
        return cfg.backend
    try:
        import torch  # noqa: F401
    except ImportError:
        return "numpy"
    return "torch"


def run_bench(cfg: BenchConfig) -> BenchResults:
    """Train both models for ``cfg`` steps and return the measured results."""
    rng = np.random.default_rng(cfg.seed)
    backend = _backend(cfg)
    preset = cfg.gpt_preset or ("tiny" if backend == "numpy" else "auto")
    if preset == "auto":
        preset = "gpt2" if _has_accelerator() else "tiny"
    gpt_cfg = GPT_PRESETS[preset]
    runner = _numpy_run if backend == "numpy" else _torch_run
    cnn, gpt, hw = runner(cfg, gpt_cfg, rng)
    sw = hw.pop("sw")
    hw["instance_type"] = cfg.instance_type
    peak = hardware.peak_flops(hw["accelerator"])
    return BenchResults(
        schema="ailab-bench/1",
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        hardware=Hardware(**hw),
        software=Software(python=platform.python_version(), numpy=np.__version__, **sw),
        cnn=_cnn_result(cfg, cnn, peak),
        gpt=_gpt_result(cfg, gpt_cfg, gpt, peak),
    )


def _has_accelerator() -> bool:
    import torch

    if torch.cuda.is_available():
        return True
    try:
        import torch_xla  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def _cnn_result(cfg: BenchConfig, meas: tuple[float, float, float], peak: float | None
                ) -> ModelResult:
    step_s, first, last = meas
    per_ex = npm.cnn_flops_per_example(npm.CnnConfig())
    rate = cfg.cnn_batch / step_s
    params = sum(v.size for v in npm.cnn_init(npm.CnnConfig(), np.random.default_rng(0)).values())
    return ModelResult(
        model="cnn", params=params, steps=cfg.cnn_steps, warmup_steps=cfg.warmup_steps,
        batch_size=cfg.cnn_batch, epoch_examples=CNN_EPOCH_EXAMPLES, step_time_s=step_s,
        examples_per_s=rate, time_per_epoch_s=CNN_EPOCH_EXAMPLES / rate,
        flops_per_example=per_ex, achieved_flops=rate * per_ex, peak_flops=peak,
        mfu=rate * per_ex / peak if peak else None, loss_first=first, loss_last=last)


def _gpt_result(cfg: BenchConfig, g: npm.GptConfig, meas: tuple[float, float, float],
                peak: float | None) -> ModelResult:
    step_s, first, last = meas
    tokens = cfg.gpt_batch * g.seq_len / step_s
    per_tok = npm.gpt_flops_per_token(g)
    epoch_seqs = GPT_EPOCH_TOKENS // g.seq_len
    return ModelResult(
        model="gpt", params=npm.gpt_params(g), steps=cfg.gpt_steps,
        warmup_steps=cfg.warmup_steps, batch_size=cfg.gpt_batch, seq_len=g.seq_len,
        layers=g.layers, d_model=g.d_model, heads=g.heads, vocab=g.vocab,
        epoch_examples=epoch_seqs, step_time_s=step_s, examples_per_s=cfg.gpt_batch / step_s,
        tokens_per_s=tokens, time_per_epoch_s=GPT_EPOCH_TOKENS / tokens,
        flops_per_example=per_tok * g.seq_len, achieved_flops=tokens * per_tok,
        peak_flops=peak, mfu=tokens * per_tok / peak if peak else None,
        loss_first=first, loss_last=last)
