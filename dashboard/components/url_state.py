"""A session's inputs kept in the page's address, so they come back after a reload or when a classroom replica
dies and the browser reconnects to another one (a new, empty session).

Only short values go into the address (:data:`MAX_CHARS`): a long document would make the address longer than
the proxy and the browser accept; the page says that such a text is not kept.
"""
from __future__ import annotations

import streamlit as st

from .presentation import md_escape

MAX_CHARS = 2_000       # URL-encoded, ~6 KB at worst: inside nginx's default 8 KB request-line buffer
RESTORED_KEY = "_restored_inputs"


def restore(key: str, allowed: list[str] | None = None) -> bool:
    """Seed ``st.session_state[key]`` from the address on a session's first run (only a value in ``allowed``,
    when given: an address is user input); True when it did."""
    if key in st.session_state:
        return False
    value = st.query_params.get(key)
    if value is None or (allowed is not None and value not in allowed):
        return False
    st.session_state[key] = value
    st.session_state.setdefault(RESTORED_KEY, {})[key] = value
    return True


def remember(key: str, value: str, default: str = "") -> None:
    """Keep ``value`` in the address under ``key`` (removed when it is the page's ``default`` or too long)."""
    keep = value != default and len(value) <= MAX_CHARS
    if keep and st.query_params.get(key) != value:
        st.query_params[key] = value
    elif not keep and key in st.query_params:
        del st.query_params[key]


def restored_notice(key: str, what: str) -> None:
    """One line while ``key`` still holds what came back from the address (gone once the user changes it)."""
    restored = st.session_state.get(RESTORED_KEY, {})
    if key not in restored:
        return
    if st.session_state.get(key) != restored[key]:
        del restored[key]
        return
    st.info(f"Your {md_escape(what)} came back from the page's address (the page was reloaded or the server that "
            "held your session restarted).", icon=":material/restore:")
