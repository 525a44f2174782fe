"""Multi-head views: all heads of one layer, and the layers × heads model view (Plotly, no Streamlit)."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.aggregate import by_layer
from attention_core.record import AttentionMap

from .labels import safe


def _position_labels(labels: list[str]) -> list[str]:
    """``"12 the"``: unique category labels (a position and an escaped token), so hover can name tokens
    without a per-cell label array (which made a 12-head grid of 64 tokens 2 MB to send)."""
    return [f"{i} {safe(label, 16)}" for i, label in enumerate(labels)]


def _sparse_ticks(labels: list[str], most: int = 20) -> tuple[list[str], list[str]]:
    """Every n-th label so at most ``most`` fit a small panel's side (hover names every cell)."""
    step = -(-len(labels) // most)
    picked = range(0, len(labels), step)
    categories = _position_labels(labels)
    return [categories[i] for i in picked], [safe(labels[i], 12) for i in picked]


def _grid_figure(cells: list[AttentionMap | None], rows: int, cols: int, titles: list[str], cell_px: int,
                 token_hover: bool, title: str | None = None) -> go.Figure:
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.012,
                        vertical_spacing=0.04 if token_hover else 0.02)
    for i, amap in enumerate(cells):
        if amap is None:
            continue
        if token_hover:   # category axes: the hover names both tokens
            extra = dict(x=_position_labels(amap.keys), y=_position_labels(amap.queries),
                         hovertemplate=f"{safe(amap.title)}<br>%{{y}} → %{{x}}: %{{z:.3g}}<extra></extra>")
        else:             # thumbnails: positions only, so 72 maps stay light to send and draw
            extra = dict(hovertemplate=f"{safe(amap.title)}<br>row %{{y}} → column %{{x}}: %{{z:.3g}}<extra></extra>")
        fig.add_trace(go.Heatmap(z=amap.weights, zmin=0, zmax=1, colorscale="Blues", showscale=False, **extra),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, autorange="reversed")
    first = next((c for c in cells if c is not None), None)
    if token_hover and first is not None:   # tokens along the left column and the bottom row
        qs, q_text = _sparse_ticks(first.queries)
        ks, k_text = _sparse_ticks(first.keys)
        for r in range(1, rows + 1):
            fig.update_yaxes(showticklabels=True, tickmode="array", tickvals=qs, ticktext=q_text, tickfont_size=9,
                             row=r, col=1)
        for c in range(1, cols + 1):
            fig.update_xaxes(showticklabels=True, tickmode="array", tickvals=ks, ticktext=k_text, tickangle=-60,
                             tickfont_size=9, row=rows, col=c)
    fig.update_annotations(font_size=10)   # the subplot titles (before the figure title is added)
    top = 30 if title is None else 60
    fig.update_layout(height=top + 10 + rows * cell_px, margin=dict(l=5, r=5, t=top, b=5))
    if title is not None:
        fig.update_layout(title=dict(text=safe(title, 160), font=dict(size=13), y=0.995, yanchor="top"))
    return fig


def head_view(maps: list[AttentionMap], layer: int, columns: int = 4, title: str | None = None) -> go.Figure:
    """Every head of ``layer`` as a small token × token heatmap (one colour scale, 0–1); ``title`` says
    e.g. what was pooled."""
    heads = sorted((m for m in maps if m.layer == layer), key=lambda m: m.head or 0)
    rows = (len(heads) + columns - 1) // columns
    return _grid_figure(list(heads), rows, columns, [f"head {m.head}" for m in heads], 250, True, title)


def model_view(maps: list[AttentionMap], title: str | None = None) -> go.Figure:
    """The layers × heads grid of thumbnails (bertviz's model view, drawn offline with Plotly); ``title``
    says e.g. what was pooled."""
    layers = by_layer(maps)
    heads = max(len(g) for g in layers.values())
    cells: list[AttentionMap | None] = []
    titles = []
    for layer, group in layers.items():
        ordered = sorted(group, key=lambda m: m.head or 0)
        cells += ordered + [None] * (heads - len(ordered))
        titles += [f"L{layer} H{m.head}" for m in ordered] + [""] * (heads - len(ordered))
    return _grid_figure(cells, len(layers), heads, titles, 95, False, title)
