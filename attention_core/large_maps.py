"""Reducing a map that is larger than a screen to what a person can read, saying what was reduced.

- :func:`pool_spans`: consecutive tokens pooled into spans — a span's columns are summed (the attention
  it receives) and its rows averaged (it attends like the mean of its tokens), so every row keeps its sum.
- :func:`focus_window` / :func:`column_window`: a span of tokens at full resolution; the weight that goes
  outside the window is kept in two extra columns, so rows still sum as before.
- :func:`top_edges` / :func:`token_edges`: the strongest (query → key) pairs, for line drawings.
"""
from __future__ import annotations

import math

import numpy as np

from .record import AttentionMap


def span_starts(n: int, max_spans: int) -> np.ndarray:
    """Starts of consecutive equal spans (the last may be shorter), at most ``max_spans`` of them, covering ``n``."""
    if n < 1 or max_spans < 1:
        raise ValueError("need at least one position and one span")
    size = math.ceil(n / max_spans)
    return np.arange(0, n, size)


def _span_labels(labels: list[str], starts: np.ndarray, limit: int = 14) -> list[str]:
    """``"12–15 the…cat"``: positions, then the span's first and last label (shortened)."""
    ends = [*starts[1:], len(labels)]
    out = []
    for a, b in zip(starts, ends):
        first, last = labels[a][:limit], labels[b - 1][:limit]
        out.append(f"{a} {first}" if b - a == 1 else f"{a}–{b - 1} {first}…{last}")
    return out


def pool_spans(amap: AttentionMap, max_rows: int, max_cols: int | None = None) -> AttentionMap:
    """Pool ``amap`` into at most ``max_rows × max_cols`` cells of consecutive tokens (unchanged if it fits).

    Columns of a span are summed and rows of a span averaged, so each pooled row sums to the mean of its
    rows' sums (1 for attention). ``meta["pooled"]`` and the label say how many tokens a cell holds.
    """
    max_cols = max_cols or max_rows
    rows, cols = amap.shape
    if rows <= max_rows and cols <= max_cols:
        return amap
    rs, cs = span_starts(rows, max_rows), span_starts(cols, max_cols)
    w = np.add.reduceat(amap.weights, cs, axis=1)                       # columns summed per span
    sizes = np.diff([*rs, rows])
    w = np.add.reduceat(w, rs, axis=0) / sizes[:, None].astype(w.dtype)  # rows averaged per span
    rsize, csize = int(sizes[0]), int(cs[1] - cs[0]) if len(cs) > 1 else cols
    note = (f"pooled: {rsize} rows × {csize} columns per cell (consecutive tokens); a span's columns are "
            "summed, its rows averaged, so rows keep their sums")
    label = f"{amap.label} · pooled, {rsize}×{csize} tokens per cell"
    return AttentionMap(amap.mechanism, _span_labels(amap.queries, rs), _span_labels(amap.keys, cs),
                        w.astype(amap.weights.dtype, copy=False), layer=amap.layer, head=amap.head, hop=amap.hop,
                        sub_stochastic=amap.sub_stochastic, kind=amap.kind,
                        meta={**amap.meta, "label": label, "pooled": note})


def column_window(amap: AttentionMap, start: int, stop: int) -> AttentionMap:
    """Columns ``start:stop`` of ``amap`` (every row kept); the weight on the columns before and after the
    window is summed into two extra columns (``◂ 0–s``, ``t–n ▸``), so rows keep their sums."""
    cols = amap.shape[1]
    if not 0 <= start < stop <= cols:
        raise ValueError(f"window {start}–{stop} is outside the map's 0–{cols} columns")
    w = amap.weights
    parts, keys = [], []
    if start > 0:
        parts.append(w[:, :start].sum(1, keepdims=True))
        keys.append(f"◂ 0–{start - 1}" if start > 1 else "◂ 0")
    parts.append(w[:, start:stop])
    keys += amap.keys[start:stop]
    if stop < cols:
        parts.append(w[:, stop:].sum(1, keepdims=True))
        keys.append(f"{stop}–{cols - 1} ▸" if cols - stop > 1 else f"{stop} ▸")
    note = (f"columns {start}–{stop - 1} of {cols}; the weight on columns outside the window is summed into "
            "the ◂ / ▸ columns")
    return AttentionMap(amap.mechanism, amap.queries, keys, np.concatenate(parts, axis=1), layer=amap.layer,
                        head=amap.head, hop=amap.hop, sub_stochastic=amap.sub_stochastic, kind=amap.kind,
                        meta={**amap.meta, "window": note, "offset": start})


def focus_window(amap: AttentionMap, start: int, stop: int) -> AttentionMap:
    """Rows and columns ``start:stop`` of a self-attention map at full resolution.

    The weight each row puts before or after the window is kept in two extra columns (``◂ 0–s``,
    ``t–n ▸``), so rows still sum as in the full map and nothing is silently dropped.
    """
    rows, cols = amap.shape
    if not 0 <= start < stop <= min(rows, cols):
        raise ValueError(f"window {start}–{stop} is outside the map's 0–{min(rows, cols)} tokens")
    rows_cut = AttentionMap(amap.mechanism, amap.queries[start:stop], amap.keys, amap.weights[start:stop],
                            layer=amap.layer, head=amap.head, hop=amap.hop, sub_stochastic=amap.sub_stochastic,
                            kind=amap.kind, meta=amap.meta)
    out = column_window(rows_cut, start, stop)
    out.meta.update(label=f"{amap.label} · tokens {start}–{stop - 1} of {cols}",
                    window=(f"focus window: rows and columns {start}–{stop - 1}; the weight on tokens outside it "
                            "is summed into the ◂ / ▸ columns"))
    return out


def window_around(index: int, n: int, width: int) -> tuple[int, int]:
    """A ``width``-token window ``[start, stop)`` of ``0..n`` that contains ``index``, centred where possible."""
    width = max(1, min(width, n))
    start = min(max(0, index - width // 2), n - width)
    return start, start + width


def top_edges(weights: np.ndarray, k: int, threshold: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``k`` largest weights that are ≥ ``threshold`` → ``(rows, cols, values)``, row-major.

    ``weights`` is ``[queries, keys]``; ties at the k-th place are broken by position.
    """
    w = np.asarray(weights)
    n_rows, n_cols = w.shape
    k = max(0, min(k, n_cols))
    if k == 0 or n_rows == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=w.dtype)
    if k < n_cols:
        cols = np.argpartition(-w, k - 1, axis=1)[:, :k]
    else:
        cols = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    cols = np.sort(cols, axis=1)
    rows = np.broadcast_to(np.arange(n_rows)[:, None], cols.shape)
    values = w[rows, cols]
    keep = values >= threshold
    return rows[keep], cols[keep], values[keep]


def token_edges(weights: np.ndarray, index: int, k: int, threshold: float = 0.0,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges of one token: its ``k`` strongest outgoing (row ``index``) and incoming (column ``index``) weights
    that are ≥ ``threshold`` → ``(rows, cols, values)`` (outgoing first)."""
    w = np.asarray(weights)
    _, out_cols, out_vals = top_edges(w[index:index + 1], k, threshold)
    column = w[:, index].astype(np.float64)
    column[index] = -np.inf                   # the token's weight on itself is already an outgoing edge
    _, in_rows, in_vals = top_edges(column[None, :], k, threshold)
    rows = np.concatenate([np.full(len(out_cols), index), in_rows]).astype(np.int64)
    cols = np.concatenate([out_cols, np.full(len(in_rows), index)]).astype(np.int64)
    return rows, cols, np.concatenate([out_vals, in_vals])
