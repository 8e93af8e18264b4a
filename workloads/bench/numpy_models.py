"""The benchmark's two models in pure NumPy: real forward, backward and Adam.

Used where torch is not importable (CI, laptops): a small CNN on MNIST-shaped
images and a small GPT-style decoder (pre-LayerNorm, causal multi-head
attention, GELU MLP). Gradients are written out by hand and checked against
finite differences in the tests. float32 throughout, like the torch path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Params = dict[str, np.ndarray]
F32 = np.float32


class Adam:
    """Adam (Kingma & Ba 2015) over a dict of arrays, updated in place."""

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: Params) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for k, g in grads.items():
            self.m[k] = b1 * self.m[k] + (1.0 - b1) * g
            self.v[k] = b2 * self.v[k] + (1.0 - b2) * g * g
            step = self.lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)
            self.params[k] -= step.astype(F32)


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy over rows and its gradient w.r.t. the logits."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    probs = exp / exp.sum(axis=-1, keepdims=True)
    n = labels.shape[0]
    loss = -float(np.mean(np.log(probs[np.arange(n), labels] + 1e-12)))
    grad = probs
    grad[np.arange(n), labels] -= 1.0
    return loss, (grad / n).astype(F32)


# --- CNN ----------------------------------------------------------------------------------------

def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3x3 convolution, stride 1, zero padding 1: (B,C,H,W) x (O,C,3,3) -> (B,O,H,W)."""
    _, _, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((x.shape[0], w.shape[0], h, wd), dtype=np.result_type(x, w))
    for i in range(3):
        for j in range(3):
            out += np.einsum("bchw,oc->bohw", xp[:, :, i:i + h, j:j + wd], w[:, :, i, j],
                             optimize=True)
    return out + b[None, :, None, None]


