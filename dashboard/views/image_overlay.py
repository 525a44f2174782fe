"""Attention over image regions drawn on the image itself."""
from __future__ import annotations

import base64
import io

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from attention_core.record import AttentionMap

from .labels import safe

VIEW_SIZE = 224
# Inferno starts at "#000004", one of the placeholder colours Streamlit's Plotly theme swaps for its own
# palette (it drew near-zero attention pink); pure black keeps the scale's meaning.
OVERLAY_SCALE = ["#000000" if c.lower() == "#000004" else c for c in plotly.colors.sequential.Inferno]


def _square(image: Image.Image, size: int = VIEW_SIZE) -> np.ndarray:
    """The image resized to the model's square view, as an ``[H, W, 3]`` uint8 array."""
    return np.asarray(image.convert("RGB").resize((size, size)))


def _data_uri(pixels: np.ndarray) -> str:
    """The pixels as a JPEG data URI: ~3–15 kB in the figure instead of 150k numbers as JSON."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _grid(weights: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    return weights.reshape(grid)


def _overlay_traces(uri: str, cells: np.ndarray, zmax: float, opacity: float,
                    show_scale: bool) -> list[go.BaseTraceType]:
    h, w = cells.shape
    step_y, step_x = VIEW_SIZE / h, VIEW_SIZE / w
    return [
        go.Image(source=uri, hoverinfo="skip"),
        go.Heatmap(z=cells, x0=step_x / 2, dx=step_x, y0=step_y / 2, dy=step_y, zmin=0, zmax=zmax,
                   colorscale=OVERLAY_SCALE, opacity=opacity, zsmooth="best", showscale=show_scale,
                   colorbar=dict(title="α", thickness=10),
                   hovertemplate="region row %{y:.0f}px, col %{x:.0f}px<br>α = %{z:.3g}<extra></extra>"),
    ]


def image_overlay(image: Image.Image, amap: AttentionMap, row: int, *, zmax: float | None = None,
                  opacity: float = 0.55, title: str | None = None, height: int = 360) -> go.Figure:
    """Row ``row`` of a grid map (one word's α over the regions) over the image."""
    if amap.grid is None:
        raise ValueError("this map has no image grid")
    cells = _grid(amap.weights[row], amap.grid)
    top = zmax or float(cells.max() or 1)
    fig = go.Figure(_overlay_traces(_data_uri(_square(image)), cells, top, opacity, True))
    label = title if title is not None else f"{amap.meta.get('label', amap.mechanism)} · “{amap.queries[row]}”"
    _layout(fig, safe(label, 80), height)
    return fig


def word_strip(image: Image.Image, amap: AttentionMap, *, zmax: float | None = None, columns: int = 6,
               opacity: float = 0.55) -> go.Figure:
    """Small multiples: one overlay per caption word, on one colour scale."""
    if amap.grid is None:
        raise ValueError("this map has no image grid")
    rows_n = amap.shape[0]
    nrows = (rows_n + columns - 1) // columns
    fig = make_subplots(rows=nrows, cols=columns, subplot_titles=[safe(q, 20) for q in amap.queries],
                        horizontal_spacing=0.01, vertical_spacing=0.06)
    uri = _data_uri(_square(image))
    top = zmax or float(amap.weights.max() or 1)
    for i in range(rows_n):
        for trace in _overlay_traces(uri, _grid(amap.weights[i], amap.grid), top, opacity, i == 0):
            fig.add_trace(trace, row=i // columns + 1, col=i % columns + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(height=40 + 190 * nrows, margin=dict(l=5, r=5, t=30, b=5))
    return fig


def _layout(fig: go.Figure, title: str, height: int) -> None:
    fig.update_layout(title=dict(text=title, font=dict(size=14)), height=height,
                      margin=dict(l=5, r=5, t=40, b=5))
    fig.update_xaxes(visible=False, range=[0, VIEW_SIZE])
    fig.update_yaxes(visible=False, range=[VIEW_SIZE, 0], scaleanchor="x")
