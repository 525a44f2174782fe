"""Multi-head views: all heads of one layer, and the layers × heads model view (Plotly, no Streamlit)."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.aggregate import by_layer
from attention_core.record import AttentionMap

from .labels import safe


def _grid_figure(cells: list[AttentionMap | None], rows: int, cols: int, titles: list[str], cell_px: int,
                 show_ticks: bool) -> go.Figure:
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.012,
                        vertical_spacing=0.04 if show_ticks else 0.02)
    for i, amap in enumerate(cells):
        if amap is None:
            continue
        fig.add_trace(go.Heatmap(
            z=amap.weights, zmin=0, zmax=1, colorscale="Blues", showscale=False,
            customdata=[[[safe(q), safe(k)] for k in amap.keys] for q in amap.queries],
            hovertemplate=f"{safe(amap.title)}<br>%{{customdata[0]}} → %{{customdata[1]}}: %{{z:.3f}}<extra></extra>"),
            row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, autorange="reversed")
    fig.update_layout(height=40 + rows * cell_px, margin=dict(l=5, r=5, t=30, b=5))
    fig.update_annotations(font_size=10)
    return fig


def head_view(maps: list[AttentionMap], layer: int, columns: int = 4) -> go.Figure:
    """Every head of ``layer`` as a small token × token heatmap (one colour scale, 0–1)."""
    heads = sorted((m for m in maps if m.layer == layer), key=lambda m: m.head or 0)
    rows = (len(heads) + columns - 1) // columns
    return _grid_figure(list(heads), rows, columns, [f"head {m.head}" for m in heads], 230, True)


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
