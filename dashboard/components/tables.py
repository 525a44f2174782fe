"""Tables for people: numbers to 3 significant digits, float noise shown as the 0 it is, large in presentation mode.

Streamlit's data grid draws on a canvas that page CSS cannot enlarge, so a table of up to :data:`HTML_ROWS` rows
is also on the page as an HTML table (which the presentation CSS scales) with the same formatted numbers; the
app's CSS shows one of the two, as the browser's presentation switch says, without a page run. One block of
HTML, not Streamlit's table element, which builds every cell as a styled component (turning presentation mode
on for the Transformers page, with its 72-row table, took 659–1,032 ms with it and 168–458 ms without, on a
loaded machine, when presentation mode still ran the page).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.views.numbers import DIGITS, NOISE, for_people

from .figures import fingerprint

LARGE_TABLE = "atlas-large-table"   # the class the presentation CSS enlarges
LARGE_COPY = "atlas-large-copy"     # an editor's read-only large copy, shown beside it only in presentation mode
HTML_ROWS = 300   # a longer table stays the scrolling grid in presentation mode: its HTML would be megabytes


def float_columns(frame: pd.DataFrame) -> list[str]:
    """The columns holding floats (integers and text keep their own formatting)."""
    return [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]


def denoised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with float noise (|x| < 1e-9, not 0) set to 0 — a copy only where there is noise; missing
    values stay missing."""
    columns = float_columns(frame)
    if not columns:
        return frame
    values = frame[columns].to_numpy(dtype=float)
    noise = (np.abs(values) < NOISE) & (values != 0)      # NaN compares False: it stays missing
    if not noise.any():
        return frame                                        # the usual case: one array test, no copy
    out = frame.copy()
    for j, c in enumerate(columns):
        if noise[:, j].any():
            out[c] = np.where(noise[:, j], 0.0, values[:, j])
    return out


def show_table(frame: pd.DataFrame, key: str | None = None, hide_index: bool = True, **kwargs: Any) -> Any:
    """Draw ``frame`` with every float to 3 significant digits: the interactive data grid (``kwargs`` go to
    ``st.dataframe``) and, for presentation mode, the same table as HTML right after it (up to
    :data:`HTML_ROWS` rows); → the grid's return value."""
    frame = denoised(frame)
    config = {c: st.column_config.NumberColumn(format=f"%.{DIGITS}g") for c in float_columns(frame)}
    config.update(kwargs.pop("column_config", None) or {})
    grid = st.dataframe(frame, hide_index=hide_index, column_config=config, key=key, **kwargs)
    if len(frame) <= HTML_ROWS:
        st.html(_html_once(fingerprint(frame, hide_index), frame, hide_index))
    return grid


@st.cache_resource(max_entries=256, show_spinner=False)
def _html_once(key: str, _frame: pd.DataFrame, hide_index: bool, wrap: str = LARGE_TABLE) -> str:
    # formatting every float for people costs ~6 ms for a 72-row table; a rerun that redraws the same table
    # (most of them) costs one content hash instead
    return large_table_html(_frame, hide_index, wrap)


def large_table_html(frame: pd.DataFrame, hide_index: bool = True, wrap: str = LARGE_TABLE) -> str:
    """``frame`` as the presentation-mode HTML table: floats to 3 significant digits, every cell and header
    escaped (no user text becomes markup), in a wrapper (class ``{wrap}-wrap``: a grid's twin, or an editor's
    copy) that scrolls wide tables instead of spilling."""
    shown = frame.copy()
    for c in float_columns(frame):        # only floats change: text and integers keep their own form
        shown[c] = frame[c].map(for_people)
    table = shown.to_html(index=not hide_index, escape=True, border=0, classes=LARGE_TABLE)
    return f'<div class="{wrap}-wrap">{table}</div>'


def show_large_copy(frame: pd.DataFrame, hide_index: bool = False) -> None:
    """For an editable grid (``st.data_editor``, a canvas too): its current values as a read-only HTML table
    that only presentation mode shows, under the editor, which stays (small) where the teacher edits."""
    if len(frame) <= HTML_ROWS:
        frame = denoised(frame)
        st.html(_html_once(fingerprint(frame, hide_index), frame, hide_index, LARGE_COPY))
