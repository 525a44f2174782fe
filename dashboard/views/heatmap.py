"""Heatmap of one AttentionMap, with the local-attention window and centre drawn on it."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from attention_core.record import AttentionMap
from attention_core.stats import has_window

from .labels import safe

COLORSCALE = "Blues"


def shared_zmax(maps: list[AttentionMap]) -> float:
    """One colour-scale top for several maps, so the same colour means the same weight everywhere."""
    return float(max((m.weights.max() for m in maps if m.weights.size), default=1.0)) or 1.0


def heatmap(amap: AttentionMap, *, zmax: float | None = None, show_window: bool = True,
            height: int | None = None, title: str | None = None, show_scale: bool = True,
            row_name: str = "query", col_name: str = "key") -> go.Figure:
    """Rows = queries (top to bottom), columns = keys; hover gives both labels and the weight.

    Positions (not labels) index the axes, so repeated tokens keep their own rows and columns.
    """
    rows, cols = amap.shape
    qs, ks = [safe(q) for q in amap.queries], [safe(k) for k in amap.keys]
    custom = np.empty((rows, cols, 2), dtype=object)
    custom[..., 0] = np.array(qs, dtype=object)[:, None]
    custom[..., 1] = np.array(ks, dtype=object)[None, :]
    fig = go.Figure(go.Heatmap(
        z=amap.weights, x=np.arange(cols), y=np.arange(rows), customdata=custom,
        zmin=0.0, zmax=zmax if zmax is not None else float(amap.weights.max() or 1.0),
        colorscale=COLORSCALE, showscale=show_scale, xgap=1, ygap=1,
        colorbar=dict(title="weight", thickness=12),
        hovertemplate=(f"{row_name}: %{{customdata[0]}}<br>{col_name}: %{{customdata[1]}}"
                       "<br>weight: %{z:.3g}<extra></extra>"),
    ))
    if show_window and amap.centers is not None:
        centers = np.asarray(amap.centers)
        if has_window(amap):   # top-k keeps the k best positions anywhere: it has no window
            _draw_window(fig, centers, amap.window, cols)
        _draw_centers(fig, centers)
    # Key labels sit above the map (source along the top, as in the papers' figures); leave room for
    # them under the title.
    label_room = 6 * min(max((len(k) for k in ks), default=1), 14) if cols > 6 else 18
    fig.update_layout(
        title=dict(text=safe(title if title is not None else amap.title, 80), font=dict(size=14),
                   y=1.0, yanchor="top", yref="container", pad=dict(t=8)),
        height=height or int(min(900, 120 + label_room + 22 * rows)),
        margin=dict(l=10, r=10, t=36 + label_room, b=10),
        xaxis=dict(tickmode="array", **_ticks(ks, MAX_COL_TICKS), side="top", tickangle=-60 if cols > 6 else 0, showgrid=False),
        yaxis=dict(tickmode="array", **_ticks(qs, MAX_ROW_TICKS), autorange="reversed", showgrid=False),
        plot_bgcolor="white", showlegend=False,
    )
    return fig


MAX_ROW_TICKS, MAX_COL_TICKS = 80, 40   # labels that do not overlap (columns are slanted); hover names every cell


def _ticks(labels: list[str], most: int) -> dict[str, list]:
    """Every label up to ``most``, else every n-th one (a pooled 200 × 200 map drew 200 overlapping ones)."""
    step = -(-len(labels) // most)
    return {"tickvals": list(range(0, len(labels), step)), "ticktext": labels[::step]}


def _draw_window(fig: go.Figure, centers: np.ndarray, width: int, cols: int) -> None:
    """Outline each row's window [p_t − D, p_t + D] (clipped to the sequence)."""
    rows = np.arange(len(centers))
    lo = np.clip(np.ceil(centers - width), 0, cols - 1) - 0.5
    hi = np.clip(np.floor(centers + width), 0, cols - 1) + 0.5
    xs, ys = [], []
    for edge in (lo, hi):
        for r, x in zip(rows, edge):   # a vertical tick per row edge keeps windows readable
            xs += [x, x, None]
            ys += [r - 0.5, r + 0.5, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#e4572e", width=2),
                             hoverinfo="skip", name="window"))


def _draw_centers(fig: go.Figure, centers: np.ndarray) -> None:
    """Mark each row's centre p_t."""
    fig.add_trace(go.Scatter(x=centers, y=np.arange(len(centers)), mode="markers",
                             marker=dict(symbol="diamond", size=8, color="#e4572e",
                                         line=dict(color="white", width=1)),
                             hovertemplate="p<sub>t</sub> = %{x:.3g}<extra></extra>", name="p_t"))