def conv3x3_backward(x: np.ndarray, w: np.ndarray, dout: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of conv3x3 w.r.t. input, weights and bias."""
    _, _, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(3):
        for j in range(3):
            dw[:, :, i, j] = np.einsum("bohw,bchw->oc", dout, xp[:, :, i:i + h, j:j + wd],
                                       optimize=True)
            dxp[:, :, i:i + h, j:j + wd] += np.einsum("bohw,oc->bchw", dout, w[:, :, i, j],
                                                      optimize=True)
    return dxp[:, :, 1:-1, 1:-1], dw, dout.sum(axis=(0, 2, 3))


def avgpool2(x: np.ndarray) -> np.ndarray:
    b, c, h, w = x.shape
    return x.reshape(b, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def avgpool2_backward(dout: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(dout, 2, axis=2), 2, axis=3) / 4.0


@dataclass(frozen=True)
class CnnConfig:
    """conv(1->c1) ReLU pool, conv(c1->c2) ReLU pool, linear -> 10 classes."""

    c1: int = 8
    c2: int = 16
    size: int = 28
    classes: int = 10


def cnn_init(cfg: CnnConfig, rng: np.random.Generator) -> Params:
    flat = cfg.c2 * (cfg.size // 4) ** 2
    return {
        "w1": (rng.standard_normal((cfg.c1, 1, 3, 3)) * math.sqrt(2 / 9)).astype(F32),
        "b1": np.zeros(cfg.c1, F32),
        "w2": (rng.standard_normal((cfg.c2, cfg.c1, 3, 3)) * math.sqrt(2 / (9 * cfg.c1))
               ).astype(F32),
        "b2": np.zeros(cfg.c2, F32),
        "w3": (rng.standard_normal((flat, cfg.classes)) * math.sqrt(1 / flat)).astype(F32),
        "b3": np.zeros(cfg.classes, F32),
    }


def cnn_loss_grads(p: Params, x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    """Forward and backward of the CNN on one batch."""
    z1 = conv3x3(x, p["w1"], p["b1"])
    a1 = np.maximum(z1, 0)
    p1 = avgpool2(a1)
    z2 = conv3x3(p1, p["w2"], p["b2"])
    a2 = np.maximum(z2, 0)
    p2 = avgpool2(a2)
    flat = p2.reshape(x.shape[0], -1)
    logits = flat @ p["w3"] + p["b3"]
    loss, dlogits = cross_entropy(logits, y)
    g: Params = {"w3": flat.T @ dlogits, "b3": dlogits.sum(axis=0)}
    dp2 = (dlogits @ p["w3"].T).reshape(p2.shape)
    dz2 = avgpool2_backward(dp2) * (z2 > 0)
    dp1, g["w2"], g["b2"] = conv3x3_backward(p1, p["w2"], dz2)
    dz1 = avgpool2_backward(dp1) * (z1 > 0)
    _, g["w1"], g["b1"] = conv3x3_backward(x, p["w1"], dz1)
    return loss, {k: v.astype(F32) for k, v in g.items()}


def cnn_flops_per_example(cfg: CnnConfig) -> float:
    """Training FLOPs per image: 3x the forward multiply-adds x 2."""
    s = cfg.size
    fwd = 2 * 9 * (cfg.c1 * s * s + cfg.c2 * cfg.c1 * (s // 2) ** 2) \
        + 2 * cfg.c2 * (s // 4) ** 2 * cfg.classes
    return 3.0 * fwd


# --- GPT ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GptConfig:
    """A small pre-LN decoder: ``layers`` blocks of causal attention + GELU MLP."""

    vocab: int = 256
    seq_len: int = 64
    d_model: int = 64
    heads: int = 4
    layers: int = 2


def gpt_init(cfg: GptConfig, rng: np.random.Generator) -> Params:
    d = cfg.d_model

    def normal(*shape: int, std: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * std).astype(F32)

    p: Params = {"wte": normal(cfg.vocab, d), "wpe": normal(cfg.seq_len, d),
                 "lnf_g": np.ones(d, F32), "lnf_b": np.zeros(d, F32), "head": normal(d, cfg.vocab)}
    proj_std = 0.02 / math.sqrt(2 * cfg.layers)
    for i in range(cfg.layers):
        p |= {f"{i}.ln1_g": np.ones(d, F32), f"{i}.ln1_b": np.zeros(d, F32),
              f"{i}.wqkv": normal(d, 3 * d), f"{i}.bqkv": np.zeros(3 * d, F32),
              f"{i}.wo": normal(d, d, std=proj_std), f"{i}.bo": np.zeros(d, F32),
              f"{i}.ln2_g": np.ones(d, F32), f"{i}.ln2_b": np.zeros(d, F32),
              f"{i}.w1": normal(d, 4 * d), f"{i}.b1": np.zeros(4 * d, F32),
              f"{i}.w2": normal(4 * d, d, std=proj_std), f"{i}.b2": np.zeros(d, F32)}
    return p


def layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    mu = x.mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-5)
    xhat = (x - mu) * inv
    return xhat * g + b, (xhat, inv, g)


def layer_norm_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xhat, inv, g = cache
    dxhat = dy * g
    dx = inv * (dxhat - dxhat.mean(axis=-1, keepdims=True)
                - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))
    axes = tuple(range(dy.ndim - 1))
    return dx, (dy * xhat).sum(axis=axes), dy.sum(axis=axes)


_GELU_C = math.sqrt(2.0 / math.pi)


def gelu(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tanh-approximated GELU and its derivative."""
    t = np.tanh(_GELU_C * (u + 0.044715 * u**3))
    dt = (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * u * u)
    return 0.5 * u * (1 + t), 0.5 * (1 + t) + 0.5 * u * dt


def _attention(h: np.ndarray, p: Params, i: int, cfg: GptConfig) -> tuple[np.ndarray, tuple]:
    b, t, d = h.shape
    hd = d // cfg.heads
    qkv = h @ p[f"{i}.wqkv"] + p[f"{i}.bqkv"]
    q, k, v = (qkv[..., j * d:(j + 1) * d].reshape(b, t, cfg.heads, hd).transpose(0, 2, 1, 3)
               for j in range(3))
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd)
    scores = np.where(np.tril(np.ones((t, t), bool)), scores, -1e9)
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs = scores / scores.sum(axis=-1, keepdims=True)
    o = (probs @ v).transpose(0, 2, 1, 3).reshape(b, t, d)
    return o @ p[f"{i}.wo"] + p[f"{i}.bo"], (h, q, k, v, probs, o)


