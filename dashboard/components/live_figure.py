"""A Plotly chart updated in place: later reruns restyle the same chart (``Plotly.react``) instead of drawing anew.

Streamlit gives a chart whose figure changed a new element, so the browser builds it from scratch (~35 ms per
chart here; a page-wide change such as a shared colour scale or presentation mode redrew 7–12 charts). This
component keeps one element per key and hands the new figure to ``Plotly.react``, which restyles what changed
(a new colour range ~4 ms, a new font size ~18 ms). plotly.js itself is the installed ``plotly`` package's own
copy, served from the app's static folder; where that cannot be set up the page falls back to
``st.plotly_chart``.
"""
from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np
import plotly
import streamlit as st

from dashboard.views.head_overview import CLICK_TARGETS

STATIC = Path(__file__).resolve().parents[1] / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
Points = list[dict[str, Any]]


def copy_plotly_js() -> bool:
    """Put the installed plotly package's plotly.js into the app's static folder (once per plotly version);
    → False where the folder cannot be written (a read-only install)."""
    if not PLOTLY_JS.is_file():
        return False
    target = STATIC / "plotly.min.js"
    try:
        if not target.is_file() or target.stat().st_size != PLOTLY_JS.stat().st_size:
            STATIC.mkdir(exist_ok=True)
            # a file of this process's own, then an atomic rename: replicas starting together never write
            # into one file, and a browser never reads half of one
            tmp = STATIC / f".plotly-{os.getpid()}.tmp"
            shutil.copyfile(PLOTLY_JS, tmp)
            tmp.replace(target)
    except OSError:
        return False
    return True


@st.cache_resource(show_spinner=False)
def _served() -> bool:
    """True when the app serves plotly.js from its static folder; otherwise Streamlit's own chart element,
    which needs nothing, draws the figures."""
    return bool(st.get_option("server.enableStaticServing")) and copy_plotly_js()


@st.cache_resource(show_spinner=False)
def _component() -> Callable[..., Any]:
    js = (Path(__file__).with_name("live_figure.js")).read_text(encoding="utf-8")
    # mounted in the page itself (no shadow root), so the browser tests and plotly.js's own CSS see the chart
    return st.components.v2.component("atlas_live_figure", js=js, isolate_styles=False)


def live_available() -> bool:
    """True when charts can be drawn with the in-place component (plotly.js is served)."""
    return _served()


def _plain_array(value: Any) -> np.ndarray:
    """A trace array from Plotly's JSON: a (nested) list, or a typed array ``{"dtype", "bdata", "shape"}``."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    return np.asarray(value, dtype=object)


def heatmap_clicks(plain: dict) -> dict:
    """The figure (Plotly's plain JSON) with each :data:`CLICK_TARGETS` trace folded into the heatmap below it:
    the in-place chart reports clicks on heatmap cells itself, so the heatmap takes the markers' hover text and
    per-cell ``customdata`` and the markers go — one SVG node per cell fewer (1,600 on the distance profile of
    72 heads) for the browser to lay out and restyle. A copy; ``plain`` is left as it is."""
    traces = plain.get("data") or []
    if not any(isinstance(t, dict) and t.get("meta") == CLICK_TARGETS for t in traces):
        return plain
    folded: list[dict] = []
    for trace in traces:
        below = folded[-1] if folded else None
        if trace.get("meta") == CLICK_TARGETS and below is not None and below.get("type") == "heatmap":
            rows, cols = _plain_array(below["z"]).shape[:2]
            custom = _plain_array(trace.get("customdata"))
            if custom.shape[0] == rows * cols:
                below = {k: v for k, v in below.items() if k != "hoverinfo"}   # "skip" would swallow clicks too
                if custom.dtype.kind == "f":     # JSON has no NaN: a missing value is null, as Plotly writes it
                    custom = np.where(np.isfinite(custom), custom, None)
                below["customdata"] = custom.reshape(rows, cols, *custom.shape[1:]).tolist()
                below["hovertemplate"] = trace.get("hovertemplate")
                folded[-1] = below
                continue
        folded.append(trace)
    return {**plain, "data": folded}


def live_figure(figure_json: str, key: str, config: dict[str, Any],
                on_click: Callable[[Points], None] | None = None, clickable: bool = False,
                large: str | None = None) -> Points:
    """Draw ``figure_json`` (Plotly's JSON) under ``key``; → the points clicked in this run ([] if none).

    ``large`` (JSON text: ``layout``, and ``traces``, each trace's text parts) is the chart's presentation-mode
    look, which the browser switches to and back without a page run.

    A chart takes clicks when ``clickable`` or given ``on_click(points)``, which runs before the page when a
    point is clicked (points: ``x``, ``y``, ``z``,
    ``customdata``, ``curve_number``, ``point_index``)."""
    # a trigger reaches Python only when a callback is registered for it, so a chart that only reports its
    # clicks registers one that does nothing
    clickable = clickable or on_click is not None
    callback = (lambda: on_click(clicked_points(key))) if on_click is not None else (lambda: None)
    result = _component()(key=key, data={"figure": figure_json, "config": config, "clickable": clickable,
                                                "large": large},
                          height="content", **({"on_click_change": callback} if clickable else {}))
    return list(result.get("click") or []) if result is not None else []


def clicked_points(key: str) -> Points:
    """The points of the click that started this run on the chart ``key`` ([] if it was not clicked)."""
    state = st.session_state.get(key)
    points = state.get("click") if state is not None else None
    return list(points or [])

