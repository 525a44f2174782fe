"""Per-head summaries of self-attention maps: what a layers × heads overview colours each head by.

Each statistic reduces one square map ``[T, T]`` (rows = the tokens that look, columns = the tokens looked
at, same order) to one number, averaged over rows, so heads of one input can be compared at a glance
(cf. Clark et al. 2019, "What does BERT look at?"): how spread out a head is (entropy), how much it parks on
[CLS], [SEP] or punctuation, and how far it looks (mean distance, distance profile).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd

from .record import AttentionMap

CLS_TOKENS = frozenset({"[CLS]", "<s>"})
SEP_TOKENS = frozenset({"[SEP]", "</s>"})


def is_punctuation(label: str) -> bool:
    """True for a label made only of punctuation characters (``.``, ``,``, ``"``, ``—``...)."""
    return bool(label) and all(unicodedata.category(ch).startswith("P") for ch in label)


def _column_share(weights: np.ndarray, columns: np.ndarray) -> float:
    """Mean over rows of the weight on ``columns`` (a boolean mask); NaN when no column matches."""
    return float(weights[:, columns].sum(1).mean()) if columns.any() else float("nan")


@lru_cache(maxsize=32)
def _mask(keys: tuple[str, ...], kind: str) -> np.ndarray:
    """Columns that are [CLS], [SEP] or punctuation (computed once for the 72 heads of one input)."""
    test = {"cls": CLS_TOKENS.__contains__, "sep": SEP_TOKENS.__contains__, "punct": is_punctuation}[kind]
    return np.array([test(k) for k in keys], dtype=bool)


def entropy(weights: np.ndarray, keys: list[str]) -> float:
    """Mean row entropy in nats (0 = each row on one token; ln T = uniform)."""
    logs = np.log(weights, where=weights > 0, out=np.zeros_like(weights))   # 0·log 0 = 0
    return float(-(weights * logs).sum(1).mean())


def normalised_entropy(weights: np.ndarray, keys: list[str]) -> float:
    """Mean row entropy divided by ln T, so inputs of different lengths compare (0–1)."""
    n = weights.shape[1]
    return entropy(weights, keys) / np.log(n) if n > 1 else 0.0


def to_cls(weights: np.ndarray, keys: list[str]) -> float:
    """Mean weight on the [CLS] column(s)."""
    return _column_share(weights, _mask(tuple(keys), "cls"))


def to_sep(weights: np.ndarray, keys: list[str]) -> float:
    """Mean weight on the [SEP] column(s)."""
    return _column_share(weights, _mask(tuple(keys), "sep"))


def to_punctuation(weights: np.ndarray, keys: list[str]) -> float:
    """Mean weight on punctuation columns."""
    return _column_share(weights, _mask(tuple(keys), "punct"))


def _diagonal_mean(weights: np.ndarray, offset: int) -> float:
    """Mean over all rows of ``w[i, i + offset]`` (rows without that neighbour count as 0)."""
    return float(np.diagonal(weights, offset).sum() / weights.shape[0])


def to_self(weights: np.ndarray, keys: list[str]) -> float:
    """Mean weight a token puts on itself."""
    return _diagonal_mean(weights, 0)


def to_previous(weights: np.ndarray, keys: list[str]) -> float:
    """Mean weight on the previous token."""
    return _diagonal_mean(weights, -1)


def to_next(weights: np.ndarray, keys: list[str]) -> float:
    """Mean weight on the next token."""
    return _diagonal_mean(weights, 1)


@lru_cache(maxsize=8)
def _distances(n: int) -> np.ndarray:
    """``|i − j|`` for an ``n × n`` map (float32; shared by the 72 heads of one input)."""
    idx = np.arange(n, dtype=np.float32)
    return np.abs(idx[:, None] - idx[None, :])


def mean_distance(weights: np.ndarray, keys: list[str]) -> float:
    """Mean over rows of Σ_j w_ij·|i − j|: how many tokens away a head looks on average."""
    return float((weights * _distances(weights.shape[0])).sum(1).mean())


# name → (function, one-line meaning); the overview offers them in this order
STATISTICS: dict[str, tuple[Callable[[np.ndarray, list[str]], float], str]] = {
    "entropy (0–1)": (normalised_entropy, "row entropy ÷ ln T: 0 = each token looks at one token, 1 = uniform"),
    "to [CLS]": (to_cls, "mean weight on [CLS]"),
    "to [SEP]": (to_sep, "mean weight on [SEP] (often a 'no-op' parking place)"),
    "to punctuation": (to_punctuation, "mean weight on punctuation tokens"),
    "to itself": (to_self, "mean weight a token puts on itself"),
    "to previous": (to_previous, "mean weight on the previous token"),
    "to next": (to_next, "mean weight on the next token"),
    "mean distance": (mean_distance, "mean |i − j| weighted by attention, in tokens"),
}


def _square(amap: AttentionMap) -> np.ndarray:
    if amap.shape[0] != amap.shape[1] or amap.queries != amap.keys:
        raise ValueError(f"{amap.title}: head statistics need a self-attention map (same rows and columns)")
    return amap.weights


def head_statistics(amap: AttentionMap) -> dict[str, float]:
    """Every statistic in :data:`STATISTICS` for one self-attention map."""
    w = _square(amap)
    return {name: fn(w, amap.keys) for name, (fn, _) in STATISTICS.items()}


def head_table(maps: list[AttentionMap]) -> pd.DataFrame:
    """One row per map: ``layer``, ``head`` and every statistic (NaN where a column is absent, e.g. no [CLS])."""
    rows = [{"layer": m.layer, "head": m.head, **head_statistics(m)} for m in maps]
    return pd.DataFrame(rows, columns=["layer", "head", *STATISTICS])


def offset_labels(max_offset: int) -> list[str]:
    """Column labels of :func:`distance_profile`: ``≤ −(D+1)``, ``−D`` … ``+D``, ``≥ +(D+1)``."""
    return [f"≤ −{max_offset + 1}", *[f"−{-d}" if d < 0 else f"+{d}" if d else "0"
                                     for d in range(-max_offset, max_offset + 1)],
            f"≥ +{max_offset + 1}"]


def distance_profile(amap: AttentionMap, max_offset: int = 8) -> np.ndarray:
    """Share of the map's attention at each relative position j − i, ``[2·max_offset + 3]``.

    Offsets −D … +D get one bin each; everything farther left or right is pooled into the two end bins.
    Averaged over rows, so for a row-stochastic map the profile sums to 1.
    """
    w = _square(amap)
    n = w.shape[0]
    near = [np.diagonal(w, d).sum() if abs(d) < n else 0.0 for d in range(-max_offset, max_offset + 1)]
    total = w.sum()
    left = np.tril(w, -(max_offset + 1)).sum() if n > max_offset + 1 else 0.0
    right = total - left - sum(near)
    return np.array([left, *near, right], dtype=np.float64) / n


def distance_profiles(maps: list[AttentionMap], max_offset: int = 8) -> AttentionMap:
    """Every head's :func:`distance_profile` as one record: rows = heads (``L0 H0``…), columns = offsets."""
    if not maps:
        raise ValueError("no maps")
    first = maps[0]
    return AttentionMap(first.mechanism, [f"L{m.layer} H{m.head}" for m in maps], offset_labels(max_offset),
                        np.stack([distance_profile(m, max_offset) for m in maps]),
                        meta={"model": first.meta.get("model", ""), "label": "attention by relative position",
                              "aggregation": f"mean over rows of the weight at offset j − i (|offset| > "
                                             f"{max_offset} pooled at the ends)"})


def token_profile(maps: list[AttentionMap], index: int) -> tuple[AttentionMap, AttentionMap]:
    """One token in every head: ``(outgoing, incoming)``, each ``[heads, T]`` with rows ``L0 H0``….

    ``outgoing`` row h is the token's own row in head h (what it attends to; sums to 1). ``incoming`` row h
    is the token's column in head h (how much every token attends to it; it does not sum to 1).
    """
    if not maps:
        raise ValueError("no maps")
    first = maps[0]
    if not 0 <= index < first.shape[1]:
        raise ValueError(f"token {index} is outside 0–{first.shape[1] - 1}")
    rows = [f"L{m.layer} H{m.head}" for m in maps]
    token = first.keys[index]
    base = {"model": first.meta.get("model", ""), "token": token, "index": index}
    outgoing = AttentionMap(first.mechanism, rows, first.keys, np.stack([m.weights[index] for m in maps]),
                            meta={**base, "label": f"what “{token}” (#{index}) attends to"})
    incoming = AttentionMap(first.mechanism, rows, first.queries, np.stack([m.weights[:, index] for m in maps]),
                            sub_stochastic=False,
                            meta={**base, "label": f"what attends to “{token}” (#{index})",
                                  "note": "each row is the token's column in one head: it does not sum to 1"})
    return outgoing, incoming