def _attention_backward(da: np.ndarray, cache: tuple, p: Params, i: int, cfg: GptConfig,
                        g: Params) -> np.ndarray:
    h, q, k, v, probs, o = cache
    b, t, d = h.shape
    hd = d // cfg.heads
    g[f"{i}.wo"] = o.reshape(-1, d).T @ da.reshape(-1, d)
    g[f"{i}.bo"] = da.sum(axis=(0, 1))
    do = (da @ p[f"{i}.wo"].T).reshape(b, t, cfg.heads, hd).transpose(0, 2, 1, 3)
    dprobs = do @ v.transpose(0, 1, 3, 2)
    dv = probs.transpose(0, 1, 3, 2) @ do
    dscores = probs * (dprobs - (dprobs * probs).sum(axis=-1, keepdims=True)) / math.sqrt(hd)
    dq = dscores @ k
    dk = dscores.transpose(0, 1, 3, 2) @ q
    dqkv = np.concatenate([x.transpose(0, 2, 1, 3).reshape(b, t, d) for x in (dq, dk, dv)], -1)
    g[f"{i}.wqkv"] = h.reshape(-1, d).T @ dqkv.reshape(-1, 3 * d)
    g[f"{i}.bqkv"] = dqkv.sum(axis=(0, 1))
    return dqkv @ p[f"{i}.wqkv"].T


def gpt_loss_grads(p: Params, tokens: np.ndarray, targets: np.ndarray, cfg: GptConfig
                   ) -> tuple[float, Params]:
    """Forward and backward of the decoder on one batch of (B, T) token ids."""
    b, t = tokens.shape
    x = p["wte"][tokens] + p["wpe"][:t]
    caches = []
    for i in range(cfg.layers):
        h1, ln1 = layer_norm(x, p[f"{i}.ln1_g"], p[f"{i}.ln1_b"])
        a, att = _attention(h1, p, i, cfg)
        x = x + a
        h2, ln2 = layer_norm(x, p[f"{i}.ln2_g"], p[f"{i}.ln2_b"])
        u = h2 @ p[f"{i}.w1"] + p[f"{i}.b1"]
        gu, dgu = gelu(u)
        x = x + gu @ p[f"{i}.w2"] + p[f"{i}.b2"]
        caches.append((ln1, att, ln2, h2, gu, dgu))
    hf, lnf = layer_norm(x, p["lnf_g"], p["lnf_b"])
    logits = hf.reshape(-1, cfg.d_model) @ p["head"]
    loss, dlogits = cross_entropy(logits, targets.reshape(-1))
    g: Params = {"head": hf.reshape(-1, cfg.d_model).T @ dlogits}
    dx, g["lnf_g"], g["lnf_b"] = layer_norm_backward(
        (dlogits @ p["head"].T).reshape(b, t, -1), lnf)
    for i in reversed(range(cfg.layers)):
        ln1, att, ln2, h2, gu, dgu = caches[i]
        d = cfg.d_model
        g[f"{i}.w2"] = gu.reshape(-1, 4 * d).T @ dx.reshape(-1, d)
        g[f"{i}.b2"] = dx.sum(axis=(0, 1))
        du = (dx @ p[f"{i}.w2"].T) * dgu
        g[f"{i}.w1"] = h2.reshape(-1, d).T @ du.reshape(-1, 4 * d)
        g[f"{i}.b1"] = du.sum(axis=(0, 1))
        dh2, g[f"{i}.ln2_g"], g[f"{i}.ln2_b"] = layer_norm_backward(du @ p[f"{i}.w1"].T, ln2)
        dx = dx + dh2
        dh1 = _attention_backward(dx, att, p, i, cfg, g)
        dh1, g[f"{i}.ln1_g"], g[f"{i}.ln1_b"] = layer_norm_backward(dh1, ln1)
        dx = dx + dh1
    g["wpe"] = np.zeros_like(p["wpe"])
    g["wpe"][:t] = dx.sum(axis=0)
    g["wte"] = np.zeros_like(p["wte"])
    np.add.at(g["wte"], tokens.reshape(-1), dx.reshape(-1, cfg.d_model))
    return loss, {k: v.astype(F32) for k, v in g.items()}


def gpt_params(cfg: GptConfig) -> int:
    """Parameter count (embeddings and head included)."""
    d, layers = cfg.d_model, cfg.layers
    per_layer = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d)
    return cfg.vocab * d + cfg.seq_len * d + 2 * d + d * cfg.vocab + layers * per_layer


def gpt_flops_per_token(cfg: GptConfig) -> float:
    """6N + 12 L d T (the same formula ``ailab estimate train`` uses)."""
    return 6.0 * gpt_params(cfg) + 12.0 * cfg.layers * cfg.d_model * cfg.seq_len
