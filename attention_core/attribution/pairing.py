"""Attention laid out like the attribution maps, so the two can be drawn and ranked side by side.

For each attribution slot the attention map with the same columns (keys and level) is taken as it is when
the rows match too, or averaged over its rows when the slot has a single row (Lin's hops: each hop feeds the
classifier equally, so the mean over hops is the model's overall weighting of the tokens).
"""
from __future__ import annotations

import numpy as np

from ..record import AttentionMap
from .inputs import MapSlot


def attention_for(slot: MapSlot, maps: list[AttentionMap]) -> AttentionMap | None:
    """The attention map shaped like ``slot`` (rows and columns), or None when the model has none."""
    for amap in maps:
        if amap.is_attribution or amap.keys != slot.keys or amap.level != slot.level:
            continue
        if amap.shape[0] == len(slot.queries):
            return amap
        if len(slot.queries) == 1:
            label = f"{amap.label} · mean of {amap.shape[0]} {'hops' if 'hops' in amap.meta else 'rows'}"
            return AttentionMap(amap.mechanism, slot.queries, amap.keys, amap.weights.mean(0, keepdims=True),
                                level=amap.level, meta={**amap.meta, "label": label, "aggregation": "mean over rows"})
    return None


def attention_like(slots: list[MapSlot], maps: list[AttentionMap]) -> list[AttentionMap | None]:
    """:func:`attention_for` for every slot (None where the model has no matching attention)."""
    return [attention_for(slot, maps) for slot in slots]


def rows_of(amap: AttentionMap | None) -> np.ndarray | None:
    """The weights ``[rows, cols]`` of a map (None passes through)."""
    return None if amap is None else amap.weights
