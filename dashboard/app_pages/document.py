"""Document: the hierarchical attention network's label, sentence weights and word weights."""
import streamlit as st

from attention_core import Task
from dashboard.components import (
    available,
    checked_text,
    explain,
    figure_of,
    map_panel,
    md_escape,
    show_figure,
    show_notices,
    text_input_block,
)
from dashboard.views import document_html
from dashboard.views.document_views import class_bars, sentence_bars

st.title("Document")
st.caption("A hierarchical attention network (Yang et al. 2016) reads words inside each sentence, then "
           "sentences inside the document. Blue bars: sentence weight. Red shading: word weight.")

specs, _ = available(Task.DOCUMENT_CLASSIFICATION)
han = [s for s in specs if s.mechanism == "hierarchical"]
if not han:
    st.warning("No hierarchical document model is installed.")
    st.stop()
spec = han[0]
baselines = [s for s in specs if s.mechanism != "hierarchical"]

upload = st.file_uploader("Upload a .txt file", type=["txt"])
if upload is not None:
    try:
        raw = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.error(f"{md_escape(upload.name)} is not UTF-8 text.")
        st.stop()
else:
    raw = text_input_block("Document", spec.sample_inputs(), key="document", height=200)
shade = st.radio("Word shading", ["sentence-weighted", "raw"], horizontal=True,
                 help="sentence-weighted: α_sentence·√α_word, as in the paper's figure; raw: α_word alone")

text = checked_text(raw)

result, error = explain(spec.id, text)
if error:
    st.error(md_escape(error))
    st.stop()
show_notices(result)
output = result.output
c1, c2 = st.columns([1, 2])
with c1:
    st.metric("Predicted topic", output.label)
    show_figure(figure_of(class_bars, output), key="doc-probs")
    for base in baselines:
        b_result, b_error = explain(base.id, text)
        if b_result is not None:
            st.caption(f"Baseline without attention ({md_escape(base.mechanism)}): "
                       f"**{md_escape(b_result.output.label)}**")
sentence_map = next((m for m in result.maps if m.level == "sentence"), None)
with c2:
    if sentence_map is not None:
        map_panel(sentence_map, key="document-sentences", view=sentence_bars)
if sentence_map is not None:
    st.subheader("The document, coloured by attention")
    st.html(document_html(result.maps, word_scale=shade))
