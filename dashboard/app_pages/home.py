"""Home: what Attention Atlas shows and which models are on this machine."""
import pandas as pd
import streamlit as st

from attention_core.models import list_models

st.title("Attention Atlas")
st.markdown(
    "Paste a sentence or upload an image and **see what each attention mechanism attends to** — "
    "side by side, on one colour scale. Every model here is small, was trained in this project on "
    "real data, and runs on your CPU with no network.")
c1, c2, c3 = st.columns(3)
with c1:
    st.subheader("Compare mechanisms")
    st.page_link("app_pages/translate.py", label="Translate: 7 mechanisms on one sentence", icon=":material/translate:")
    st.page_link("app_pages/caption.py", label="Caption: soft vs hard attention on an image", icon=":material/image:")
    st.page_link("app_pages/compare.py", label="Compare any maps + statistics", icon=":material/compare:")
with c2:
    st.subheader("Look inside")
    st.page_link("app_pages/document.py", label="Document: word and sentence attention (HAN)", icon=":material/article:")
    st.page_link("app_pages/hops.py", label="Self-attention hops and their overlap", icon=":material/layers:")
    st.page_link("app_pages/transformers.py", label="Transformers: heads and layers of MiniLM", icon=":material/hub:")
    st.page_link("app_pages/vision.py", label="Vision transformer: DINOv2 heads on any photo", icon=":material/visibility:")
with c3:
    st.subheader("Teach")
    st.page_link("app_pages/classroom.py", label="Classroom: attention computed step by step", icon=":material/school:")
    st.caption("Tip: the sidebar's presentation mode enlarges text for projectors.")

st.subheader("Models on this machine")
rows = [s.summary() for s in list_models()]
if rows:
    frame = pd.DataFrame(rows)[["id", "task", "mechanism", "description", "shipped", "available"]]
    st.dataframe(frame, hide_index=True, width="stretch")
else:
    st.info("No models are registered.")
st.caption("Every map can be downloaded as CSV or JSON (the AttentionMap record) and every figure as "
           "HTML or PNG (camera icon in the figure's toolbar). See docs/models.md for the model cards.")
