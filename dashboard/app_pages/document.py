"""Document: the hierarchical attention network's label, sentence weights and word weights."""
import plotly.graph_objects as go
import streamlit as st

from dashboard.common import (
    checked_text,
    explain,
    export_buttons,
    md_escape,
    models_for,
    show_figure,
    show_notices,
    text_input_block,
)
from dashboard.views import document_html
from dashboard.views.labels import safe

st.title("Document")
st.caption("A hierarchical attention network (Yang et al. 2016) reads words inside each sentence, then "
           "sentences inside the document. Blue bars: sentence weight. Red shading: word weight.")

specs = [s for s in models_for("document-classification") if s.is_available()]
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
        st.error(f"{upload.name} is not UTF-8 text.")
        st.stop()
else:
    raw = text_input_block("Document", spec.samples, key="document", height=200)
shade = st.radio("Word shading", ["sentence-weighted", "raw"], horizontal=True,
                 help="sentence-weighted: α_sentence·√α_word, as in the paper's figure; raw: α_word alone")

text = checked_text(raw)

result, error = explain(spec.id, text)
if error:
    st.error(error)
    st.stop()
show_notices(result)
output = result.output
probs = output.get("probabilities", {}) if isinstance(output, dict) else {}
c1, c2 = st.columns([1, 2])
with c1:
    st.metric("Predicted topic", str(output.get("label", output)) if isinstance(output, dict) else str(output))
    bar = go.Figure(go.Bar(x=list(probs.values()), y=list(probs), orientation="h",
                           marker_color="#268bd2", hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    bar.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), xaxis=dict(range=[0, 1]),
                      title="Class probabilities", yaxis=dict(autorange="reversed"))
    show_figure(bar, key="doc-probs")
    for base in baselines:
        b_result, b_error = explain(base.id, text)
        if b_result is not None and isinstance(b_result.output, dict):
            st.caption(f"Baseline without attention ({md_escape(base.mechanism)}): "
                       f"**{md_escape(str(b_result.output.get('label')))}**")
sentence_map = next((m for m in result.maps if m.level == "sentence"), None)
with c2:
    if sentence_map is not None:
        weights = sentence_map.weights[0]
        labels = [f"{i + 1}. {safe(k, 50)}" for i, k in enumerate(sentence_map.keys)]
        fig = go.Figure(go.Bar(x=weights, y=labels, orientation="h", marker_color="#268bd2",
                               hovertemplate="%{y}<br>weight %{x:.3f}<extra></extra>"))
        fig.update_layout(height=120 + 24 * len(labels), margin=dict(l=10, r=10, t=30, b=10),
                          title="Sentence weights", yaxis=dict(autorange="reversed"))
        show_figure(fig, key="doc-sentences")
        export_buttons(sentence_map, fig, key="document-sentences")
if sentence_map is not None:
    st.subheader("The document, coloured by attention")
    st.html(document_html(result.maps, word_scale=shade))
