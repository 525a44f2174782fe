"""Figures on pages: content fingerprints, a cross-session figure cache, and drawing with PNG export."""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import threading
from typing import Any, Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from attention_core import AttentionMap
from attention_core.budget import DRAW_SIDE, budget, draw_sides
from attention_core.large_maps import pool_spans
from dashboard.escaping import escape
from dashboard.views.margins import SETTLED_AXIS, axis_names, fit_margins

from .live_figure import Points, heatmap_clicks, live_available, live_figure


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
        elif isinstance(part, np.ndarray):
            # repr() elides the middle of large arrays: hash the bytes, with dtype and shape
            h.update(f"{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).tobytes())
        elif isinstance(part, pd.DataFrame):
            h.update(fingerprint(list(map(str, part.columns)), list(map(str, part.index))).encode())
            h.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
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


class SharedFigure(go.Figure):
    """A figure many sessions draw (it lives in the cross-session cache): its JSON is prepared once.

    Streamlit turns a figure into JSON on every rerun of every session — ``to_dict`` (a deep copy), then
    Plotly's slow path for object arrays such as hover labels: ~15 ms for a 25 × 25 heatmap. This figure
    hands Streamlit a plain-JSON dict made once, which encodes in ~0.3 ms to the same text. Never mutate it.
    Make one with :meth:`adopt`.
    """

    _plain: dict
    _large: "SharedFigure | None"
    _json: str | None
    _large_json: str | None
    _lock: threading.Lock

    @classmethod
    def adopt(cls, fig: go.Figure) -> "SharedFigure":
        """Turn a freshly built figure into a shared one (in place: no second copy and validation)."""
        # through Plotly's own encoder once: typed arrays, escaping and all, exactly as Streamlit sends it
        plain = json.loads(pio.to_json(fig, validate=False, remove_uids=True))
        # margins that already hold the labels: the browser then draws the chart once, not twice
        layout = plain.setdefault("layout", {})
        updates: dict[str, Any] = {"margin": fit_margins(plain)}
        for name in axis_names(plain):
            axis = layout.get(name) or {}
            updates[name] = {key: value for key, value in SETTLED_AXIS.items() if key not in axis}  # a view's choice wins
            layout[name] = {**axis, **updates[name]}
        layout["margin"] = updates["margin"]
        fig.update_layout(updates)
        fig.__class__ = cls
        fig._plain, fig._large, fig._json, fig._lock = plain, None, None, threading.Lock()
        fig._large_json = None
        return fig  # type: ignore[return-value]

    def to_dict(self) -> dict:
        """The figure as plain JSON data (shared: do not mutate)."""
        return self._plain

    def json_text(self) -> str:
        """The figure as JSON text (made once; what the in-place chart receives)."""
        with self._lock:
            if self._json is None:
                self._json = json.dumps(heatmap_clicks(self._plain), separators=(",", ":"))
            return self._json

    def large_fonts(self) -> "SharedFigure":
        """The same figure with projector-size fonts (made once)."""
        with self._lock:
            if self._large is None:
                self._large = SharedFigure.adopt(enlarged(go.Figure(copy.deepcopy(self._plain))))
            return self._large

    def large_json(self) -> str:
        """What the browser needs to switch this chart to presentation mode, as JSON text (made once): the layout
        of :meth:`large_fonts` and, per trace (in the order the in-place chart draws them), the trace's text
        parts that grow with it (``colorbar``, ``textfont``)."""
        large = self.large_fonts()
        with self._lock:
            if self._large_json is None:
                traces = heatmap_clicks(large._plain).get("data") or []
                patch = [{k: t[k] for k in TRACE_TEXT if k in t} if isinstance(t, dict) else {} for t in traces]
                self._large_json = json.dumps({"layout": large._plain.get("layout", {}), "traces": patch},
                                              separators=(",", ":"))
            return self._large_json


LARGE = 1.3     # presentation mode: annotations (subplot titles, notes) this many times their normal size
LONG_TITLE = 60      # presentation mode: a title longer than this many characters keeps its size
COLORBAR_TICKS = 15   # presentation mode: a colour bar's tick labels
CELL_TEXT = 15        # presentation mode: text on bars and beside points
TRACE_TEXT = ("colorbar", "textfont")   # the parts of a trace that presentation mode changes


def enlarged(fig: go.Figure) -> go.Figure:
    """``fig`` (changed in place) with projector-size text: the base font, the title, every axis's tick labels
    and title, the legend, hover labels, colour bars and annotations. Streamlit's chart theme sizes tick labels
    and legends itself, so a larger base font alone leaves them small."""
    title = fig.layout.title.text or ""
    fig.update_layout(font=dict(size=18), legend_font_size=16, hoverlabel_font_size=16)
    # plotly.js does not wrap a title: a long one (a sentence on how to read the chart) would run past both edges
    # of the chart if larger, so it keeps its own size (not the larger base font either)
    fig.update_layout(title_font=dict(size=22 if len(title) <= LONG_TITLE else fig.layout.title.font.size or 14))
    fig.update_xaxes(tickfont_size=16, title_font_size=18)
    fig.update_yaxes(tickfont_size=16, title_font_size=18)
    for trace in fig.data:
        if "colorbar" in trace:
            trace.colorbar.tickfont.size = COLORBAR_TICKS
        # numbers in heatmap cells stay as they are: a cell is as wide as the chart allows, and larger digits
        # ran into their neighbours (the Hops page's 4 × 4 overlap)
        if trace.type != "heatmap" and "textfont" in trace and (getattr(trace, "text", None) is not None
                                                                or getattr(trace, "texttemplate", None) is not None):
            trace.textfont.size = round(max(CELL_TEXT, LARGE * (trace.textfont.size or 0)))
    for note in fig.layout.annotations or ():
        note.font.size = round(LARGE * (note.font.size or 12))
    return fig


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(key: tuple, _build: Callable[[], go.Figure]) -> SharedFigure:
    return SharedFigure.adopt(_build())


def cached_figure(key: tuple, build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)`` once per ``key`` (shared across sessions): building and validating a
    Plotly figure costs ~10 ms, so reruns that redraw unchanged maps reuse it, and its JSON is prepared
    once (:class:`SharedFigure`). Never mutate the result; ``key`` must name everything the figure
    depends on."""
    return _figure(key, lambda: build(*args, **kwargs))


def figure_of(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)`` through the figure cache, keyed by the builder and a fingerprint of
    every argument, so callers never write cache keys by hand. Maps too large for a browser are pooled
    first (:func:`drawable`), and the page says so."""
    if not any(_is_image(a) for a in args):   # an overlay draws pixels, not one cell per column
        limit = budget().draw_cells
        args = tuple(_drawable_arg(a, limit) for a in args)
    key = (build.__module__, build.__qualname__, fingerprint(*args, *sorted(kwargs.items())))
    return cached_figure(key, build, *args, **kwargs)


def _is_image(part: Any) -> bool:
    return hasattr(part, "mode") and hasattr(part, "size") and hasattr(part, "convert")


def _drawable_arg(part: Any, limit: int) -> Any:
    if isinstance(part, AttentionMap):
        return drawable(part, limit)
    if isinstance(part, (list, tuple)) and part and all(isinstance(m, AttentionMap) for m in part):
        return type(part)(drawable(m, limit) for m in part)
    return part


def drawable(amap: AttentionMap, max_cells: int) -> AttentionMap:
    """``amap`` if a browser draws it smoothly, else pooled over spans of tokens to at most ``max_cells``
    cells (and a caption on the page saying how large it was): a 1,000 × 1,000 map froze a tab for 74 s."""
    rows, cols = amap.shape
    sides = draw_sides(rows, cols, max_cells)
    if sides == (rows, cols):
        return amap
    st.caption(f"{escape(amap.label)}: {rows:,} × {cols:,} = {rows * cols:,} cells, more than a browser draws "
               f"smoothly (at most {max_cells:,} cells and {DRAW_SIDE:,} a side here); drawn pooled over spans "
               f"of tokens into {sides[0]:,} × {sides[1]:,} cells.")
    return pool_spans(amap, *sides)


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "attention"


def show_figure(fig: go.Figure, key: str, on_click: Callable[[Points], None] | None = None,
                clickable: bool = False) -> Points:
    """Draw a figure full width, updated in place on later reruns; the toolbar's camera saves a 2× PNG named
    after ``key``. ``on_click(points)`` runs when a point is clicked (``clickable``: only report the click);
    → the points clicked in this run ([] if none). The chart also gets its projector-size layout, which the
    browser uses while presentation mode is on (Streamlit's own chart element, the fallback, stays as it is)."""
    config = {"displaylogo": False, "responsive": True,
              "toImageButtonOptions": {"format": "png", "filename": slug(key), "scale": 2}}
    clickable = clickable or on_click is not None
    if live_available():
        shared = fig if isinstance(fig, SharedFigure) else _shared_copy(fig)
        return live_figure(shared.json_text(), key, config, on_click, clickable, large=shared.large_json())
    # Streamlit's own chart element: the same figure, drawn anew whenever it changes
    chart: dict[str, Any] = {}
    if clickable:
        chart = {"on_select": (lambda: on_click(_selected(key))) if on_click else "rerun",
                 "selection_mode": "points"}
    event = st.plotly_chart(fig, key=key, width="stretch", config=config, **chart)
    return _selected(key) if clickable and event else []


def _shared_copy(fig: go.Figure) -> SharedFigure:
    """A figure built outside the figure cache, as a shared copy (the caller may keep its own) from that cache,
    keyed by its JSON: adopting it and making its large look costs ~20 ms, its JSON 0.5 ms, and a page (or a
    polled fragment) mostly draws the same figure again."""
    text = pio.to_json(fig, validate=False)
    return cached_figure(("show_figure", hashlib.sha256(text.encode()).hexdigest()), go.Figure, fig)


def _selected(key: str) -> Points:
    state = st.session_state.get(key)
    selection = state.get("selection") if state is not None else None
    return [dict(p) for p in (selection or {}).get("points", [])]
