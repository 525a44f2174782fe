"""Train the hierarchical attention network (or the flat baseline) on BBC News topics.

    python -m training.document --model han
    python -m training.document --model flat
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR, save_checkpoint
from attention_core.device import resolve_device
from attention_core.models.document import FlatClassifier, HANClassifier, document_ids
from attention_core.models.text_vocab import Vocab, words
from training.data.bbc import TOPICS, load_articles, split
from training.classifiers import train_classifier

CONFIG = {"han": {"emb": 64, "hidden": 48, "attn": 64}, "flat": {"emb": 64, "hidden": 48}}


def encode(items, vocab: Vocab) -> list[tuple[torch.Tensor, int]]:
    """Each article → ids ``[S, W]`` (capped) and its label index."""
    return [(document_ids(text, vocab)[0][0], TOPICS.index(label)) for text, label in items]


def collate(batch: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad documents to ``[B, S, W]``."""
    S = max(x.shape[0] for x, _ in batch)
    W = max(x.shape[1] for x, _ in batch)
    ids = torch.zeros(len(batch), S, W, dtype=torch.long)
    for i, (x, _) in enumerate(batch):
        ids[i, :x.shape[0], :x.shape[1]] = x
    return ids, torch.tensor([y for _, y in batch])


@torch.no_grad()
def accuracy(model, data, device, batch: int = 32) -> float:
    """Share of documents whose topic is predicted correctly."""
    model.eval()
    hits = 0
    for i in range(0, len(data), batch):
        ids, y = collate(data[i:i + batch])
        out = model(ids.to(device))
        logits = out[0] if isinstance(out, tuple) else out
        hits += int((logits.argmax(-1).cpu() == y).sum())
    return hits / len(data)


def run(kind: str, out: Path, max_minutes: float, epochs: int, seed: int, threads: int,
        limit: int | None, device: str) -> dict:
    """Train, evaluate and save one model."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    dev = resolve_device(device)
    parts = split(load_articles(), seed=0)
    if limit:
        parts = {k: v[:limit] for k, v in parts.items()}
    vocab = Vocab.build((words(t) for t, _ in parts["train"]), max_size=12000, min_count=2)
    data = {k: encode(v, vocab) for k, v in parts.items()}
    model = (HANClassifier if kind == "han" else FlatClassifier)(len(vocab), len(TOPICS), **CONFIG[kind]).to(dev)

    def batches(rng: random.Random):
        order = list(range(len(data["train"])))
        rng.shuffle(order)
        return [collate([data["train"][j] for j in order[i:i + 16]]) for i in range(0, len(order), 16)]

    def loss_fn(m, batch):
        ids, y = batch
        out = m(ids.to(dev))
        logits = out[0] if isinstance(out, tuple) else out
        return torch.nn.functional.cross_entropy(logits, y.to(dev))

    stats = train_classifier(model, batches, loss_fn, max_minutes, epochs, seed, desc=kind)
    metrics = {"model": kind, "params": sum(p.numel() for p in model.parameters()), "vocab": len(vocab),
               "train_docs": len(data["train"]), "test_docs": len(data["test"]), "seed": seed, **stats,
               "valid_accuracy": accuracy(model, data["valid"], dev),
               "test_accuracy": accuracy(model, data["test"], dev)}
    folder = out / "document" / kind
    save_checkpoint(model.cpu(), {"model": CONFIG[kind], "labels": list(TOPICS)}, folder)
    vocab.save(folder / "vocab.json")
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    if kind == "han":   # a few held-out articles (first paragraphs) as dashboard samples
        samples = [text.split("\n\n")[0] + "\n\n" + " ".join(text.split("\n\n")[1:3])
                   for text, _ in parts["test"][:4]]
        (folder / "samples.json").write_text(json.dumps(samples, ensure_ascii=False, indent=0))
    print(json.dumps(metrics))
    return metrics


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=["han", "flat"], default="han")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--max-minutes", type=float, default=4.0)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--device", default="auto")
    a = p.parse_args()
    run(a.model, a.out, a.max_minutes, a.epochs, a.seed, a.threads, a.limit, a.device)


if __name__ == "__main__":
    main()
