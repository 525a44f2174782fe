"""Attention Atlas dashboard: ``streamlit run dashboard/app.py``."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `streamlit run dashboard/app.py` works without installing the package
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.common import LARGE_FONT_KEY, large_fonts  # noqa: E402

st.set_page_config(page_title="Attention Atlas", page_icon=":material/explore:", layout="wide")

PAGES = {
    "Explore": [
        st.Page("app_pages/home.py", title="Home", icon=":material/explore:", default=True),
        st.Page("app_pages/translate.py", title="Translate", icon=":material/translate:"),
        st.Page("app_pages/caption.py", title="Caption", icon=":material/image:"),
        st.Page("app_pages/document.py", title="Document", icon=":material/article:"),
        st.Page("app_pages/hops.py", title="Self-attention hops", icon=":material/layers:"),
        st.Page("app_pages/transformers.py", title="Transformers", icon=":material/hub:"),
        st.Page("app_pages/vision.py", title="Vision transformer", icon=":material/visibility:"),
        st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:"),
    ],
    "Teach": [st.Page("app_pages/classroom.py", title="Classroom", icon=":material/school:")],
}

with st.sidebar:
    st.toggle("Presentation mode (large fonts)", key=LARGE_FONT_KEY,
              help="Bigger text and figure labels for projectors and classrooms.")
if large_fonts():
    # a heading's text sits in a span with Streamlit's own class, which the body rule would shrink to body
    # size; "h1 [class*='st-']" is more specific than "[class*='st-']", so headings keep their scale
    st.html("<style>html, body, [class*='st-'] { font-size: 1.25rem !important; }"
            " h1, h1 [class*='st-'] { font-size: 3rem !important; }"
            " h2, h2 [class*='st-'], h3, h3 [class*='st-'] { font-size: 2rem !important; }"
            " h4, h4 [class*='st-'] { font-size: 1.6rem !important; }</style>")

st.navigation(PAGES).run()
