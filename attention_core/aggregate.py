"""Aggregations over AttentionMap records: mean over heads, attention rollout, merging word pieces."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .record import AttentionMap
from .rollout import attention_rollout


def mean_over_heads(maps: list[AttentionMap]) -> AttentionMap:
    """The element-wise mean of same-shaped maps (e.g. every head of one layer); ``head`` left unset."""
    if not maps:
        raise ValueError("no maps to average")
    first = maps[0]
    if any(m.shape != first.shape for m in maps):
        raise ValueError("maps differ in shape")
    layers = {m.layer for m in maps}
    layer = first.layer if len(layers) == 1 else None
    label = f"{first.meta.get('model', first.mechanism)} · mean of {len(maps)} heads" + \
        (f" · layer {layer}" if layer is not None else "")
    return AttentionMap(first.mechanism, first.queries, first.keys, np.mean([m.weights for m in maps], 0),
                        layer=layer, grid=first.grid, meta={**first.meta, "label": label,
                                                            "aggregation": "mean over heads"})


def by_layer(maps: list[AttentionMap]) -> dict[int, list[AttentionMap]]:
    """Group maps by their ``layer`` (maps without a layer are skipped), in layer order."""
    groups: dict[int, list[AttentionMap]] = defaultdict(list)
    for m in maps:
        if m.layer is not None:
            groups[m.layer].append(m)
    return dict(sorted(groups.items()))


def rollout(maps: list[AttentionMap], residual: float = 0.5) -> AttentionMap:
    """Attention rollout (Abnar & Zuidema 2020) over self-attention maps of every layer and head.

    Per layer the heads are averaged, the residual connection is added as ``residual·I``
    (``(1 − residual)·A + residual·I``), rows are renormalised, and the layers are multiplied from the
    first upwards: ``R = Ã_L ⋯ Ã_1``. Row i of the result is how much token i's last-layer state draws
    on each input token.
    """
    layers = by_layer(maps)
    if not layers:
        raise ValueError("rollout needs maps with layers")
    result = attention_rollout([mean_over_heads(g).weights for g in layers.values()], residual)
    first = next(iter(layers.values()))[0]
    return AttentionMap(first.mechanism, first.queries, first.keys, result,
                        meta={**first.meta, "label": f"{first.meta.get('model', first.mechanism)} · rollout over "
                              f"{len(layers)} layers", "aggregation": f"rollout (residual {residual})"})


def merge_pieces(amap: AttentionMap, row_groups: list[list[int]], col_groups: list[list[int]],
                 row_labels: list[str], col_labels: list[str]) -> AttentionMap:
    """Merge word pieces into words: columns of a group are **summed** (attention received by the word),
    rows of a group are **averaged** (a word attends like the mean of its pieces); rows still sum as before."""
    w = amap.weights
    col_sum = np.zeros((w.shape[1], len(col_groups)))
    for j, g in enumerate(col_groups):
        col_sum[g, j] = 1.0
    row_mean = np.zeros((len(row_groups), w.shape[0]))
    for i, g in enumerate(row_groups):
        row_mean[i, g] = 1.0 / len(g)
    rows = row_mean @ w @ col_sum
    return AttentionMap(amap.mechanism, row_labels, col_labels, rows, layer=amap.layer, head=amap.head,
                        meta={**amap.meta, "merged": "word pieces merged: columns summed, rows averaged"})


def drop_tokens(amap: AttentionMap, labels: set[str], renormalize: bool = True) -> AttentionMap:
    """Remove rows and columns whose label is in ``labels`` (e.g. ``{"[CLS]", "[SEP]"}``).

    With ``renormalize`` each remaining row is rescaled to sum to 1 again (say so when showing it: the
    weight that went to the dropped tokens is redistributed proportionally).
    """
    keep_r = [i for i, q in enumerate(amap.queries) if q not in labels]
    keep_c = [j for j, k in enumerate(amap.keys) if k not in labels]
    w = amap.weights[np.ix_(keep_r, keep_c)]
    if renormalize:
        w = w / np.clip(w.sum(1, keepdims=True), 1e-12, None)
    return AttentionMap(amap.mechanism, [amap.queries[i] for i in keep_r], [amap.keys[j] for j in keep_c], w,
                        layer=amap.layer, head=amap.head,
                        meta={**amap.meta, "dropped": sorted(labels), "renormalized": renormalize})


def coverage(amap: AttentionMap) -> AttentionMap:
    """Σ_t α_t over a caption's rows: where the decoder looked overall, ``[1, regions]``
    (the doubly-stochastic regulariser pushes every region towards 1)."""
    total = amap.weights.sum(0, keepdims=True)
    return AttentionMap(mechanism=amap.mechanism, queries=["Σ over words"], keys=amap.keys, weights=total,
                        grid=amap.grid, sub_stochastic=False,
                        meta={**amap.meta, "label": f"{amap.label} coverage", "aggregation": "sum over rows"})
