"""ERASER's comprehensiveness and sufficiency (DeYoung et al. 2020) for any ranking of an input's tokens.

For a ranking and a share k of the input's removable tokens, the rationale r_k is the top ⌈k·n⌉ tokens:

* comprehensiveness_k = p(y | x) − p(y | x without r_k) — high when the ranking found what the decision uses;
* sufficiency_k = p(y | x) − p(y | r_k alone) — low (or negative) when those tokens carry the decision.

AOPC is the mean over the bins k ∈ :data:`BINS` (1, 5, 10, 20, 50 %). y is the output explained by the row
(the class the model chose; for translation the token the row is teacher-forced to). How a token is removed
is a choice the numbers depend on, so two operators are offered: ``delete`` takes it out and the sequence
closes up (the model never sees a placeholder), ``unk`` puts the inputs' unknown-word token in its place.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .inputs import AttributionInputs
from .methods import MAX_BATCH_NUMBERS

BINS = (0.01, 0.05, 0.10, 0.20, 0.50)
OPERATORS = ("delete", "unk")
BATCH = 64                    # variants per forward pass (fewer when one variant's numbers are many)


@dataclass(frozen=True)
class RankJob:
    """One ranking to score: per-position scores ``[P]`` (higher = more important) for output ``row``."""

    row: int
    scores: np.ndarray


@dataclass(frozen=True)
class Curves:
    """p(y) on the whole input and, per bin, comprehensiveness and sufficiency ``[K]``."""

    full: float
    comprehensiveness: np.ndarray
    sufficiency: np.ndarray

    @property
    def aopc_comprehensiveness(self) -> float:
        """Comprehensiveness averaged over the bins (higher = more faithful)."""
        return float(np.mean(self.comprehensiveness))

    @property
    def aopc_sufficiency(self) -> float:
        """Sufficiency averaged over the bins (lower = more faithful)."""
        return float(np.mean(self.sufficiency))


def top_count(n: int, share: float) -> int:
    """Tokens in the top ``share`` of ``n`` removable tokens: ⌈share · n⌉, at least 1, and fewer than n when
    n > 1 (an input with nothing left is no input: a translator cannot even be run on it)."""
    return min(max(n - 1, 1), max(1, math.ceil(share * n - 1e-9)))


def rationale(scores: np.ndarray, removable: np.ndarray, share: float) -> list[int]:
    """The top ``share`` of the removable positions by ``scores [P]`` (ties keep reading order)."""
    order = [int(p) for p in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable") if removable[p]]
    return sorted(order[:top_count(len(order), share)])


@torch.no_grad()
def removed_probabilities(inp: AttributionInputs, variants: list[list[int]], rows: list[int],
                          operator: str) -> np.ndarray:
    """p(row i's output) with positions ``variants[i]`` removed by ``operator``, read on row ``rows[i]`` → ``[N]``."""
    if operator not in OPERATORS:
        raise ValueError(f"unknown removal operator {operator!r} (choose from {', '.join(OPERATORS)})")
    if operator == "delete" and inp.deleted is None:
        raise ValueError(f"{inp.model} cannot delete tokens (no `deleted` in its attribution inputs)")
    batch = max(1, min(BATCH, MAX_BATCH_NUMBERS // max(inp.batch_cost, 1)))
    out = []
    for start in range(0, len(variants), batch):
        chunk = variants[start:start + batch]
        probs = inp.deleted(chunk) if operator == "delete" else inp.probabilities(inp.erased(chunk))   # [b, R, C]
        r = torch.tensor(rows[start:start + batch], device=probs.device)
        target = torch.tensor(inp.targets, device=probs.device)[r]
        picked = probs[torch.arange(len(chunk), device=probs.device), r]                              # [b, C]
        out.append(picked.gather(-1, target[:, None])[:, 0].double().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def eraser_curves(inp: AttributionInputs, jobs: list[RankJob], operator: str = "delete",
                  bins: tuple[float, ...] = BINS) -> list[Curves]:
    """Comprehensiveness and sufficiency of every job's ranking at every bin; all variants in shared batches."""
    removable = inp.attributable.reshape(-1).cpu().numpy()
    everyone = [int(p) for p in np.flatnonzero(removable)]
    variants, rows = [], []
    for job in jobs:
        for share in bins:
            top = rationale(job.scores, removable, share)
            keep = set(top)
            variants += [top, [p for p in everyone if p not in keep]]
            rows += [job.row, job.row]
    probs = removed_probabilities(inp, variants, rows, operator)
    with torch.no_grad():
        full = inp.explained(inp.embeddings)[0].double().cpu().numpy()       # [R]
    out, k = [], len(bins)
    for j, job in enumerate(jobs):
        mine = probs[2 * k * j: 2 * k * (j + 1)]
        base = float(full[job.row])
        out.append(Curves(base, base - mine[0::2], base - mine[1::2]))
    return out
