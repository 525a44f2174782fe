"""Forward time and peak memory of every mechanism at growing source lengths, beside PyTorch's SDPA.

    python -m benchmarks.mechanisms                 # CPU (and CUDA when present), S = 128 … 8192
    python -m benchmarks.mechanisms --sizes 128 512 --device cpu

Each (mechanism, length) runs in a fresh subprocess so that CPU peak memory can be read as the growth of
the process's maximum resident set during one forward pass (CUDA: ``max_memory_allocated``). Times are the
median of several forward passes after that one. The target ratios (global vs SDPA's math path; global vs
banded local) are timed again with both calls interleaved in one process. Shapes: batch 1, S queries over S keys, d = 64 (self-
alignment, the case where dense attention is quadratic); image attention has 16 queries over S regions.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable

import torch
import torch.nn.functional as F

DIM, WIDTH, HOPS = 64, 8, 4
CONCAT_MAX = 2048   # the additive score materialises [S, S, hidden]: 17 GB at S = 8192


def _inputs(S: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return (torch.randn(1, S, DIM, generator=g).to(device), torch.randn(1, S, DIM, generator=g).to(device))


def _build(name: str, S: int, device: torch.device) -> Callable[[], object]:
    """A zero-argument forward call for mechanism ``name`` at length ``S``."""
    from attention_core.mechanisms import (
        GlobalAttention,
        HierarchicalAttention,
        LocalAttention,
        SoftImageAttention,
        StructuredSelfAttention,
    )
    q, k = _inputs(S, device)
    if name.startswith("global-"):
        m = GlobalAttention(DIM, DIM, score=name.split("-", 1)[1]).to(device)
        return lambda: m(q, k)
    if name.startswith("sdpa"):
        from torch.nn.attention import SDPBackend, sdpa_kernel
        backend = SDPBackend.MATH if name == "sdpa-math" else None
        def run() -> object:
            if backend is None:
                return F.scaled_dot_product_attention(q, k, k)
            with sdpa_kernel(backend):
                return F.scaled_dot_product_attention(q, k, k)
        return run
    if name.startswith("local-"):
        kind, _, path = name.partition(":")
        alignment = {"local-m": "monotonic", "local-p": "predictive"}[kind]
        m = LocalAttention(DIM, DIM, width=WIDTH, alignment=alignment, score="general").to(device)
        return (lambda: m.banded(q, k)) if path == "banded" else (lambda: m(q, k))
    if name == "structured-self":
        m = StructuredSelfAttention(DIM, DIM, HOPS).to(device)
        return lambda: m(k)
    if name == "hierarchical":
        m = HierarchicalAttention(DIM).to(device)
        words = k.reshape(1, S // 32, 32, DIM)
        return lambda: m(words)
    if name == "soft-image":
        m = SoftImageAttention(DIM, DIM, DIM).to(device)
        return lambda: m(k, q[:, :16])
    raise ValueError(name)


MECHANISMS = ["sdpa", "sdpa-math", "global-scaled_dot", "global-dot", "global-general", "global-concat",
              "local-m:banded", "local-p:banded", "local-m:dense", "local-p:dense",
              "structured-self", "hierarchical", "soft-image"]


def measure_one(name: str, S: int, device_name: str, min_seconds: float = 0.3) -> dict[str, float]:
    """Peak extra memory (MB) of one forward pass and the median time (ms) of several."""
    device = torch.device(device_name)
    torch.manual_seed(0)
    with torch.inference_mode():
        fn = _build(name, S, device)
        if device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            fn()
            torch.cuda.synchronize()
            peak = (torch.cuda.max_memory_allocated() - base) / 2 ** 20
        else:
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            fn()
            peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
        times: list[float] = []
        start = time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - start < min_seconds and len(times) < 50):
            t0 = time.perf_counter()
            fn()
            if device.type == "cuda":
                torch.cuda.synchronize()
            times.append((time.perf_counter() - t0) * 1000)
    return {"ms": statistics.median(times), "peak_mb": max(peak, 0.0)}


def measure_pair(a: str, b: str, S: int, device_name: str, min_seconds: float = 1.0) -> dict[str, float]:
    """Time ratio a / b from interleaved calls in one process (each median over the same period), so
    that machine noise between separate processes does not move the ratio."""
    device = torch.device(device_name)
    torch.manual_seed(0)
    with torch.inference_mode():
        fns = {a: _build(a, S, device), b: _build(b, S, device)}
        times: dict[str, list[float]] = {a: [], b: []}
        for fn in fns.values():  # warm-up
            fn()
        start = time.perf_counter()
        while len(times[a]) < 5 or (time.perf_counter() - start < min_seconds and len(times[a]) < 100):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                if device.type == "cuda":
                    torch.cuda.synchronize()
                times[name].append((time.perf_counter() - t0) * 1000)
    ma, mb = statistics.median(times[a]), statistics.median(times[b])
    return {"a_ms": ma, "b_ms": mb, "ratio": ma / mb}


def _run_subprocess(name: str, S: int, device: str, pair_with: str | None = None) -> dict[str, float] | None:
    args = ["--pair", name, pair_with, str(S), device] if pair_with else ["--one", name, str(S), device]
    out = subprocess.run([sys.executable, "-m", "benchmarks.mechanisms", *args], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"  {name} S={S} failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(sizes: list[int], devices: list[str], mechanisms: list[str]) -> list[dict[str, object]]:
    """Measure every (device, mechanism, size); rows for the table."""
    rows = []
    for device in devices:
        for S in sizes:
            for name in mechanisms:
                if name == "global-concat" and S > CONCAT_MAX:
                    continue
                result = _run_subprocess(name, S, device)
                if result:
                    rows.append({"device": device, "mechanism": name, "S": S, **result})
                    print(f"  {device} {name:<18} S={S:<5} {result['ms']:9.2f} ms {result['peak_mb']:9.1f} MB",
                          file=sys.stderr)
    return rows


def pairs(sizes: list[int], devices: list[str]) -> list[dict[str, object]]:
    """The target ratios, each timed interleaved in one process: global vs SDPA math at every length,
    global vs banded local at the longest."""
    wanted = [("global-scaled_dot", "sdpa-math", s) for s in sizes]
    wanted += [("global-general", local, max(sizes)) for local in ("local-m:banded", "local-p:banded")]
    out = []
    for device in devices:
        for a, b, S in wanted:
            result = _run_subprocess(a, S, device, pair_with=b)
            if result:
                out.append({"device": device, "a": a, "b": b, "S": S, **result})
    return out


def table(rows: list[dict[str, object]], paired: list[dict[str, object]] | None = None) -> str:
    """Markdown table: one line per mechanism, time and memory per length, plus the target ratios."""
    import pandas as pd
    frame = pd.DataFrame(rows)
    lines = []
    for device, part in frame.groupby("device"):
        pivot_t = part.pivot(index="mechanism", columns="S", values="ms").reindex(
            [m for m in MECHANISMS if m in set(part.mechanism)])
        pivot_m = part.pivot(index="mechanism", columns="S", values="peak_mb").reindex(pivot_t.index)
        sizes = list(pivot_t.columns)
        lines.append(f"\n### {device}: forward time (ms, median) | peak extra memory (MB)\n")
        lines.append("| mechanism | " + " | ".join(f"S={s}" for s in sizes) + " |")
        lines.append("|---|" + "---|" * len(sizes))
        for mech in pivot_t.index:
            cells = []
            for s in sizes:
                t, m = pivot_t.loc[mech, s], pivot_m.loc[mech, s]
                cells.append("–" if pd.isna(t) else f"{t:.2f} ms / {m:.1f} MB")
            lines.append(f"| {mech} | " + " | ".join(cells) + " |")
        lines.append("")
        def get(mech: str, size: int, col: str, part=part) -> float | None:
            cell = part[(part.mechanism == mech) & (part.S == size)][col]
            return float(cell.iloc[0]) if len(cell) else None

        lines.append("Target ratios, timed interleaved in one process (memory from the table above):\n")
        for r in (paired or []):
            if r["device"] != device:
                continue
            text = f"- S={r['S']}: {r['a']} / {r['b']} time = {r['ratio']:.2f}× ({r['a_ms']:.2f} / {r['b_ms']:.2f} ms)"
            ma, mb = get(str(r["a"]), int(r["S"]), "peak_mb"), get(str(r["b"]), int(r["S"]), "peak_mb")
            if r["b"] != "sdpa-math" and ma is not None and mb is not None:
                text += f", memory = {ma / max(mb, 0.1):.1f}×"
            lines.append(text)
    return "\n".join(lines)


def main() -> None:
    """Command line: run the sweep and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=3, metavar=("MECHANISM", "S", "DEVICE"), help=argparse.SUPPRESS)
    parser.add_argument("--pair", nargs=4, metavar=("A", "B", "S", "DEVICE"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 512, 2048, 8192])
    parser.add_argument("--device", choices=["cpu", "cuda", "all"], default="all")
    parser.add_argument("--mechanisms", nargs="+", default=MECHANISMS)
    args = parser.parse_args()
    if args.one:
        name, S, device = args.one
        print(json.dumps(measure_one(name, int(S), device)))
        return
    if args.pair:
        a, b, S, device = args.pair
        print(json.dumps(measure_pair(a, b, int(S), device)))
        return
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if args.device != "all":
        devices = [args.device]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, devices {devices}", file=sys.stderr)
    print(table(run(args.sizes, devices, args.mechanisms), pairs(args.sizes, devices)))


if __name__ == "__main__":
    main()
