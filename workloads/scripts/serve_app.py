"""A small FastAPI model server for SkyServe: the benchmark's GPT-style model.

``/health`` answers the readiness probe once the model is built; ``/generate``
samples tokens greedily from it. NumPy only, no downloads: a placeholder for
your own model behind the same probe and autoscaling settings.
"""

from __future__ import annotations

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, Field

from ailab.workloads.bench import numpy_models as npm

CFG = npm.GptConfig()
PARAMS = npm.gpt_init(CFG, np.random.default_rng(0))
app = FastAPI(title="ailab tiny GPT")


class GenerateRequest(BaseModel):
    tokens: list[int] = Field(min_length=1, max_length=CFG.seq_len)
    max_new_tokens: int = Field(default=16, ge=1, le=256)


def next_token(tokens: list[int]) -> int:
    """Greedy next token: the forward pass of the decoder, last position."""
    window = np.array([tokens[-CFG.seq_len:]]) % CFG.vocab
    logits = forward_logits(window)
    return int(np.argmax(logits[0, -1]))


def forward_logits(tokens: np.ndarray) -> np.ndarray:
    p, t = PARAMS, tokens.shape[1]
    x = p["wte"][tokens] + p["wpe"][:t]
    for i in range(CFG.layers):
        h, _ = npm.layer_norm(x, p[f"{i}.ln1_g"], p[f"{i}.ln1_b"])
        a, _ = npm._attention(h, p, i, CFG)
        x = x + a
        h, _ = npm.layer_norm(x, p[f"{i}.ln2_g"], p[f"{i}.ln2_b"])
        x = x + npm.gelu(h @ p[f"{i}.w1"] + p[f"{i}.b1"])[0] @ p[f"{i}.w2"] + p[f"{i}.b2"]
    hf, _ = npm.layer_norm(x, p["lnf_g"], p["lnf_b"])
    return np.asarray(hf @ p["head"])


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/generate")
def generate(req: GenerateRequest) -> dict[str, list[int]]:
    tokens = list(req.tokens)
    for _ in range(req.max_new_tokens):
        tokens.append(next_token(tokens))
    return {"tokens": tokens[len(req.tokens):]}
