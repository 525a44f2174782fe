"""Presentation: large-font mode, escaping model and user text for Markdown, notices."""
from __future__ import annotations

import re

import streamlit as st

from attention_core import Explanation

LARGE_FONT_KEY = "large_fonts"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def large_fonts() -> bool:
    """True when the presentation (large fonts) mode is on."""
    return bool(st.session_state.get(LARGE_FONT_KEY, False))


def md_escape(text: str) -> str:
    """Escape Markdown (and HTML angle brackets) so user or model text shows literally in st.markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def show_notices(result: Explanation) -> None:
    """Model notices (input cut, out-of-domain warnings) as info boxes."""
    for note in result.notices:
        st.info(md_escape(note))
