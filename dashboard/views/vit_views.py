"""Vision-transformer views: patch-grid maps blended onto the photo, one large or as small multiples.

A grid map here is a 1-row :class:`AttentionMap` with ``grid = (h, w)`` (one token's attention over the
patches). Small multiples are composited on the server into small JPEGs (photo + colour-mapped map), so
72 thumbnails cost ~72 × 3 kB instead of 72 copies of the photo plus 72 heatmaps in the browser.
"""
from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Sequence

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from attention_core.record import AttentionMap

from .image_overlay import OVERLAY_SCALE
from .labels import safe

VIEW = 448       # side (px) of the photo behind the large overlays
THUMB = 128      # side (px) of one small-multiple thumbnail
OUTLINE = "#22d3ee"


def square(image: Image.Image, size: int) -> np.ndarray:
    """The photo squashed to ``size × size`` (as the model sees it), ``[size, size, 3]`` uint8."""
    return np.asarray(image.convert("RGB").resize((size, size), Image.BICUBIC))


def jpeg_uri(pixels: np.ndarray, quality: int = 85) -> str:
    """``[H, W, 3]`` uint8 → a JPEG data URI."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@lru_cache(maxsize=1)
def _lut() -> np.ndarray:
    """The overlay colour scale sampled at 256 levels, ``[256, 3]`` uint8."""
    colours = plotly.colors.sample_colorscale(plotly.colors.make_colorscale(OVERLAY_SCALE),
                                              np.linspace(0, 1, 256).tolist(), colortype="tuple")
    return (np.array(colours) * 255).round().astype(np.uint8)


def cells(amap: AttentionMap, row: int = 0) -> np.ndarray:
    """Row ``row`` of a grid map as its ``[h, w]`` patch grid."""
    if amap.grid is None:
        raise ValueError("this map has no patch grid")
    return amap.weights[row].reshape(amap.grid)


def blend(photo: np.ndarray, grid: np.ndarray, zmax: float, alpha: float = 0.6,
          patch: tuple[int, int] | None = None) -> np.ndarray:
    """The photo ``[S, S, 3]`` with ``grid [h, w]`` colour-mapped over it (0 → black, ``zmax`` → yellow);
    ``patch`` is outlined."""
    size = photo.shape[0]
    level = np.clip(grid / (zmax or 1.0), 0, 1)
    up = np.asarray(Image.fromarray((level * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR))
    colour = _lut()[up].astype(np.float32)
    out = ((1 - alpha) * photo.astype(np.float32) + alpha * colour).round().astype(np.uint8)
    if patch is not None:
        h, w = grid.shape
        r, c = patch
        img = Image.fromarray(out)
        ImageDraw.Draw(img).rectangle((c * size / w, r * size / h, (c + 1) * size / w - 1, (r + 1) * size / h - 1),
                                      outline=OUTLINE, width=2)
        out = np.asarray(img)
    return out


def grid_overlay(image: Image.Image, amap: AttentionMap, *, zmax: float | None = None, title: str | None = None,
            patch: tuple[int, int] | None = None, height: int = 520,
            opacity: float = 0.6) -> go.Figure:
    """One grid map over the photo with ``patch`` outlined. One invisible marker per patch (row-major,
    ``customdata = [row, col, α]``) carries the hover text and lets a click select that patch
    (``st.plotly_chart(on_select="rerun")``)."""
    grid = cells(amap)
    h, w = grid.shape
    top = float(zmax or grid.max() or 1.0)
    step_y, step_x = VIEW / h, VIEW / w
    hover = "patch r%{customdata[0]}c%{customdata[1]}<br>α = %{customdata[2]:.3g}<extra></extra>"
    rows, cols = np.mgrid[:h, :w]
    custom = np.stack([rows.ravel(), cols.ravel(), grid.ravel()], -1)
    traces: list[go.BaseTraceType] = [
        go.Image(source=jpeg_uri(square(image, VIEW)), hoverinfo="skip"),
        go.Heatmap(z=grid, x0=step_x / 2, dx=step_x, y0=step_y / 2, dy=step_y, zmin=0, zmax=top,
                   colorscale=OVERLAY_SCALE, opacity=opacity, zsmooth="best", colorbar=dict(title="α", thickness=10),
                   hoverinfo="skip"),
        go.Scatter(x=(cols.ravel() + 0.5) * step_x, y=(rows.ravel() + 0.5) * step_y, mode="markers",
                   marker=dict(size=max(4.0, 0.95 * (height - 45) / h), symbol="square", opacity=0.0, color="white"),
                   customdata=custom, hovertemplate=hover, showlegend=False, name="patches",
                   selected=dict(marker=dict(opacity=0.0)), unselected=dict(marker=dict(opacity=0.0))),
    ]
    fig = go.Figure(traces)
    if patch is not None:
        r, c = patch
        fig.add_shape(type="rect", x0=c * step_x, x1=(c + 1) * step_x, y0=r * step_y, y1=(r + 1) * step_y,
                      line=dict(color=OUTLINE, width=3))
    label = title if title is not None else amap.meta.get("label", amap.mechanism)
    fig.update_layout(title=dict(text=safe(label, 90), font=dict(size=14)), height=height,
                      margin=dict(l=5, r=5, t=40, b=5))   # Streamlit sets the click mode; a "select" drag
    # mode would turn single clicks into empty box selections
    fig.update_xaxes(visible=False, range=[0, VIEW])
    fig.update_yaxes(visible=False, range=[VIEW, 0], scaleanchor="x")
    return fig


def grid_small_multiples(image: Image.Image, maps: Sequence[AttentionMap | None], columns: int, titles: Sequence[str],
                    *, shared: bool = False, patch: tuple[int, int] | None = None, thumb: int = THUMB,
                    gap: int = 6, title_px: int = 18, width_px: int = 760) -> go.Figure:
    """Thumbnails of grid maps on the photo, ``columns`` per row (``None`` leaves a gap), composited into one
    image (one Plotly subplot per thumbnail would cost ~1 s to build for 84 maps). Each thumbnail is scaled
    to its own maximum unless ``shared`` (one scale: the largest weight of all); hover names each map."""
    present = [m for m in maps if m is not None]
    top = max((float(m.weights.max()) for m in present), default=1.0)
    photo = square(image, thumb)
    rows = (len(maps) + columns - 1) // columns
    cell_w, cell_h = thumb + gap, thumb + gap + title_px
    canvas = np.full((rows * cell_h, columns * cell_w - gap, 3), 255, np.uint8)
    xs, ys, hover, notes = [], [], [], []
    for i, amap in enumerate(maps):
        if amap is None:
            continue
        r, c = divmod(i, columns)
        y0, x0 = r * cell_h + title_px, c * cell_w
        grid = cells(amap)
        canvas[y0:y0 + thumb, x0:x0 + thumb] = blend(photo, grid, top if shared else float(grid.max() or 1.0),
                                                     patch=patch)
        xs.append(x0 + thumb / 2)
        ys.append(y0 + thumb / 2)
        cls = f"<br>on [CLS] itself: {amap.meta['cls_mass']:.3g}" if "cls_mass" in amap.meta else ""
        hover.append(f"{safe(amap.title)}<br>max α = {grid.max():.3g}{cls}")
        notes.append(dict(x=x0 + thumb / 2, y=y0 - 2, text=safe(titles[i], 24), showarrow=False, yanchor="bottom",
                          font=dict(size=10), xref="x", yref="y"))
    height, width = canvas.shape[:2]
    fig = go.Figure([
        go.Image(source=jpeg_uri(canvas, 78), hoverinfo="skip"),
        go.Scatter(x=xs, y=ys, mode="markers", hovertext=hover, hoverinfo="text", showlegend=False,
                   marker=dict(size=thumb * 0.6, symbol="square", opacity=0.0)),
    ])
    fig.update_xaxes(visible=False, range=[0, width])
    fig.update_yaxes(visible=False, range=[height, 0], scaleanchor="x")
    # Plotly fits the picture to the container's width; size the height for the page's main column
    fig.update_layout(annotations=notes, margin=dict(l=5, r=5, t=5, b=5),
                      height=int(height * min(1.0, width_px / width)) + 10)
    return fig
