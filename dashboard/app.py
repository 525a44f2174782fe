"""Attention Atlas dashboard entry point (placeholder until the pages land)."""
import streamlit as st

st.set_page_config(page_title="Attention Atlas", layout="wide")
st.title("Attention Atlas")
st.write("See what each attention mechanism attends to.")
