"""The Classroom's computations (``attention_core.lesson``), cached across sessions.

A class walks through the same example: thirty students on the same words, query and sliders cost one
computation per server, not thirty. Results are copies (``st.cache_data``), so a page may change them.
"""
from __future__ import annotations

import streamlit as st

from attention_core import lesson

_cached = st.cache_data(max_entries=512, show_spinner=False)

scores = _cached(lesson.scores)
softmax = _cached(lesson.softmax)
local_examples = _cached(lesson.local_examples)
hops = _cached(lesson.hops)
hierarchy = _cached(lesson.hierarchy)
LOCAL_LENGTH = lesson.LOCAL_LENGTH
AttentionOrEvidence = lesson.AttentionOrEvidence
attention_or_evidence = lesson.attention_or_evidence   # cached by the Classroom step (it loads a model)
Faithfulness = lesson.Faithfulness
attention_faithfulness = lesson.attention_faithfulness  # background work of the Classroom step (kept per text)

__all__ = ["LOCAL_LENGTH", "AttentionOrEvidence", "Faithfulness", "attention_faithfulness", "attention_or_evidence", "hierarchy", "hops", "local_examples",
           "scores", "softmax"]
