"""Map panels: a map's figure with its sanity line and exports; choosing a head of a multi-head model."""
from __future__ import annotations

from typing import Any, Callable

import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from attention_core import AttentionMap
from attention_core.aggregate import mean_over_heads
from attention_core.stats import sanity_checks
from dashboard.views import image_overlay, word_strip
from dashboard.views.options import options_for
from dashboard.views.select import default_view

from .exports import export_buttons
from .figures import figure_of, show_figure


IMAGE_VIEWS = {image_overlay, word_strip}   # views drawn on the image: called as view(image, amap, ...)


def sanity_panel(amap: AttentionMap) -> None:
    """One caption line: the checks a reader can trust, ✓ or ✗."""
    checks = sanity_checks(amap)
    st.caption(" · ".join(f"{'✓' if ok else '✗'} {name}" for name, ok in checks.items()))


def map_panel(amap: AttentionMap, key: str, *, view: Callable[..., go.Figure] | None = None,
              image: Image.Image | None = None, row: int = 0, **options: Any) -> go.Figure:
    """Draw ``amap`` (figure cached by content), then its sanity line and export buttons; returns the figure.

    The view follows the record (:func:`dashboard.views.select.default_view`): regions on a grid with an
    ``image`` → the image overlay (of ``row``), a sentence-level map → bars, otherwise a heatmap. ``view``
    overrides it; views that draw on the image take ``(image, amap)``. ``options`` are
    :class:`dashboard.views.options.ViewOptions` offered to the view; it receives only those it declares.
    """
    if view is None:
        view = default_view(amap, has_image=image is not None)
    options = options_for(view, options)
    if view is image_overlay:
        fig = figure_of(view, image, amap, row, **options)
    elif view in IMAGE_VIEWS:
        fig = figure_of(view, image, amap, **options)
    else:
        fig = figure_of(view, amap, **options)
    show_figure(fig, key=f"{key}-fig")
    sanity_panel(amap)
    export_buttons(amap, fig, key=key)
    return fig


def head_choice(maps: list[AttentionMap], key: str) -> AttentionMap | None:
    """One map to draw: the only map, or (multi-head models) the chosen layer and head or their mean."""
    if not maps:
        return None
    if all(m.head is None for m in maps):
        return maps[0]
    layers = sorted({m.layer for m in maps if m.layer is not None})
    c1, c2 = st.columns(2)
    layer = c1.selectbox("Layer", layers, index=len(layers) - 1, key=f"{key}-layer")
    in_layer = [m for m in maps if m.layer == layer]
    heads = ["mean"] + sorted(m.head for m in in_layer)
    head = c2.selectbox("Head", heads, key=f"{key}-head")
    if head == "mean":
        return mean_over_heads(in_layer)
    return next(m for m in in_layer if m.head == head)
