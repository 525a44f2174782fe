"""Downloads of a map: CSV (spreadsheet-safe), JSON (the record), HTML (the figure); add to Compare."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from attention_core import AttentionMap

from .compare_basket import add_to_compare
from .figures import slug
from .presentation import md_escape

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula (=, +, -, @...) with an apostrophe."""
    out = frame.copy()
    for col in out.columns:
        # text columns are "str" (pandas ≥ 3) or object dtype; numbers (negative weights too) stay numbers
        if pd.api.types.is_string_dtype(out[col]) or pd.api.types.is_object_dtype(out[col]):
            out[col] = [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in out[col]]
    return out


def map_csv(amap: AttentionMap) -> str:
    """The map's long CSV (one row per cell), safe to open in a spreadsheet."""
    return spreadsheet_safe(amap.to_long_frame()).to_csv(index=False)


def export_buttons(amap: AttentionMap, fig: go.Figure | None, key: str) -> None:
    """CSV and JSON of the map, HTML of the figure (built only when clicked), and add-to-compare."""
    name = slug(key)
    # one wrapping row: in a narrow column (the Vision page's evidence) the buttons wrap instead of being cut
    row = st.container(horizontal=True, gap="small")
    row.download_button("CSV", data=lambda: map_csv(amap), file_name=f"{name}.csv", mime="text/csv",
                        key=f"{key}-csv", on_click="ignore")
    row.download_button("JSON", data=lambda: amap.to_json(indent=1), file_name=f"{name}.json",
                        mime="application/json", key=f"{key}-json", on_click="ignore")
    if fig is not None:
        row.download_button("HTML", data=lambda: fig.to_html(include_plotlyjs=True, full_html=True),
                            file_name=f"{name}.html", mime="text/html", key=f"{key}-html", on_click="ignore")
    if row.button("Compare", icon=":material/add:", key=f"{key}-cmp", help="Add this map to the Compare page"):
        add_to_compare(amap, key)
        st.toast(f"Added “{md_escape(amap.title)}” to Compare")
