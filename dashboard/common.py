"""Streamlit pieces shared by the pages: model access, figures, exports, sanity panel, compare basket."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from typing import Any, Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from attention_core import AttentionMap, Explanation
from attention_core.inputs import InputError
from attention_core.models import ModelSpec, list_models, load_model
from attention_core.stats import sanity_checks

LARGE_FONT_KEY = "large_fonts"
COMPARE_KEY = "compare_maps"


# -- models -----------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading model…")
def model(model_id: str) -> Any:
    """The loaded model, once per server process and shared by every browser session."""
    return load_model(model_id)


@st.cache_data(max_entries=512, show_spinner=False)
def _explain_cached(model_id: str, inp: Any, options: tuple[tuple[str, Any], ...]) -> Explanation:
    return model(model_id).explain(inp, **dict(options))


def explain(model_id: str, inp: Any, **options: Any) -> tuple[Explanation | None, str | None]:
    """Run a model (results cached per input) → ``(explanation, None)`` or ``(None, one-line error)``."""
    try:
        return _explain_cached(model_id, inp, tuple(sorted(options.items()))), None
    except InputError as exc:
        return None, str(exc)
    except Exception as exc:  # a model failure must not take the page down
        return None, f"{model_id} failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


@st.cache_data(max_entries=64, show_spinner=False)
def _explain_image_cached(model_id: str, data: bytes) -> Explanation:
    from attention_core.inputs import load_image
    return model(model_id).explain(load_image(data))


def explain_image(model_id: str, data: bytes) -> tuple[Explanation | None, str | None]:
    """Like :func:`explain` for an uploaded image's bytes (decoded safely inside the cache)."""
    try:
        return _explain_image_cached(model_id, data), None
    except InputError as exc:
        return None, str(exc)
    except Exception as exc:  # a model failure must not take the page down
        return None, f"{model_id} failed: {type(exc).__name__}"


def models_for(task: str | None = None, family: str | None = None) -> list[ModelSpec]:
    """Registered specs for a task/family."""
    return list_models(task=task, family=family)


def families(task: str) -> list[str]:
    """Families of a task in registration order."""
    seen: dict[str, None] = {}
    for spec in list_models(task=task):
        seen.setdefault(spec.family, None)
    return list(seen)


# -- figures -------------------------------------------------------------------------------------
def fingerprint(*parts: AttentionMap | bytes | str) -> str:
    """A content hash of maps (weights, labels, centres, meta) and raw inputs, for figure-cache keys."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, AttentionMap):
            # the weights as raw bytes: serialising 72 transformer maps to JSON would cost more than drawing
            fields = {f.name: getattr(part, f.name) for f in dataclasses.fields(part) if f.name != "weights"}
            h.update(np.ascontiguousarray(part.weights).tobytes())
            h.update(json.dumps(fields, sort_keys=True, default=str).encode())
        elif isinstance(part, bytes):
            h.update(part)
        else:
            h.update(str(part).encode())
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


# -- presentation --------------------------------------------------------------------------------
def large_fonts() -> bool:
    """True when the presentation (large fonts) mode is on."""
    return bool(st.session_state.get(LARGE_FONT_KEY, False))


def show_figure(fig: go.Figure, key: str) -> None:
    """Draw a figure full width; the toolbar's camera saves a 2× PNG named after ``key``."""
    if large_fonts():
        fig = go.Figure(fig)  # a copy: the figure may be shared through cached_figure
        fig.update_layout(font=dict(size=18), title_font=dict(size=22))
    st.plotly_chart(fig, key=key, width="stretch",
                    config={"displaylogo": False,
                            "toImageButtonOptions": {"format": "png", "filename": slug(key), "scale": 2}})


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "attention"


def export_buttons(amap: AttentionMap, fig: go.Figure | None, key: str) -> None:
    """CSV and JSON of the map, HTML of the figure (built only when clicked), and add-to-compare."""
    name = slug(key)
    cols = st.columns(4)
    cols[0].download_button("CSV", data=lambda: amap.to_long_frame().to_csv(index=False),
                            file_name=f"{name}.csv", mime="text/csv", key=f"{key}-csv", on_click="ignore")
    cols[1].download_button("JSON", data=lambda: amap.to_json(indent=1), file_name=f"{name}.json",
                            mime="application/json", key=f"{key}-json", on_click="ignore")
    if fig is not None:
        cols[2].download_button("HTML", data=lambda: fig.to_html(include_plotlyjs=True, full_html=True),
                                file_name=f"{name}.html", mime="text/html", key=f"{key}-html",
                                on_click="ignore")
    if cols[3].button("Compare", icon=":material/add:", key=f"{key}-cmp", help="Add this map to the Compare page"):
        add_to_compare(amap, key)
        st.toast(f"Added “{amap.title}” to Compare")


def sanity_panel(amap: AttentionMap) -> None:
    """One caption line: the checks a reader can trust, ✓ or ✗."""
    checks = sanity_checks(amap)
    st.caption(" · ".join(f"{'✓' if ok else '✗'} {name}" for name, ok in checks.items()))


def add_to_compare(amap: AttentionMap, key: str) -> None:
    """Keep a map (as its JSON record) in this browser session's compare basket."""
    basket = st.session_state.setdefault(COMPARE_KEY, {})
    basket[key] = amap.to_dict()


def compare_basket() -> dict[str, AttentionMap]:
    """The maps added to Compare in this session."""
    return {k: AttentionMap.from_dict(v) for k, v in st.session_state.get(COMPARE_KEY, {}).items()}


def show_notices(result: Explanation) -> None:
    """Model notices (input cut, out-of-domain warnings) as info boxes."""
    for note in result.notices:
        st.info(note)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: str) -> str:
    """Escape Markdown (and HTML angle brackets) so user or model text shows literally in st.markdown."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def checked_text(raw: str) -> str:
    """Validated user text; an empty text stops the page with one error line, a cut one adds a notice."""
    from attention_core.inputs import clean_text
    try:
        cleaned = clean_text(raw)
    except InputError as exc:
        st.error(str(exc))
        st.stop()
    if cleaned.truncated:
        st.info(f"The text was cut to {len(cleaned.text)} characters (from {cleaned.original_chars}).")
    return cleaned.text


def _short(text: str, limit: int = 90) -> str:
    """One line of at most ``limit`` characters (for option labels)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def text_input_block(label: str, samples: tuple[str, ...], key: str, default: str = "",
                     height: int = 100) -> str:
    """A sample picker plus an editable text area; returns the raw text (validated by the caller)."""
    text_key, sample_key = f"{key}-text", f"{key}-sample"
    options = ["(my own text)"] + list(samples)

    def use_sample() -> None:  # picking a sample replaces the text; typing afterwards keeps the edits
        if st.session_state[sample_key] != options[0]:
            st.session_state[text_key] = st.session_state[sample_key]

    if text_key not in st.session_state:
        st.session_state[text_key] = samples[0] if samples else default
    st.selectbox("Start from a sample", options, index=1 if samples else 0, key=sample_key,
                 on_change=use_sample, format_func=_short)
    return st.text_area(label, key=text_key, height=height)


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
        from attention_core.aggregate import mean_over_heads
        return mean_over_heads(in_layer)
    return next(m for m in in_layer if m.head == head)
