"""The one escaping rule: user-supplied text (inputs, file names, CSV headers, labels, errors quoting them)
goes through :func:`escape` before it reaches Markdown or HTML, so it always shows as the text it is.

Markdown (Streamlit's: CommonMark + GFM autolinks + its own ``:color[…]``, ``:emoji:`` and ``$math$``):
every ASCII punctuation character is backslash-escaped, which CommonMark allows for all of them. That stops
images and links (``![`` / ``](``), raw HTML (``<``), emphasis and headings, and also GFM's bare-URL and
e-mail autolinks, which start from a literal ``://``, ``www.`` or ``@`` that is no longer there in the
source. HTML (``st.html``, Plotly text): entities for ``& < > " '``; HTML does not autolink bare URLs.
"""
from __future__ import annotations

import html as _html
import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")     # every ASCII punctuation character


def escape(text: object, *, html: bool = False) -> str:
    """``text`` made literal for Markdown (default) or, with ``html=True``, for HTML."""
    text = str(text)
    if html:
        return _html.escape(text, quote=True)
    return _PUNCTUATION.sub(r"\\\1", text)


_SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"()<>]+)+[\\/]([^\s\\/'\"()<>]+)")


def without_paths(text: object) -> str:
    """``text`` with every absolute file path cut to its last name (messages never show the server's folders)."""
    return _SERVER_PATH.sub(r"\1", str(text))
