"""Attention Atlas dashboard: ``streamlit run dashboard/app.py`` (after ``pip install -e .``)."""
from __future__ import annotations

import streamlit as st

from streamlit.runtime.scriptrunner import RerunException

from dashboard.components import PRESENTING, presentation_switch
from dashboard.components.tables import LARGE_COPY, LARGE_TABLE
from dashboard.components.background import begin_run, end_run
from dashboard.pages import PAGES, sections

st.set_page_config(page_title="Attention Atlas", page_icon=":material/explore:", layout="wide")

navigation = {section: [st.Page(p.path, title=p.title, icon=p.icon, default=p is PAGES[0]) for p in pages]
              for section, pages in sections().items()}

with st.sidebar:
    presentation_switch()
# Presentation mode is switched in the browser (a class on <html>), so its rules are always on the page and
# apply only under that class: no page run is repeated for it.
P = f"html.{PRESENTING}"
st.html(f"<style>{P}, {P} body, {P} [class*='st-'] {{ font-size: 1.25rem !important; }}"
        # a heading's text sits in a span with Streamlit's own class, which the body rule would shrink to body
        # size; "h1 [class*='st-']" is more specific than "[class*='st-']", so headings keep their scale
        f" {P} h1, {P} h1 [class*='st-'] {{ font-size: 3rem !important; }}"
        f" {P} h2, {P} h2 [class*='st-'], {P} h3, {P} h3 [class*='st-'] {{ font-size: 2rem !important; }}"
        f" {P} h4, {P} h4 [class*='st-'] {{ font-size: 1.6rem !important; }}"
        # a metric's value is its headline: the body rule would shrink it below its normal 2.25rem
        f" {P} [data-testid='stMetricValue'], {P} [data-testid='stMetricValue'] * {{ font-size: 3rem !important; }}"
        f" {P} [data-testid='stMetricLabel'], {P} [data-testid='stMetricLabel'] * {{ font-size: 1.4rem !important; }}"
        f" {P} [data-testid='stTable'] td, {P} [data-testid='stTable'] th {{ font-size: 1.25rem !important; }}"
        f" {P} .atlas-switch {{ font-size: 1.25rem; }}"
        # the larger page names would be cut off ("Vision transfor…") in the sidebar's normal width
        f" {P} section[data-testid='stSidebar'][data-collapsed='false'] {{ width: 22rem !important;"
        " min-width: 22rem !important; }"
        # tables (dashboard/components/tables.py): the data grid draws on a canvas that CSS cannot enlarge, so
        # each table is also on the page as plain HTML, shown instead of the grid in presentation mode
        f" html:not(.{PRESENTING}) [data-testid='stElementContainer']:has(.{LARGE_TABLE}-wrap) {{ display: none; }}"
        f" {P} [data-testid='stElementContainer']:has(+ [data-testid='stElementContainer'] .{LARGE_TABLE}-wrap)"
        " { display: none; }"
        # an editable grid stays for editing; its values are also shown large under it (tables.show_large_copy)
        f" html:not(.{PRESENTING}) [data-testid='stElementContainer']:has(.{LARGE_COPY}-wrap) {{ display: none; }}"
        f" div.{LARGE_TABLE}-wrap, div.{LARGE_COPY}-wrap {{ overflow-x: auto; max-width: 100%; }}"
        f" table.{LARGE_TABLE} {{ border-collapse: collapse; margin-bottom: 1rem; }}"
        f" table.{LARGE_TABLE} td, table.{LARGE_TABLE} th {{ font-size: 1.25rem !important;"
        " padding: 0.3rem 0.75rem; border-bottom: 1px solid rgba(49, 51, 63, 0.1); text-align: right; }"
        f" table.{LARGE_TABLE} th {{ text-align: left; }}</style>")

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
