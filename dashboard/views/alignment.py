"""A translation map drawn as alignment lines between the source and target sentences."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from attention_core.record import AttentionMap

from .labels import safe


def alignment_lines(amap: AttentionMap, *, threshold: float = 0.05, height: int = 260) -> go.Figure:
    """Source tokens on top, target tokens below, a line per weight above ``threshold`` (opacity = weight)."""
    rows, cols = amap.shape
    span = max(rows, cols) - 1 or 1
    xs_src = np.linspace(0, 1, cols) if cols > 1 else np.array([0.5])
    xs_tgt = np.linspace(0, 1, rows) if rows > 1 else np.array([0.5])
    fig = go.Figure()
    # Bin the weights so the figure has a handful of traces, not one per line.
    bins = np.linspace(threshold, max(amap.weights.max(), threshold + 1e-9), 6)
    for lo, hi in zip(bins[:-1], bins[1:]):
        xs, ys = [], []
        for t, s in zip(*np.nonzero((amap.weights >= lo) & (amap.weights <= hi))):
            xs += [xs_tgt[t], xs_src[s], None]
            ys += [0, 1, None]
        if xs:
            level = float(hi / max(amap.weights.max(), 1e-9))
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                     line=dict(color=f"rgba(31,119,180,{0.15 + 0.85 * level:.2f})",
                                               width=1 + 5 * level)))
    fig.add_trace(go.Scatter(x=xs_src, y=np.ones(cols), mode="text", text=[safe(k) for k in amap.keys],
                             textposition="top center", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=xs_tgt, y=np.zeros(rows), mode="text", text=[safe(q) for q in amap.queries],
                             textposition="bottom center", hoverinfo="skip"))
    fig.update_layout(height=height, showlegend=False, margin=dict(l=10, r=10, t=30, b=10),
                      title=dict(text=safe(amap.title, 80), font=dict(size=14)),
                      xaxis=dict(visible=False, range=[-0.05, 1.05]),
                      yaxis=dict(visible=False, range=[-0.35, 1.35]), plot_bgcolor="white")
    fig.layout.meta = {"span": span}
    return fig
