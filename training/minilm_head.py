"""Train the sentiment head on MiniLM's sentence embeddings (Rotten Tomatoes, split by movie).

    python -m training.minilm_head [--threads 2]

MiniLM stays frozen: every snippet is embedded once (mean of the last layer, L2-normalised), then
scikit-learn's logistic regression is fitted on the training part, its C chosen on the validation part, and
the head (weight, bias) is written as float32 safetensors with config.json and metrics.json into
``attention_core/weights/transformer/minilm-l6/rt-head/``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from attention_core.attribution.heldout_sets import rt_by_movie
from attention_core.attribution.minilm_head import HEAD_DIR, MAX_TOKENS, SentenceHead
from attention_core.checkpoint import save_checkpoint

LABELS = ["rotten", "fresh"]
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)


@torch.no_grad()
def embed(texts: list[str], batch: int = 64) -> np.ndarray:
    """Unit-length MiniLM sentence embeddings ``[N, 384]`` (inputs cut to the dashboard's 128 tokens)."""
    from attention_core.models import load_model
    encoder = load_model("transformer/minilm-l6")
    out = []
    for i in tqdm(range(0, len(texts), batch), desc="embedding", unit="batch"):
        enc = encoder.tokenizer(texts[i:i + batch], return_tensors="pt", padding=True, truncation=True,
                                max_length=MAX_TOKENS).to(encoder.device)
        hidden = encoder.model(**enc).last_hidden_state
        out.append(SentenceHead.pool(hidden, enc["attention_mask"]).cpu().numpy())
    return np.concatenate(out)


def main(argv: list[str] | None = None) -> dict:
    """Embed, fit, choose C on validation, write the head; returns the metrics."""
    from sklearn.linear_model import LogisticRegression
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HEAD_DIR)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    parts = rt_by_movie()
    xs = {name: embed([t for t, _ in items]) for name, items in parts.items()}
    ys = {name: np.array([LABELS.index(c) for _, c in items]) for name, items in parts.items()}
    scores = {}
    for c in C_GRID:
        fit = LogisticRegression(C=c, max_iter=2000).fit(xs["train"], ys["train"])
        scores[c] = float(fit.score(xs["valid"], ys["valid"]))
    best = max(C_GRID, key=lambda c: (scores[c], -c))
    fit = LogisticRegression(C=best, max_iter=2000).fit(xs["train"], ys["train"])
    head = SentenceHead(xs["train"].shape[1], len(LABELS))
    with torch.no_grad():
        # scikit-learn's binary model scores class 1 by w·x + b: as two logits, [0, w·x + b] gives the same softmax
        head.linear.weight.zero_()
        head.linear.bias.zero_()
        head.linear.weight[1] = torch.tensor(fit.coef_[0], dtype=torch.float32)
        head.linear.bias[1] = float(fit.intercept_[0])
    majority = float(max(np.mean(ys["test"] == k) for k in range(len(LABELS))))
    metrics = {"test_accuracy": float(fit.score(xs["test"], ys["test"])), "valid_accuracy": scores[best],
               "train_accuracy": float(fit.score(xs["train"], ys["train"])), "C": best,
               "valid_accuracy_by_C": {str(c): s for c, s in scores.items()},
               "majority_class_test_accuracy": majority,
               "sizes": {k: len(v) for k, v in parts.items()}, "split": "by movie, seed 0, 80/10/10",
               "train_minutes": round((time.perf_counter() - start) / 60, 2)}
    config = {"labels": LABELS, "dim": int(xs["train"].shape[1]), "encoder": "transformer/minilm-l6",
              "pooling": "mean over tokens, L2-normalised", "max_tokens": MAX_TOKENS,
              "fit": f"scikit-learn LogisticRegression(C={best})"}
    save_checkpoint(head, config, args.out, dtype=torch.float32)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
