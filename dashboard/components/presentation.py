"""Presentation: large-font mode, escaping model and user text for Markdown, notices."""
from __future__ import annotations

import streamlit as st

from attention_core import Explanation
from dashboard.escaping import escape as md_escape   # the one escaping rule, under the name pages know

LARGE_FONT_KEY = "large_fonts"


def large_fonts() -> bool:
    """True when the presentation (large fonts) mode is on."""
    return bool(st.session_state.get(LARGE_FONT_KEY, False))


def show_notices(result: Explanation) -> None:
    """Model notices (input cut, out-of-domain warnings) as info boxes."""
    for note in result.notices:
        st.info(md_escape(note))
