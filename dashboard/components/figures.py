"""Figures on pages: content fingerprints, a cross-session figure cache, and drawing with PNG export."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from typing import Any, Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from attention_core import AttentionMap

from .presentation import large_fonts


def fingerprint(*parts: Any) -> str:
    """A content hash of maps (weights, labels, typed fields, meta), bytes, images and plain values."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, AttentionMap):
            # arrays as raw bytes: serialising 72 transformer maps to JSON would cost more than drawing
            skip = {"weights", "content_weights"}
            fields = {f.name: getattr(part, f.name) for f in dataclasses.fields(part) if f.name not in skip}
            h.update(np.ascontiguousarray(part.weights).tobytes())
            if part.content_weights is not None:
                h.update(np.ascontiguousarray(part.content_weights).tobytes())
            h.update(json.dumps(fields, sort_keys=True, default=str).encode())
        elif isinstance(part, (bytes, bytearray)):
            h.update(part)
        elif hasattr(part, "tobytes") and hasattr(part, "size") and hasattr(part, "mode"):  # a PIL image
            # hash what the overlays draw (a 224-px square), not a 12-megapixel upload on every rerun
            h.update(f"{part.mode}{part.size}".encode())
            h.update(part.convert("RGB").resize((224, 224)).tobytes())
        elif isinstance(part, (list, tuple)):
            h.update(fingerprint(*part).encode())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def cached_figure(key: tuple, build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)`` once per ``key`` (shared across sessions): building and validating a
    Plotly figure costs ~10 ms, so reruns that redraw unchanged maps reuse it. Never mutate the result;
    ``key`` must name everything the figure depends on."""
    return _figure(key, lambda: build(*args, **kwargs))


def figure_of(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)`` through the figure cache, keyed by the builder and a fingerprint of
    every argument, so callers never write cache keys by hand."""
    key = (build.__module__, build.__qualname__, fingerprint(*args, *sorted(kwargs.items())))
    return cached_figure(key, build, *args, **kwargs)


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "attention"


def show_figure(fig: go.Figure, key: str, **chart: Any) -> Any:
    """Draw a figure full width; the toolbar's camera saves a 2× PNG named after ``key``."""
    if large_fonts():
        fig = go.Figure(fig)  # a copy: the figure may be shared through cached_figure
        fig.update_layout(font=dict(size=18), title_font=dict(size=22))
    return st.plotly_chart(fig, key=key, width="stretch",
                           config={"displaylogo": False,
                                   "toImageButtonOptions": {"format": "png", "filename": slug(key), "scale": 2}},
                           **chart)
