"""Attention Atlas dashboard: ``streamlit run dashboard/app.py`` (after ``pip install -e .``)."""
from __future__ import annotations

import streamlit as st

from streamlit.runtime.scriptrunner import RerunException

from dashboard.components import LARGE_FONT_KEY, large_fonts
from dashboard.components.background import begin_run, end_run
from dashboard.pages import PAGES, sections

st.set_page_config(page_title="Attention Atlas", page_icon=":material/explore:", layout="wide")

navigation = {section: [st.Page(p.path, title=p.title, icon=p.icon, default=p is PAGES[0]) for p in pages]
              for section, pages in sections().items()}

with st.sidebar:
    st.toggle("Presentation mode (large fonts)", key=LARGE_FONT_KEY,
              help="Bigger text and figure labels for projectors and classrooms.")
if large_fonts():
    # a heading's text sits in a span with Streamlit's own class, which the body rule would shrink to body
    # size; "h1 [class*='st-']" is more specific than "[class*='st-']", so headings keep their scale
    st.html("<style>html, body, [class*='st-'] { font-size: 1.25rem !important; }"
            " h1, h1 [class*='st-'] { font-size: 3rem !important; }"
            " h2, h2 [class*='st-'], h3, h3 [class*='st-'] { font-size: 2rem !important; }"
            " h4, h4 [class*='st-'] { font-size: 1.6rem !important; }"
            # a metric's value is its headline: the body rule would shrink it below its normal 2.25rem
            " [data-testid='stMetricValue'], [data-testid='stMetricValue'] * { font-size: 3rem !important; }"
            " [data-testid='stMetricLabel'], [data-testid='stMetricLabel'] * { font-size: 1.4rem !important; }"
            # HTML tables (st.table) and the data grid's cells where the grid reads CSS (its canvas does not)
            " [data-testid='stTable'] td, [data-testid='stTable'] th { font-size: 1.25rem !important; }"
            # the tables of dashboard/components/tables.py: plain HTML, ruled like Streamlit's own
            " div.atlas-large-table-wrap { overflow-x: auto; max-width: 100%; }"
            " table.atlas-large-table { border-collapse: collapse; margin-bottom: 1rem; }"
            " table.atlas-large-table td, table.atlas-large-table th { font-size: 1.25rem !important;"
            " padding: 0.3rem 0.75rem; border-bottom: 1px solid rgba(49, 51, 63, 0.1); text-align: right; }"
            " table.atlas-large-table th { text-align: left; }"
            # the larger page names would be cut off ("Vision transfor…") in the sidebar's normal width
            " section[data-testid='stSidebar'][data-collapsed='false'] { width: 22rem !important;"
            " min-width: 22rem !important; }</style>")

begin_run()
try:
    st.navigation(navigation).run()
except RerunException:   # an interrupted run: the next one starts at once and claims its work again
    raise
except BaseException:    # st.stop() ends a run too: work the page did not ask for in it is cancelled
    end_run()
    raise
else:
    end_run()
