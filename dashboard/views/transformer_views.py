"""Multi-head views: all heads of one layer, and the layers × heads model view (Plotly, no Streamlit)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.aggregate import by_layer
from attention_core.record import AttentionMap

from .labels import safe


def _token_pairs(amap: AttentionMap) -> np.ndarray:
    """``[rows, cols, 2]`` escaped (query, key) labels for hover text."""
    custom = np.empty((*amap.shape, 2), dtype=object)
    custom[..., 0] = np.array([safe(q) for q in amap.queries], dtype=object)[:, None]
    custom[..., 1] = np.array([safe(k) for k in amap.keys], dtype=object)[None, :]
    return custom


def _grid_figure(cells: list[AttentionMap | None], rows: int, cols: int, titles: list[str], cell_px: int,
                 token_hover: bool) -> go.Figure:
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.012,
                        vertical_spacing=0.04 if token_hover else 0.02)
    pairs = None
    for i, amap in enumerate(cells):
        if amap is None:
            continue
        if token_hover:   # the tokens are the same for every head: build the hover labels once
            pairs = _token_pairs(amap) if pairs is None or pairs.shape[:2] != amap.shape else pairs
            extra = dict(customdata=pairs, hovertemplate=f"{safe(amap.title)}<br>%{{customdata[0]}} → "
                                                         "%{customdata[1]}: %{z:.3f}<extra></extra>")
        else:             # thumbnails: positions only, so 72 maps stay light to send and draw
            extra = dict(hovertemplate=f"{safe(amap.title)}<br>row %{{y}} → column %{{x}}: %{{z:.3f}}<extra></extra>")
        fig.add_trace(go.Heatmap(z=amap.weights, zmin=0, zmax=1, colorscale="Blues", showscale=False, **extra),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, autorange="reversed")
    first = next((c for c in cells if c is not None), None)
    if token_hover and first is not None:   # tokens along the left column and the bottom row
        qs, ks = [safe(q, 12) for q in first.queries], [safe(k, 12) for k in first.keys]
        for r in range(1, rows + 1):
            fig.update_yaxes(showticklabels=True, tickmode="array", tickvals=list(range(len(qs))), ticktext=qs,
                             tickfont_size=9, row=r, col=1)
        for c in range(1, cols + 1):
            fig.update_xaxes(showticklabels=True, tickmode="array", tickvals=list(range(len(ks))), ticktext=ks,
                             tickangle=-60, tickfont_size=9, row=rows, col=c)
    fig.update_layout(height=40 + rows * cell_px, margin=dict(l=5, r=5, t=30, b=5))
    fig.update_annotations(font_size=10)
    return fig


def head_view(maps: list[AttentionMap], layer: int, columns: int = 4) -> go.Figure:
    """Every head of ``layer`` as a small token × token heatmap (one colour scale, 0–1)."""
    heads = sorted((m for m in maps if m.layer == layer), key=lambda m: m.head or 0)
    rows = (len(heads) + columns - 1) // columns
    return _grid_figure(list(heads), rows, columns, [f"head {m.head}" for m in heads], 250, True)


def model_view(maps: list[AttentionMap]) -> go.Figure:
    """The layers × heads grid of thumbnails (bertviz's model view, drawn offline with Plotly)."""
    layers = by_layer(maps)
    heads = max(len(g) for g in layers.values())
    cells: list[AttentionMap | None] = []
    titles = []
    for layer, group in layers.items():
        ordered = sorted(group, key=lambda m: m.head or 0)
        cells += ordered + [None] * (heads - len(ordered))
        titles += [f"L{layer} H{m.head}" for m in ordered] + [""] * (heads - len(ordered))
    return _grid_figure(cells, len(layers), heads, titles, 95, False)
