"""Home: what Attention Atlas shows and which models are on this machine."""
import pandas as pd
import streamlit as st

from attention_core.models import list_models
from dashboard.components.tables import show_table
from dashboard.pages import PAGES, sections

st.title("Attention Atlas")
st.markdown(
    "Paste a sentence or upload an image and **see what each attention mechanism attends to** — "
    "side by side, on one colour scale. Every model here is small, was trained in this project on "
    "real data (or ships inside a Python package), and runs on your CPU with no network.")
groups = {name: pages for name, pages in sections().items()}
groups["Explore"] = [p for p in groups.get("Explore", []) if p is not PAGES[0]]
for col, (name, pages) in zip(st.columns(len(groups)), groups.items()):
    with col:
        st.subheader(name)
        for page in pages:
            st.page_link(page.path, label=page.blurb, icon=page.icon)
st.caption("Tip: the sidebar's presentation mode enlarges text for projectors.")

st.subheader("Models on this machine")
rows = [s.summary() for s in list_models()]
if rows:
    frame = pd.DataFrame(rows)[["id", "task", "mechanism", "description", "shipped", "available", "problem"]]
    show_table(frame, width="stretch")
else:
    st.info("No models are registered.")
st.caption("Every map can be downloaded as CSV or JSON (the AttentionMap record) and every figure as "
           "HTML or PNG (camera icon in the figure's toolbar). See docs/models.md for the model cards.")
