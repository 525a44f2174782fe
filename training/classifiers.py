"""Pieces shared by the document and sentence trainers: batching of token-id examples and accuracy."""
from __future__ import annotations

import random
from typing import Callable

import torch

from attention_core.models.text_vocab import PAD


def pad_ids(rows: list[torch.Tensor]) -> torch.Tensor:
    """Right-pad id tensors of shape ``[T]`` or ``[S, W]`` into one batch ``[B, T]`` / ``[B, S, W]``."""
    shape = [max(r.shape[d] for r in rows) for d in range(rows[0].dim())]
    out = torch.full((len(rows), *shape), PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        out[(i, *[slice(0, n) for n in r.shape])] = r
    return out


def collate(items: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ids, label)`` pairs → padded ids and labels ``[B]``."""
    return pad_ids([x for x, _ in items]), torch.tensor([y for _, y in items])


def bucketed(data: list[tuple[torch.Tensor, int]], size: int) -> Callable[[random.Random], list]:
    """Epoch batches of similar length (less padding), in a seeded random order."""
    def make(rng: random.Random) -> list:
        order = sorted(range(len(data)), key=lambda i: (data[i][0].numel(), rng.random()))
        chunks = [order[i:i + size] for i in range(0, len(order), size)]
        rng.shuffle(chunks)
        return [collate([data[j] for j in c]) for c in chunks]
    return make


def logits_of(out) -> torch.Tensor:
    """The logits of a model that returns them alone or first in a tuple."""
    return out[0] if isinstance(out, tuple) else out


@torch.no_grad()
def accuracy(model: torch.nn.Module, data: list[tuple[torch.Tensor, int]], device, batch: int = 32) -> float:
    """Share of examples whose label is predicted correctly."""
    model.eval()
    hits = 0
    for i in range(0, len(data), batch):
        ids, y = collate(data[i:i + batch])
        hits += int((logits_of(model(ids.to(device))).argmax(-1).cpu() == y).sum())
    return hits / max(len(data), 1)
