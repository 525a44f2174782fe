"""Explain time of the document and sentence classifiers on long inputs (CPU, one thread).

    python -m benchmarks.text_classifiers

The target for MiniLM-input models: a 20,000-character document through the model in ≤ 300 ms.
"""
from __future__ import annotations

import statistics
import time

import torch


def document(chars: int = 20_000) -> str:
    """A BBC-like text of about ``chars`` characters (held-out articles repeated)."""
    from attention_core.data.bbc import load_articles, split
    text = "\n\n".join(t for t, _ in split(load_articles(), seed=0)["test"][:20])
    return (text * (chars // len(text) + 1))[:chars]


def main() -> None:
    """Print the median of 5 explain calls per model after one warm-up."""
    from attention_core.models import load_model
    torch.set_num_threads(1)
    text = document()
    print(f"input: {len(text):,} characters; torch threads: 1\n")
    print("| model | explain time (median of 5) | maps |")
    print("|---|---|---|")
    for model_id in ("document/han", "document/flat", "sentence/lin", "sentence/lin-nopenalty"):
        model = load_model(model_id)
        result = model.explain(text)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            model.explain(text)
            times.append(time.perf_counter() - t0)
        print(f"| {model_id} | {statistics.median(times) * 1000:.0f} ms | {len(result.maps)} |")


if __name__ == "__main__":
    main()
