"""Transformers: multi-head attention of real pretrained transformers (MiniLM offline, HF models if cached)."""
import streamlit as st

st.title("Transformers")
st.info("Coming with the transformer adapters.")
