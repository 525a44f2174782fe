"""Views chosen by what a record holds, so a new model family with standard maps needs no page code."""
from __future__ import annotations

from typing import Callable

import plotly.graph_objects as go

from attention_core.record import AttentionMap

from .document_views import sentence_bars
from .heatmap import heatmap
from .image_overlay import image_overlay
from .transformer_views import model_view


def default_view(amap: AttentionMap, has_image: bool = False) -> Callable[..., go.Figure]:
    """The view one map asks for: regions on a grid (with the image at hand) → the image overlay; a
    sentence-level map → sentence bars; anything else → a heatmap (with the local window when set)."""
    if amap.grid is not None and has_image:
        return image_overlay
    if amap.level == "sentence" and amap.shape[0] == 1:
        return sentence_bars
    return heatmap


def layout(maps: list[AttentionMap]) -> str:
    """How a model's maps go together: ``hierarchy`` (word/sentence levels), ``heads`` (a layer × head
    stack), ``single`` (one map) or ``several`` (side by side)."""
    if any(m.level is not None for m in maps):
        return "hierarchy"
    if len(maps) > 1 and all(m.layer is not None and m.head is not None for m in maps):
        return "heads"
    return "single" if len(maps) == 1 else "several"


def overview(maps: list[AttentionMap]) -> go.Figure:
    """All heads of a ``heads`` layout as small multiples."""
    return model_view(maps)
