"""Numbers for people: 3 significant digits, and float noise shown as the 0 it is (tables, cell labels, captions)."""
from __future__ import annotations

from typing import Any

import numpy as np

DIGITS = 3
NOISE = 1e-9      # |x| below this is float noise (an entropy of 1e-20, a float32 0.36000001): shown as 0


def for_people(value: Any, digits: int = DIGITS, scale: float | None = None) -> Any:
    """A float to ``digits`` significant digits as text (``0.360``, ``1.23e-05``, ``100``, ``12,300``; noise → ``0``);
    anything else unchanged. With ``scale`` (a cell of a chart whose colour runs 0 … scale), a value that rounds to 0
    at ``digits`` decimals of that scale is written ``0``: 8.7e-08 in a 0–1 overlap matrix is no overlap to a reader."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (float, np.floating)):
        return value
    if not np.isfinite(value):
        return "–" if np.isnan(value) else str(value)
    if abs(value) < NOISE or (scale is not None and abs(value) < 0.5 * scale * 10 ** -digits):
        return "0"
    rounded = float(f"{value:.{digits}g}")
    if abs(rounded) >= 10 ** digits:                   # 12,300 rather than 1.23e+04
        return f"{rounded:,.0f}"
    return f"{float(value):#.{digits}g}".rstrip(".")
