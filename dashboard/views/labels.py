"""Labels that go into Plotly text: escaped, shortened."""
from __future__ import annotations

from dashboard.escaping import escape


def safe(label: str, limit: int = 40) -> str:
    """Escape a user-derived label for HTML (Plotly renders a subset of HTML in text) and cut it to ``limit``."""
    label = label if len(label) <= limit else label[: limit - 1] + "…"
    return escape(label, html=True)
