"""Structured self-attention: one row per hop, and the hop overlap A Aᵀ."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from attention_core.record import AttentionMap

from .heatmap import heatmap
from .labels import safe
from .numbers import for_people


def hop_rows(amap: AttentionMap, *, zmax: float | None = None) -> go.Figure:
    """The ``[hops, tokens]`` map as a heatmap (rows = hops)."""
    return heatmap(amap, zmax=zmax, title=f"{amap.meta.get('label', amap.mechanism)}: attention per hop",
                   row_name="hop", col_name="token")


def overlap_matrix(amap: AttentionMap) -> np.ndarray:
    """``A Aᵀ`` ``[hops, hops]``: 1 on the diagonal means a hop is peaked; off-diagonal = shared focus."""
    return amap.weights @ amap.weights.T


def hop_overlap(amap: AttentionMap) -> go.Figure:
    """Heatmap of ``A Aᵀ`` with its values written in the cells."""
    overlap = overlap_matrix(amap)
    labels = [safe(q) for q in amap.queries]
    cells = [[for_people(float(v), scale=1.0) for v in row] for row in overlap]   # 3 digits; below 0.0005 of 0–1: 0
    fig = go.Figure(go.Heatmap(z=overlap, x=labels, y=labels, zmin=0, zmax=1, colorscale="Purples",
                               text=cells, texttemplate="%{text}",
                               hovertemplate="%{y} · %{x}: %{z:.3g}<extra></extra>",
                               colorbar=dict(thickness=12)))
    fig.update_layout(title=dict(text="Hop overlap A Aᵀ (ideal: identity)", font=dict(size=14)),
                      height=120 + 40 * len(labels), margin=dict(l=10, r=10, t=40, b=10),
                      yaxis=dict(autorange="reversed"))
    return fig
