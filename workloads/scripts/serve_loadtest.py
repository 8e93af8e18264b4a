"""Load-test one serving replica and write a serve calibration file.

    python -m ailab.workloads.scripts.serve_loadtest --url http://HOST:8000 \\
        --protocol kserve-v2 --model model --input x:FP32:1x4 \\
        --variant onnx-cpu --model-class tiny-mlp --cpus 2 \\
        --concurrency 4 --requests 2000 --out replica.calibration.json

Two phases against the endpoint: ``--sequential`` requests one after another
(their mean latency is ``request_s``, what a serverless platform bills per
request), then ``--requests`` requests from ``--concurrency`` closed-loop
workers (completed requests / wall time is ``requests_per_s``, what one replica
serves at that concurrency). ``kserve-v2`` sends random tensors of the given
shapes to ``/v2/models/<m>/infer`` (Triton, the CPU ONNX Runtime server);
``openai`` sends fixed-length prompts to ``/v1/completions`` (vLLM, TensorRT-LLM)
and also counts output tokens. The file follows ``costs/serve_calibration.py``
and is what ``replica.calibration`` in a serve scenario reads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ailab.workloads.scripts.kserve_client import DATATYPES, KServeClient, KServeError

Send = Callable[[], int | None]  # one request; returns output tokens when it counts them


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    duration_s: float
    latencies_s: tuple[float, ...]
    sequential_s: float
    output_tokens: int

    @property
    def requests_per_s(self) -> float:
        return (self.requests - self.errors) / self.duration_s

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.latencies_s, q) * 1000) if self.latencies_s else 0.0


def _timed(send: Send) -> tuple[float, int | None, bool]:
    start = time.perf_counter()
    try:
        tokens = send()
        ok = True
    except (KServeError, OSError, ValueError, KeyError):
        tokens, ok = None, False
    return time.perf_counter() - start, tokens, ok


def run_load(send: Send, concurrency: int, requests: int, sequential: int) -> LoadResult:
    """Sequential phase, then a closed loop of ``concurrency`` workers."""
    seq = [_timed(send) for _ in range(sequential)]
    seq_ok = [t for t, _, ok in seq if ok]
    if not seq_ok:
        raise KServeError("every sequential request failed: is the endpoint up?")
    lock = threading.Lock()
    left = [requests]
    lat: list[float] = []
    stats = {"errors": 0, "tokens": 0}

    def worker() -> None:
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            elapsed, tokens, ok = _timed(send)
            with lock:
                if ok:
                    lat.append(elapsed)
                    stats["tokens"] += tokens or 0
                else:
                    stats["errors"] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(requests, stats["errors"], time.perf_counter() - start, tuple(lat),
                      float(np.mean(seq_ok)), stats["tokens"])


def kserve_sender(url: str, model: str, specs: list[str], seed: int = 0) -> Send:
    """Random tensors of ``NAME:DATATYPE:DxD`` shapes to the model's infer endpoint."""
    client, rng = KServeClient(url), np.random.default_rng(seed)
    inputs = {}
    for spec in specs:
        name, datatype, shape = spec.split(":")
        dims = [int(d) for d in shape.split("x")]
        inputs[name] = (rng.standard_normal(dims) * 4).astype(DATATYPES[datatype])

    def send() -> None:
        client.infer(model, inputs)
        return None

    return send


def openai_sender(url: str, model: str, prompt_tokens: int, max_tokens: int) -> Send:
    """Fixed-length completions; returns the output tokens the server reports."""
    body = json.dumps({"model": model, "prompt": " hello" * prompt_tokens,
                       "max_tokens": max_tokens, "temperature": 0}).encode()

    def send() -> int:
        req = urllib.request.Request(url.rstrip("/") + "/v1/completions", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=600) as resp:
            doc = json.loads(resp.read())
        return int(doc["usage"]["completion_tokens"])

    return send


def calibration(result: LoadResult, args: argparse.Namespace) -> dict[str, object]:
    """The calibration document (``costs/serve_calibration.py``) of one run."""
    tokens = result.output_tokens / result.duration_s if result.output_tokens else None
    return {"schema": "ailab.serve-calibration/1", "variant": args.variant,
            "model_class": args.model_class, "accelerator": args.accelerator,
            "accelerator_count": args.accelerator_count if args.accelerator else 0,
            "cpus": args.cpus, "protocol": args.protocol, "concurrency": args.concurrency,
            "requests": result.requests, "errors": result.errors,
            "duration_s": round(result.duration_s, 4),
            "requests_per_s": round(result.requests_per_s, 4),
            "request_s": round(result.sequential_s, 6),
            "latency_p50_ms": round(result.percentile_ms(50), 3),
            "latency_p99_ms": round(result.percentile_ms(99), 3),
            "output_tokens_per_s": round(tokens, 3) if tokens else None,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "target": args.url}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--protocol", choices=("kserve-v2", "openai"), default="kserve-v2")
    p.add_argument("--model", required=True)
    p.add_argument("--input", action="append", default=[], help="NAME:DATATYPE:DxD (kserve-v2)")
    p.add_argument("--prompt-tokens", type=int, default=128)
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--variant", required=True)
    p.add_argument("--model-class", required=True)
    p.add_argument("--accelerator", default="", help="e.g. L4; empty for a CPU replica")
    p.add_argument("--accelerator-count", type=int, default=1)
    p.add_argument("--cpus", type=int, default=None, help="vCPUs of a CPU replica")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--sequential", type=int, default=100)
    p.add_argument("--out", type=Path, required=True)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from ailab.core.outputs import write_atomic
    from ailab.costs.serve_calibration import ServeCalibration

    args = parse_args(argv)
    if args.protocol == "kserve-v2":
        if not args.input:
            print("error: --input: give NAME:DATATYPE:DxD for each model input", file=sys.stderr)
            return 2
        send = kserve_sender(args.url, args.model, args.input)
    else:
        send = openai_sender(args.url, args.model, args.prompt_tokens, args.max_tokens)
    try:
        result = run_load(send, args.concurrency, args.requests, args.sequential)
    except (KServeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    doc = ServeCalibration.model_validate(calibration(result, args)).as_dict()
    write_atomic(args.out, json.dumps(doc, indent=2) + "\n")
    print(f"{doc['requests_per_s']} requests/s at concurrency {args.concurrency}, "
          f"{doc['request_s']} s per sequential request -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
