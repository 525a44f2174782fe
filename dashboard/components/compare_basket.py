"""The Compare page's basket: maps a browser session collected, kept as validated JSON records."""
from __future__ import annotations

import streamlit as st

from attention_core import AttentionMap

COMPARE_KEY = "compare_maps"


def add_to_compare(amap: AttentionMap, key: str) -> None:
    """Keep a map (as its JSON record) in this browser session's compare basket."""
    record = amap.to_dict()
    AttentionMap.from_dict(record)   # only a map that reads back may enter: a bad one would break the page
    st.session_state.setdefault(COMPARE_KEY, {})[key] = record


def compare_basket() -> dict[str, AttentionMap]:
    """The maps added to Compare in this session (any that no longer read back are dropped)."""
    basket = st.session_state.get(COMPARE_KEY, {})
    out = {}
    for key, record in list(basket.items()):
        try:
            out[key] = AttentionMap.from_dict(record)
        except ValueError:
            basket.pop(key, None)
    return out


def clear_compare() -> None:
    """Empty this session's basket."""
    st.session_state[COMPARE_KEY] = {}
