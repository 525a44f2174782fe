"""Tables for people: numbers to 3 significant digits, float noise shown as the 0 it is, large in presentation mode.

Streamlit's data grid draws on a canvas that page CSS cannot enlarge, so in presentation mode a table is drawn
as an HTML table (which the presentation CSS scales) with the same formatted numbers: one block of HTML, not
Streamlit's table element, which builds every cell as a styled component (turning presentation mode on for the
Transformers page, with its 72-row table, took 659–1,032 ms with it and 168–458 ms without, on a loaded machine).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.views.numbers import DIGITS, NOISE, for_people

from .presentation import large_fonts

LARGE_TABLE = "atlas-large-table"   # the class the presentation CSS enlarges


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
    """Draw ``frame`` with every float to 3 significant digits; an HTML table in presentation mode (large text),
    the interactive data grid otherwise (``kwargs`` go to ``st.dataframe``)."""
    frame = denoised(frame)
    if large_fonts():
        shown = frame.copy()
        for c in float_columns(frame):        # only floats change: text and integers keep their own form
            shown[c] = frame[c].map(for_people)
        # pandas escapes every cell and header (escape=True), so no user text becomes markup
        table = shown.to_html(index=not hide_index, escape=True, border=0, classes=LARGE_TABLE)
        return st.html(f'<div class="{LARGE_TABLE}-wrap">{table}</div>')   # wide tables scroll, not spill
    config = {c: st.column_config.NumberColumn(format=f"%.{DIGITS}g") for c in float_columns(frame)}
    config.update(kwargs.pop("column_config", None) or {})
    return st.dataframe(frame, hide_index=hide_index, column_config=config, key=key, **kwargs)
