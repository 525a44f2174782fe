"""Classroom (placeholder until the lesson lands)."""
import streamlit as st

st.title("Classroom")
