"""A Plotly chart updated in place: later reruns restyle the same chart (``Plotly.react``) instead of drawing anew.

Streamlit gives a chart whose figure changed a new element, so the browser builds it from scratch (~35 ms per
chart here; a page-wide change such as a shared colour scale or presentation mode redrew 7–12 charts). This
component keeps one element per key and hands the new figure to ``Plotly.react``, which restyles what changed
(a new colour range ~4 ms, a new font size ~18 ms). plotly.js itself is the installed ``plotly`` package's own
copy, served from the app's static folder; where that cannot be set up the page falls back to
``st.plotly_chart``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable

import plotly
import streamlit as st

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


def live_figure(figure_json: str, key: str, config: dict[str, Any],
                on_click: Callable[[Points], None] | None = None, clickable: bool = False) -> Points:
    """Draw ``figure_json`` (Plotly's JSON) under ``key``; → the points clicked in this run ([] if none).

    A chart takes clicks when ``clickable`` or given ``on_click(points)``, which runs before the page when a
    point is clicked (points: ``x``, ``y``, ``z``,
    ``customdata``, ``curve_number``, ``point_index``)."""
    # a trigger reaches Python only when a callback is registered for it, so a chart that only reports its
    # clicks registers one that does nothing
    clickable = clickable or on_click is not None
    callback = (lambda: on_click(clicked_points(key))) if on_click is not None else (lambda: None)
    result = _component()(key=key, data={"figure": figure_json, "config": config, "clickable": clickable},
                          height="content", **({"on_click_change": callback} if clickable else {}))
    return list(result.get("click") or []) if result is not None else []


def clicked_points(key: str) -> Points:
    """The points of the click that started this run on the chart ``key`` ([] if it was not clicked)."""
    state = st.session_state.get(key)
    points = state.get("click") if state is not None else None
    return list(points or [])

