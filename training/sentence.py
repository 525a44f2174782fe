"""Train Lin et al.'s structured self-attentive classifier on Rotten Tomatoes, with or without the penalty.

    python -m training.sentence --penalty 0.3 --epochs 8    # ships as sentence/lin
    python -m training.sentence --penalty 0 --epochs 8      # ships as sentence/lin-nopenalty
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR, save_checkpoint
from attention_core.device import resolve_device
from attention_core.mechanisms import frobenius_penalty, redundancy
from attention_core.models.sentence import MAX_TOKENS, SelfAttentiveClassifier
from attention_core.models.text_vocab import PAD, Vocab, words
from training.data.rotten_tomatoes import LABELS, load_snippets, split
from training.classifiers import train_classifier

CONFIG = {"emb": 100, "hidden": 64, "attn": 64, "hops": 4, "mlp": 128}


def collate(items: list[tuple[list[int], int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad token ids to ``[B, T]``."""
    T = max(len(x) for x, _ in items)
    ids = torch.full((len(items), T), PAD, dtype=torch.long)
    for i, (x, _) in enumerate(items):
        ids[i, :len(x)] = torch.tensor(x)
    return ids, torch.tensor([y for _, y in items])


@torch.no_grad()
def evaluate(model, data, device, batch: int = 128) -> dict[str, float]:
    """Accuracy and hop redundancy: the mean off-diagonal entry of AAᵀ (and the mean penalty)."""
    model.eval()
    hits, off, pen, n = 0, 0.0, 0.0, 0
    for i in range(0, len(data), batch):
        ids, y = collate(data[i:i + batch])
        logits, A = model(ids.to(device))
        hits += int((logits.argmax(-1).cpu() == y).sum())
        aat = redundancy(A)
        r = aat.shape[1]
        off += float((aat.sum((1, 2)) - aat.diagonal(dim1=1, dim2=2).sum(-1)).sum() / (r * (r - 1)))
        pen += float(frobenius_penalty(A)) * len(y)
        n += len(y)
    return {"accuracy": hits / n, "mean_offdiag_AAT": off / n, "mean_penalty": pen / n}


def run(coef: float, out: Path, max_minutes: float, epochs: int, seed: int, threads: int,
        limit: int | None, device: str) -> dict:
    """Train, evaluate and save one model."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    dev = resolve_device(device)
    parts = split(load_snippets(), seed=0)
    if limit:
        parts = {k: v[:limit] for k, v in parts.items()}
    vocab = Vocab.build((words(t) for t, _ in parts["train"]), max_size=12000, min_count=2)
    data = {k: [(vocab.ids(words(t)[:MAX_TOKENS]) or [1], LABELS.index(c)) for t, c in v] for k, v in parts.items()}
    model = SelfAttentiveClassifier(len(vocab), len(LABELS), **CONFIG).to(dev)

    def batches(rng: random.Random):
        order = sorted(range(len(data["train"])), key=lambda i: (len(data["train"][i][0]), rng.random()))
        chunks = [order[i:i + 64] for i in range(0, len(order), 64)]
        rng.shuffle(chunks)
        return [collate([data["train"][j] for j in c]) for c in chunks]

    def loss_fn(m, batch):
        ids, y = batch
        logits, A = m(ids.to(dev))
        return torch.nn.functional.cross_entropy(logits, y.to(dev)) + coef * frobenius_penalty(A)

    stats = train_classifier(model, batches, loss_fn, max_minutes, epochs, seed, lr=1e-3, desc=f"lin p={coef}")
    test = evaluate(model, data["test"], dev)
    metrics = {"penalty_coef": coef, "params": sum(p.numel() for p in model.parameters()), "vocab": len(vocab),
               "train_snippets": len(data["train"]), "test_snippets": len(data["test"]), "seed": seed, **stats,
               "valid_accuracy": evaluate(model, data["valid"], dev)["accuracy"],
               "test_accuracy": test["accuracy"], "test_mean_offdiag_AAT": test["mean_offdiag_AAT"],
               "test_mean_penalty": test["mean_penalty"]}
    folder = out / ("sentence/lin" if coef else "sentence/lin-nopenalty")
    save_checkpoint(model.cpu(), {"model": CONFIG, "labels": list(LABELS), "penalty_coef": coef}, folder)
    vocab.save(folder / "vocab.json")
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (folder / "samples.json").write_text(json.dumps([t for t, _ in parts["test"][:6]], ensure_ascii=False))
    print(json.dumps(metrics))
    return metrics


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--penalty", type=float, default=0.3, help="coefficient of ‖AAᵀ − I‖²_F (0 = none)")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--max-minutes", type=float, default=4.0)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--device", default="auto")
    a = p.parse_args()
    run(a.penalty, a.out, a.max_minutes, a.epochs, a.seed, a.threads, a.limit, a.device)


if __name__ == "__main__":
    main()
