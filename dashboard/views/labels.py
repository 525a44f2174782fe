"""Labels that go into Plotly text: escaped, shortened."""
from __future__ import annotations

import html


def safe(label: str, limit: int = 40) -> str:
    """HTML-escape a user-derived label (Plotly renders a subset of HTML in text) and cut it to ``limit``."""
    label = label if len(label) <= limit else label[: limit - 1] + "…"
    return html.escape(label, quote=False)
