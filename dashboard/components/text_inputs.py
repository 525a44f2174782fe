"""Text input on pages: a sample picker with an editable text area, and validation with notices."""
from __future__ import annotations

import streamlit as st

from attention_core.inputs import MAX_TEXT_CHARS, InputError, clean_text


def checked_text(raw: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Validated user text cut to ``max_chars`` (a model's ``spec.max_chars``); an empty text stops the page
    with one error line, a cut one adds a notice."""
    try:
        cleaned = clean_text(raw, max_chars=max_chars)
    except InputError as exc:
        st.error(str(exc))
        st.stop()
    if cleaned.truncated:
        st.info(f"The text was cut to its first {len(cleaned.text):,} characters (from {cleaned.original_chars:,}; "
                f"this model reads at most {max_chars:,}).")
    return cleaned.text


def short(text: str, limit: int = 90) -> str:
    """One line of at most ``limit`` characters (for option labels)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def text_input_block(label: str, samples: tuple[str, ...], key: str, default: str = "",
                     height: int = 100) -> str:
    """A sample picker plus an editable text area; returns the raw text (validated by the caller)."""
    text_key, sample_key = f"{key}-text", f"{key}-sample"
    options = ["(my own text)"] + list(samples)

    def use_sample() -> None:  # picking a sample replaces the text; typing afterwards keeps the edits
        if st.session_state[sample_key] != options[0]:
            st.session_state[text_key] = st.session_state[sample_key]

    def own_text() -> None:  # a text of one's own: the picker stops naming the sample it started from
        if st.session_state[text_key] != st.session_state.get(sample_key):
            st.session_state[sample_key] = options[0]

    if text_key not in st.session_state:
        st.session_state[text_key] = samples[0] if samples else default
    if sample_key not in st.session_state:   # set here, not by index=: own_text changes it afterwards
        st.session_state[sample_key] = options[1] if samples else options[0]
    st.selectbox("Start from a sample", options, key=sample_key, on_change=use_sample, format_func=short)
    return st.text_area(label, key=text_key, height=height, on_change=own_text)
