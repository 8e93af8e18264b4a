"""Synthetic, learnable training data and the model presets, NumPy only.

MNIST-shaped images labelled by a fixed random linear teacher, and token streams
from a fixed random sparse Markov chain, so the loss visibly falls. Scripts that
run on nodes (``workloads/scripts/train_ddp.py``) import this module, so it may
import nothing their task setup does not install (NumPy and torch).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ailab.workloads.bench import numpy_models as npm

CNN_EPOCH_EXAMPLES = 60_000
GPT_EPOCH_TOKENS = 2**24
GPT_PRESETS: dict[str, npm.GptConfig] = {
    "tiny": npm.GptConfig(vocab=256, seq_len=64, d_model=64, heads=4, layers=2),
    "small": npm.GptConfig(vocab=4096, seq_len=256, d_model=256, heads=4, layers=4),
    "gpt2": npm.GptConfig(vocab=50304, seq_len=1024, d_model=768, heads=12, layers=12),
}


def cnn_batches(cfg: npm.CnnConfig, batch: int, rng: np.random.Generator
                ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    teacher = rng.standard_normal((cfg.size * cfg.size, cfg.classes)).astype(np.float32)

    def draw() -> tuple[np.ndarray, np.ndarray]:
        x = rng.random((batch, 1, cfg.size, cfg.size), dtype=np.float32)
        y = np.argmax((x.reshape(batch, -1) - 0.5) @ teacher, axis=1)
        return x, y

    return draw


def gpt_batches(cfg: npm.GptConfig, batch: int, rng: np.random.Generator
                ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    nxt = rng.integers(0, cfg.vocab, size=(cfg.vocab, 4))  # 4 possible successors per token

    def draw() -> tuple[np.ndarray, np.ndarray]:
        seq = np.empty((batch, cfg.seq_len + 1), dtype=np.int64)
        seq[:, 0] = rng.integers(0, cfg.vocab, batch)
        for t in range(cfg.seq_len):
            seq[:, t + 1] = nxt[seq[:, t], rng.integers(0, 4, batch)]
        return seq[:, :-1], seq[:, 1:]

    return draw


def gpt_stream(cfg: npm.GptConfig, batch: int, seed: int
               ) -> Callable[[int, int], tuple[np.ndarray, np.ndarray]]:
    """Token batches as a function of (step, rank): one Markov chain for every rank
    and restart, and each batch drawn from its own (seed, rank, step) generator, so
    a resumed run sees exactly the batches the interrupted one would have."""
    nxt = np.random.default_rng(seed).integers(0, cfg.vocab, size=(cfg.vocab, 4))

    def draw(step: int, rank: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([seed, rank, step])
        seq = np.empty((batch, cfg.seq_len + 1), dtype=np.int64)
        seq[:, 0] = rng.integers(0, cfg.vocab, batch)
        for t in range(cfg.seq_len):
            seq[:, t + 1] = nxt[seq[:, t], rng.integers(0, 4, batch)]
        return seq[:, :-1], seq[:, 1:]

    return draw
