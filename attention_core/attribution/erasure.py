"""Erasure: blank the k most important input tokens by some ranking and see how the decision moves.

A blanked token is replaced by the unknown-word embedding (the same operation as leave-one-out). Rankings
are per explained output row ``[R, P]`` over input positions; positions that cannot be erased (padding,
[CLS]/[SEP]) never enter a top-k. Attention ranks by weight, attributions by *signed* score (the tokens
that most support the decision go first — removing a token that argues against it could only firm it up).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..record import AttentionMap
from .inputs import AttributionInputs, MapSlot
from .methods import MAX_BATCH_NUMBERS

FLIP_DENSE, FLIP_GROWTH = 10, 1.5   # first-flip search: remove k = 1..10 items, then ×1.5 up to every item
FLIP_BATCH = 64                     # erased variants per forward pass (fewer when outputs are large)


@dataclass(frozen=True)
class Erasure:
    """The outcome of one erasure per explained row: what was removed and what the model then said."""

    ranking: str
    k: int
    removed: list[list[int]]        # per row: the erased positions
    before: np.ndarray               # [R] p(chosen output) on the full input
    after: np.ndarray                # [R] p(same output) after erasure
    new_targets: list[int]           # [R] the output chosen after erasure
    flipped: np.ndarray              # [R] True where the decision changed


def position_scores(maps: list[AttentionMap | None], slots: list[MapSlot], rows: int, positions: int,
                    ) -> np.ndarray | None:
    """Per-position scores ``[R, P]`` from maps laid out like ``slots``: a position's score is the product
    of the weights of every column that holds it (for HAN: sentence weight × word weight). None when no
    map is given."""
    if all(m is None for m in maps):
        return None
    out = np.ones((rows, positions))
    touched = np.zeros((rows, positions), dtype=bool)
    for amap, slot in zip(maps, slots):
        if amap is None:
            continue
        for i, r in enumerate(slot.rows):
            for j, group in enumerate(slot.columns):
                out[r, group] *= amap.weights[i, j]
                touched[r, group] = True
    return np.where(touched, out, 0.0)


def random_scores(rows: int, positions: int, seed: int) -> np.ndarray:
    """A random ranking ``[R, P]`` from a seeded generator."""
    return np.random.default_rng(seed).random((rows, positions))


def ranked(scores: np.ndarray, attributable: np.ndarray) -> list[list[int]]:
    """Per row, the erasable positions from most to least important (stable for ties)."""
    out = []
    for row in scores:
        order = np.argsort(-row, kind="stable")
        out.append([int(p) for p in order if attributable[p]])
    return out


@torch.no_grad()
def erase(inp: AttributionInputs, removed: list[list[int]]) -> tuple[np.ndarray, list[int]]:
    """Row r with positions ``removed[r]`` blanked → (p(original output r) ``[R]``, new output r ``[R]``).

    Variant r is scored on its own row r only; variants run in batches sized by the output they hold."""
    batch = max(1, MAX_BATCH_NUMBERS // max(inp.batch_cost, 1))
    kept, new = [], []
    for start in range(0, len(removed), batch):
        probs = inp.probabilities(inp.erased(removed[start:start + batch]))      # [b, R, C]
        rows = torch.arange(start, start + probs.shape[0], device=probs.device)
        mine = probs[torch.arange(probs.shape[0], device=probs.device), rows]     # [b, C]: row r of variant r
        target = torch.tensor(inp.targets, device=probs.device)[rows]
        kept.append(mine.gather(-1, target[:, None])[:, 0].double().cpu().numpy())
        new += mine.argmax(-1).tolist()
    return np.concatenate(kept), new


def erase_top(inp: AttributionInputs, scores: np.ndarray, k: int, ranking: str) -> Erasure:
    """Blank each row's top-``k`` positions by ``scores [R, P]``."""
    attributable = inp.attributable.reshape(-1).cpu().numpy()
    order = ranked(scores, attributable)
    removed = [o[:k] for o in order]
    after, new = erase(inp, removed)
    with torch.no_grad():
        before = inp.explained(inp.embeddings)[0].double().cpu().numpy()
    return Erasure(ranking, k, removed, before, after, new, np.array(new) != np.array(inp.targets))


@torch.no_grad()
def flip_curve(inp: AttributionInputs, order: list[int], row: int = 0, limit: int | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
    """Blank the first 1, 2, … positions of ``order`` for output ``row`` → (p(original) ``[K]``, flipped ``[K]``).

    ``limit`` caps K (the number of prefixes tried)."""
    k_max = len(order) if limit is None else min(len(order), limit)
    if k_max == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    probs = inp.probabilities(inp.erased([order[:k] for k in range(1, k_max + 1)]))[:, row]   # [K, C]
    target = inp.targets[row]
    return probs[:, target].double().cpu().numpy(), (probs.argmax(-1) != target).cpu().numpy()


def flip_grid(n: int, limit: int | None = None) -> list[int]:
    """Numbers of items to remove when looking for the first flip: every k up to 10, then ×1.5 up to all n
    (or every k up to ``limit``)."""
    if limit is not None:
        return list(range(1, min(n, limit) + 1))
    ks = list(range(1, min(n, FLIP_DENSE) + 1))
    while ks and ks[-1] < n:
        ks.append(min(n, int(math.ceil(ks[-1] * FLIP_GROWTH))))
    return ks


@dataclass(frozen=True)
class FlipJob:
    """Remove ``order``'s columns one more at a time (on :func:`flip_grid`) and watch output ``row``."""

    row: int
    columns: list[list[int]]
    order: list[int]
    limit: int | None = None


@torch.no_grad()
def first_flips(inp: AttributionInputs, jobs: list[FlipJob]) -> list[tuple[bool, int | None]]:
    """For each job: (did removing the first column flip the decision, the smallest k on the grid that
    flips it or None). All variants of all jobs run in shared batches."""
    variants, owners = [], []
    for j, job in enumerate(jobs):
        for k in flip_grid(len(job.order), job.limit):
            variants.append(sorted({p for c in job.order[:k] for p in job.columns[c]}))
            owners.append((j, k))
    batch = max(1, min(FLIP_BATCH, MAX_BATCH_NUMBERS // max(inp.batch_cost, 1)))
    flipped: list[bool] = []
    for start in range(0, len(variants), batch):
        probs = inp.probabilities(inp.erased(variants[start:start + batch]))          # [b, R, C]
        rows = torch.tensor([jobs[j].row for j, _ in owners[start:start + batch]], device=probs.device)
        chosen = probs[torch.arange(len(rows), device=probs.device), rows].argmax(-1)
        targets = torch.tensor([inp.targets[r] for r in rows.tolist()], device=probs.device)
        flipped += (chosen != targets).cpu().tolist()
    out: list[list[tuple[int, bool]]] = [[] for _ in jobs]
    for (j, k), f in zip(owners, flipped):
        out[j].append((k, f))
    results = []
    for hits in out:
        if not hits:
            results.append((False, None))
            continue
        first = next((k for k, f in hits if f), None)
        results.append((bool(hits[0][1]), first))
    return results
