"""The benchmark's two models in torch (CPU, CUDA, or TPU through torch_xla).

Same architectures as ``numpy_models``: the CNN layer for layer, the GPT as a
pre-LN decoder with fused causal attention. Only imported when torch is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from ailab.workloads.bench.numpy_models import CnnConfig, GptConfig


class Cnn(nn.Module):
    def __init__(self, cfg: CnnConfig) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, cfg.c1, 3, padding=1)
        self.c2 = nn.Conv2d(cfg.c1, cfg.c2, 3, padding=1)
        self.fc = nn.Linear(cfg.c2 * (cfg.size // 4) ** 2, cfg.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.avg_pool2d(F.relu(self.c1(x)), 2)
        x = F.avg_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(x.flatten(1))


class Block(nn.Module):
    def __init__(self, cfg: GptConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.heads = cfg.heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, cfg: GptConfig) -> None:
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab, cfg.d_model)
        self.wpe = nn.Embedding(cfg.seq_len, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.lnf = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab, bias=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
        for blk in self.blocks:
            nn.init.normal_(blk.proj.weight, std=0.02 / math.sqrt(2 * cfg.layers))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.wte(tokens) + self.wpe(pos)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.lnf(x))


def pick_device(requested: str) -> tuple[torch.device, str]:
    """(device, backend): cuda when present, TPU via torch_xla when asked or alone."""
    if requested in ("auto", "tpu"):
        try:
            import torch_xla.core.xla_model as xm  # type: ignore[import-not-found]

            return xm.xla_device(), "torch_xla"
        except ImportError:
            if requested == "tpu":
                raise
    if requested in ("auto", "cuda", "gpu") and torch.cuda.is_available():
        return torch.device("cuda"), "torch"
    return torch.device("cpu"), "torch"


def synchronize(device: torch.device) -> None:
    """Wait for queued device work so wall-clock time is real."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "xla":
        import torch_xla.core.xla_model as xm  # type: ignore[import-not-found]

        xm.mark_step()
        xm.wait_device_ops()


def train_step_fn(model: nn.Module, device: torch.device, loss_of: Callable[..., torch.Tensor],
                  lr: float) -> Callable[..., float]:
    """One optimisation step (AdamW, bf16 autocast on accelerators)."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    use_amp = device.type in ("cuda", "xla")

    def step(*batch: Any) -> Any:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
            loss = loss_of(model, *batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device.type == "xla":
            import torch_xla.core.xla_model as xm  # type: ignore[import-not-found]

            xm.mark_step()
        return loss.detach()

    return step
