"""What attribution costs on the CPU: integrated gradients, gradient × input and leave-one-out per model, and
attention flow by input length.

    python -m benchmarks.attribution [--threads 2] [--repeats 3]

Rows: HAN and the flat baseline on a 20-sentence BBC document; Lin on a snippet; a Bible verse through a
translation model; MiniLM + head at 128 and 512 word pieces (integrated gradients with a fixed number of
Gauss–Legendre steps, stated, and the completeness gap it leaves); attention flow on MiniLM's real attention
at several lengths. Times are medians of ``repeats`` runs after one warm-up, in seconds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any, Callable

import torch


CPU_SECONDS: list[float] = []   # CPU time (all threads) of the last timed call, beside its wall time


def _median(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall seconds of ``repeats`` runs after one warm-up run (whose result is returned); the median
    CPU seconds of the same runs go to :data:`CPU_SECONDS` (on a shared machine wall time also counts the
    waiting for a core, CPU time does not)."""
    out = fn()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU_SECONDS.append(statistics.median(cpu))
    return statistics.median(times), out


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """Print a result as soon as it is measured (long runs), then keep it for the table."""
    if "seconds" in row:
        row = {**row, "CPU seconds": CPU_SECONDS[-1], "load": os.getloadavg()[0]}
    print(" · ".join(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in row.items()), flush=True)
    return row


def _document(sentences: int = 20) -> str:
    from attention_core.attribution.heldout_sets import bbc_test
    from attention_core.models.sentence_split import sentences as split
    pool = [s for text, _ in bbc_test() for s in split(text)]
    return " ".join(pool[:sentences])


def _gap(info: dict[str, Any]) -> float:
    return max((abs(d) for d in info.get("delta", [])), default=float("nan"))


def classifier_rows(repeats: int) -> list[dict[str, Any]]:
    """HAN, flat (20-sentence document) and Lin (snippet): every method."""
    from attention_core.attribution import raw_scores
    from attention_core.models import load_model
    doc = _document()
    rows = []
    for model_id, text, what in [("document/han", doc, "20-sentence BBC document"),
                                 ("document/flat", doc, "20-sentence BBC document"),
                                 ("sentence/lin", "A dull, lifeless film that wastes a fine cast and two hours.",
                                  "12-token snippet")]:
        explainer = load_model(model_id)
        inp = explainer.attribution_inputs(text)
        for method in ("grad×input", "integrated-gradients", "leave-one-out"):
            sec, (_, info) = _median(lambda: raw_scores(inp, method), repeats)
            rows.append(_row({"model": model_id, "input": what, "tokens": int(inp.attributable.sum()),
                              "method": method, "steps": info.get("steps", ""), "seconds": sec,
                              "completeness gap": _gap(info) if "delta" in info else ""}))
    return rows


