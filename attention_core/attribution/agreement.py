"""How far two importance rankings agree: Kendall τ (with its p-value), Spearman ρ and top-k overlap.

Attention is non-negative; attributions are signed. Agreement compares *importance*, so attributions are
ranked by magnitude (a token that strongly pushes against the decision matters as much as one that pushes
for it), as Jain & Wallace rank gradients and leave-one-out differences.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

DEFAULT_K = 5
SIGNIFICANT = 0.05


@dataclass(frozen=True)
class Agreement:
    """Agreement of two rankings of the same ``n`` items; τ/ρ are NaN when a ranking is constant."""

    n: int
    tau: float
    tau_p: float
    rho: float
    rho_p: float
    k: int
    overlap: float   # share of the top-k items the two rankings have in common

    @property
    def significant(self) -> bool:
        """Kendall τ differs from 0 at p < 0.05."""
        return not math.isnan(self.tau_p) and self.tau_p < SIGNIFICANT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN → None)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def importance(values: np.ndarray, signed: bool = False) -> np.ndarray:
    """Scores to rank by: magnitudes unless ``signed`` (attention is non-negative, so unchanged)."""
    values = np.asarray(values, dtype=np.float64)
    return values if signed else np.abs(values)


def top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values, largest first (ties broken by position, so it is stable)."""
    values = np.asarray(values, dtype=np.float64)
    return np.argsort(-values, kind="stable")[:k]


def top_k_overlap(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """|top-k(a) ∩ top-k(b)| / k (k is cut to the number of items)."""
    k = min(int(k), len(a))
    if k <= 0:
        return float("nan")
    return len(set(top_k(a, k).tolist()) & set(top_k(b, k).tolist())) / k


def _corr(fn: Any, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan"), float("nan")
    result = fn(a, b)
    return float(result.statistic), float(result.pvalue)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman ρ of two score vectors (NaN when one is constant or shorter than 2)."""
    return _corr(stats.spearmanr, np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))[0]


def agreement(attention: np.ndarray, attribution: np.ndarray, k: int = DEFAULT_K,
              signed: bool = False) -> Agreement:
    """Agreement between an attention row and an attribution row over the same items ``[n]``."""
    a = importance(attention, signed=True)
    b = importance(attribution, signed=signed)
    if a.shape != b.shape:
        raise ValueError(f"rankings differ in length: {a.shape} vs {b.shape}")
    tau, tau_p = _corr(stats.kendalltau, a, b)
    rho, rho_p = _corr(stats.spearmanr, a, b)
    k = min(int(k), len(a))
    return Agreement(len(a), tau, tau_p, rho, rho_p, k, top_k_overlap(a, b, k))


def strength(value: float) -> str:
    """A word for a rank correlation: strong / moderate / weak / no / opposite."""
    if math.isnan(value):
        return "undefined"
    if value < -0.1:
        return "opposite"
    return "strong" if value >= 0.6 else "moderate" if value >= 0.3 else "weak" if value >= 0.1 else "no"


def adverb(value: float) -> str:
    """How two rankings agree, as an adverb phrase: strongly / moderately / weakly / not at all / …"""
    return {"strong": "strongly", "moderate": "moderately", "weak": "weakly", "no": "not at all",
            "opposite": "in opposite directions", "undefined": "undefinably"}[strength(value)]


def reading(agr: Agreement, first: str = "attention", second: str = "the attribution") -> str:
    """One plain line saying what the agreement means."""
    if agr.n < 3:
        return f"Only {agr.n} item(s): too few to compare rankings."
    if math.isnan(agr.tau):
        return f"One ranking is flat (all {agr.n} values equal), so there is nothing to correlate."
    word = strength(agr.tau)
    shared = int(round(agr.overlap * agr.k))
    sig = f"p = {agr.tau_p:.2g}" if agr.significant else f"not significant, p = {agr.tau_p:.2g}"
    if word == "opposite":
        head = f"{first.capitalize()} ranks the tokens roughly in the opposite order to {second}"
    elif word == "no":
        head = f"{first.capitalize()} and {second} rank the tokens unrelatedly"
    else:
        head = f"{first.capitalize()} and {second} agree {adverb(agr.tau)}"
    return f"{head} (Kendall τ = {agr.tau:.2f}, {sig}); {shared} of the top {agr.k} tokens are shared."
