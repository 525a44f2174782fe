"""Document: the hierarchical attention network's label, sentence weights and word weights — whole documents.

Sections, one function each: the label, the sentence overview (a bar per sentence; click one to read its
words), the chosen sentence's words, the heaviest sentences, and the whole text coloured, page by page.
"""
from __future__ import annotations

import hashlib

import streamlit as st

from attention_core import AttentionMap, Explanation, Input, Needs, Produces
from attention_core.inputs import MAX_DOCUMENT_UPLOAD_MB
from dashboard.components import (
    available,
    checked_text,
    explain,
    export_buttons,
    figure_of,
    map_panel,
    md_escape,
    sanity_panel,
    show_figure,
    show_notices,
    text_input_block,
    unavailable_notice,
)
from dashboard.components.tables import for_people
from dashboard.pages import DOCUMENT
from dashboard.views import document_html
from dashboard.views.document_views import class_bars, sentence_overview, word_bars

SENTENCE_KEY, OVERVIEW_KEY, PAGE_KEY = "doc-sentence", "doc-overview", "doc-page"
TOP_SENTENCES = 5
PAGE_SENTENCES = 40


# ---- input ----------------------------------------------------------------------------------------------
def document_input(samples: tuple[str, ...]) -> str:
    """An uploaded .txt (up to the upload limit) or the text area."""
    upload = st.file_uploader(f"Upload a .txt file (up to {MAX_DOCUMENT_UPLOAD_MB} MB)", type=["txt"],
                              max_upload_size=MAX_DOCUMENT_UPLOAD_MB)
    if upload is None:
        return text_input_block("Document", samples, key="document", height=200)
    try:
        return upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.error(f"{md_escape(upload.name)} is not UTF-8 text.")
        st.stop()


# ---- sections -------------------------------------------------------------------------------------------
def label_section(result: Explanation, text: str, baselines: list) -> None:
    """The predicted topic, the class probabilities and the baselines' labels."""
    st.metric("Predicted topic", result.output.label)
    show_figure(figure_of(class_bars, result.output), key="doc-probs")
    for base in baselines:
        b_result, _ = explain(base.id, text)
        if b_result is not None:
            st.caption(f"Baseline without attention ({md_escape(base.mechanism)}): "
                       f"**{md_escape(b_result.output.label)}**")


def _clicked_sentence(points: list[dict]) -> None:
    if points:
        st.session_state[SENTENCE_KEY] = int(points[0]["x"])


def chosen_sentence(sentence_map: AttentionMap, text: str) -> int:
    """The sentence to read (0-based): the heaviest for a new text, then what the reader clicks or types."""
    n = sentence_map.shape[1]
    marker = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    if st.session_state.get("doc-sentence-text") != marker or not 1 <= st.session_state.get(SENTENCE_KEY, 0) <= n:
        st.session_state["doc-sentence-text"] = marker
        st.session_state[SENTENCE_KEY] = int(sentence_map.weights[0].argmax()) + 1
    return int(st.session_state[SENTENCE_KEY]) - 1


def overview_section(sentence_map: AttentionMap, selected: int) -> None:
    """Every sentence's weight in reading order; a click chooses the sentence to read."""
    fig = figure_of(sentence_overview, sentence_map, selected=selected, top=TOP_SENTENCES)
    show_figure(fig, key=OVERVIEW_KEY, on_click=_clicked_sentence)
    sanity_panel(sentence_map)
    export_buttons(sentence_map, fig, key="document-sentences")


def words_section(result: Explanation, sentence_map: AttentionMap, shade: str) -> None:
    """The chosen sentence's words: bars of word weights and the sentence coloured."""
    n = sentence_map.shape[1]
    c1, c2 = st.columns([1, 3])
    number = c1.number_input(f"Sentence (1–{n})", 1, n, key=SENTENCE_KEY,
                             help="Or click a bar above")
    i = int(number) - 1
    c2.markdown(f"**Sentence {i + 1}** · weight {for_people(sentence_map.weights[0, i])} "
                f"(rank {int((sentence_map.weights[0] > sentence_map.weights[0, i]).sum()) + 1} of {n})")
    word_maps = [m for m in result.maps if m.level == "word"]
    st.html(document_html(result.maps, word_scale=shade, only=[i]))
    map_panel(word_maps[i], key="document-words", view=word_bars)


def top_section(result: Explanation, sentence_map: AttentionMap, shade: str) -> None:
    """The heaviest sentences, heaviest first."""
    order = sentence_map.weights[0].argsort()[::-1][:TOP_SENTENCES]
    st.subheader(f"The {len(order)} heaviest sentences")
    st.html(document_html(result.maps, word_scale=shade, only=order.tolist()))


def full_text_section(result: Explanation, sentence_map: AttentionMap, shade: str) -> None:
    """The whole document coloured, a page of sentences at a time (a long document stays light to draw)."""
    n = sentence_map.shape[1]
    pages = (n + PAGE_SENTENCES - 1) // PAGE_SENTENCES
    with st.expander(f"The whole document, coloured by attention ({n} sentences)", expanded=pages == 1):
        page = 1
        if pages > 1:
            page = int(st.number_input(f"Page (of {pages}, {PAGE_SENTENCES} sentences each)", 1, pages,
                                       key=PAGE_KEY))
        start = (page - 1) * PAGE_SENTENCES
        st.html(document_html(result.maps, word_scale=shade, only=range(start, min(n, start + PAGE_SENTENCES))))


# ---- the page -------------------------------------------------------------------------------------------
st.title("Document")
st.caption("A hierarchical attention network (Yang et al. 2016) reads words inside each sentence, then "
           "sentences inside the document. Blue bars: sentence weight. Red shading: word weight.")

han, missing = available(DOCUMENT)
unavailable_notice(missing)   # a damaged model says why, instead of looking uninstalled
if not han:
    st.warning("No hierarchical document model can be loaded here" + (" (see above)." if missing else "."))
    st.stop()
spec = han[0]
# the family's classifiers that draw no maps: baselines without attention, shown beside the label
baselines = [s for s in available(Needs(input=Input.TEXT, produces=Produces.LABEL), family=spec.family)[0]
             if not s.capabilities.maps]

raw = document_input(spec.sample_inputs())
shade = st.radio("Word shading", ["sentence-weighted", "raw"], horizontal=True,
                 help="sentence-weighted: α_sentence·√α_word, as in the paper's figure; raw: α_word alone")
text = checked_text(raw, max_chars=spec.max_chars)

result, error = explain(spec.id, text)
if error:
    st.error(md_escape(error))
    st.stop()
show_notices(result)


@st.fragment
def reading_section(result: Explanation, text: str, baselines: list, shade: str) -> None:
    """The label, the sentence overview and the chosen sentence's words.

    A fragment: choosing another sentence (a click on its bar, or its number) reruns only this part, so the
    input and the attribution panel below are not sent to the browser again.
    """
    sentence_map = next((m for m in result.maps if m.level == "sentence"), None)
    c1, c2 = st.columns([1, 2])
    with c1:
        label_section(result, text, baselines)
    if sentence_map is not None:
        selected = chosen_sentence(sentence_map, text)
        with c2:
            overview_section(sentence_map, selected)
        words_section(result, sentence_map, shade)
        top_section(result, sentence_map, shade)
        full_text_section(result, sentence_map, shade)


reading_section(result, text, baselines, shade)

# ── Is this attention an explanation? Attribution beside attention (issue 12) ──────────────────────────────
from dashboard.components.attribution_panel import attribution_panel  # noqa: E402
attribution_panel(result, text, key="document")