def translation_rows(repeats: int) -> list[dict[str, Any]]:
    """One Bible verse, every generated token explained (teacher-forced)."""
    from attention_core.attribution import raw_scores
    from attention_core.models import load_model
    verse = "In the beginning God created the heavens and the earth."
    rows = []
    for model_id in ("bible-en-fr/luong-dot", "bible-en-fr/bahdanau", "bible-en-fr/local-p"):
        inp = load_model(model_id).attribution_inputs(verse)
        for method in ("grad×input", "integrated-gradients", "leave-one-out"):
            sec, (_, info) = _median(lambda: raw_scores(inp, method), max(1, repeats // 3))
            rows.append(_row({"model": model_id, "input": f"verse → {inp.rows} generated tokens",
                              "tokens": inp.positions, "method": method, "steps": info.get("steps", ""),
                              "seconds": sec, "completeness gap": _gap(info) if "delta" in info else ""}))
    return rows


def minilm_rows(repeats: int, steps: tuple[int, ...] = (8, 16, 32)) -> list[dict[str, Any]]:
    """MiniLM + head at 128 and 512 word pieces: IG at fixed steps, gradient × input, leave-one-out (128 only)."""
    from attention_core.attribution.methods import grad_x_input, integrated_gradients, leave_one_out
    from attention_core.attribution.minilm_head import minilm_sentiment
    head = minilm_sentiment()
    words = ("the film is a slow and often beautiful study of grief that never quite finds its footing but "
             "the two leads are wonderful and the score lingers long after the credits ").split()
    rows = []
    for length in (128, 512):
        text = " ".join((words * 40)[: length - 2])
        inp = head.attribution_inputs(text, max_tokens=length)
        groups = [[p] for p in range(inp.positions)]
        n = int(inp.ids.shape[1])
        for s in steps:
            sec, (_, info) = _median(lambda: integrated_gradients(inp, groups, steps=s, max_steps=s),
                                     max(1, repeats // 2))
            rows.append(_row({"model": "transformer/minilm-l6 + head", "input": f"{n} word pieces", "tokens": n,
                              "method": "integrated-gradients", "steps": s, "seconds": sec,
                              "completeness gap": _gap(info)}))
        sec, _ = _median(lambda: grad_x_input(inp, groups), repeats)
        rows.append(_row({"model": "transformer/minilm-l6 + head", "input": f"{n} word pieces", "tokens": n,
                          "method": "grad×input", "steps": "", "seconds": sec, "completeness gap": ""}))
        if length <= 128:
            sec, _ = _median(lambda: leave_one_out(inp, groups), 1)
            rows.append(_row({"model": "transformer/minilm-l6 + head", "input": f"{n} word pieces", "tokens": n,
                              "method": "leave-one-out", "steps": "", "seconds": sec, "completeness gap": ""}))
    return rows


FLOW_LENGTHS = (12, 20, 32, 48)


def flow_rows(repeats: int, lengths: tuple[int, ...] = FLOW_LENGTHS) -> list[dict[str, Any]]:
    """Attention flow (networkx max-flow, 6 layers × T sinks) on MiniLM's attention, by length."""
    import numpy as np
    from attention_core.attribution.flow import flow_per_layer, rollout_per_layer
    from attention_core.attribution.minilm_head import minilm_sentiment
    head = minilm_sentiment()
    rows = []
    words = "a funny sad and altogether lovely film about two sisters who never speak".split()
    for length in lengths:
        text = " ".join((words * 10)[: length - 2])
        tokens, layers = head.layer_attention(text)
        q = np.full(len(tokens), 1 / len(tokens))
        sec, _ = _median(lambda: flow_per_layer(layers, q, max_tokens=10_000), max(1, repeats // 2))
        roll, _ = _median(lambda: rollout_per_layer(layers, q), repeats)
        rows.append(_row({"tokens": len(tokens), "flow (s)": sec, "rollout (s)": roll,
                          "max-flow problems": layers.shape[0] * len(tokens)}))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the tables (Markdown)."""
    import pandas as pd
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="timed runs after the warm-up (median)")
    parser.add_argument("--only", choices=("classifiers", "translation", "minilm", "flow"))
    parser.add_argument("--flow-lengths", type=int, nargs="+", default=list(FLOW_LENGTHS),
                        help="word-piece lengths of the attention-flow rows")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    parts = {"classifiers": classifier_rows, "translation": translation_rows, "minilm": minilm_rows}
    rows = []
    for name, fn in parts.items():
        if args.only in (None, name):
            rows += fn(args.repeats)
    if rows:
        print(f"\nload average during the run: {os.getloadavg()[0]:.1f} (2 cores)\n")
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3f"))
    if args.only in (None, "flow"):
        print()
        print(pd.DataFrame(flow_rows(args.repeats, tuple(args.flow_lengths))).to_markdown(
            index=False, floatfmt=("g", ".3f", ".3f", "g")))   # counts as integers


if __name__ == "__main__":
    main()
