"""Views chosen by what a record holds, so a new model family with standard maps needs no page code."""
from __future__ import annotations

from typing import Callable

import plotly.graph_objects as go

from attention_core.record import AttentionMap

from .heatmap import heatmap
from .image_overlay import word_strip
from .transformer_views import model_view

# one map → figure; keyed by name so a page (or a user) can ask for a view explicitly
MAP_VIEWS: dict[str, Callable[..., go.Figure]] = {"heatmap": heatmap, "image": word_strip}


def map_view(amap: AttentionMap, has_image: bool = False) -> str:
    """The view for one map: regions on a grid over an image → ``image``; anything else → ``heatmap``."""
    return "image" if amap.grid is not None and has_image else "heatmap"


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
