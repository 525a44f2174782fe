"""Per-map statistics and sanity checks shown beside every map."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .record import AttentionMap


def row_entropy(amap: AttentionMap) -> np.ndarray:
    """Shannon entropy (nats) of each row, ``[queries]``; rows are renormalised first."""
    w = amap.weights
    p = w / np.clip(w.sum(1, keepdims=True), 1e-12, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(1)


def window_share(amap: AttentionMap, width: int) -> np.ndarray | None:
    """Share of each row's weight inside ``[p_t − D, p_t + D]`` (``None`` without centres)."""
    if amap.centers is None:
        return None
    cols = np.arange(amap.shape[1])[None, :]
    inside = np.abs(cols - np.asarray(amap.centers)[:, None]) <= width
    total = np.clip(amap.weights.sum(1), 1e-12, None)
    return (amap.weights * inside).sum(1) / total


def has_window(amap: AttentionMap) -> bool:
    """True when the map's weights must lie in [p_t − D, p_t + D] (local-m/p; top-k keeps k anywhere)."""
    return amap.centers is not None and amap.window is not None and amap.top_k is None


def summary(amap: AttentionMap) -> dict[str, float | str | None]:
    """One table row: entropy, max weight, row sums and (local maps) share inside the window."""
    sums = amap.weights.sum(1)
    share = window_share(amap, amap.window) if has_window(amap) else None
    return {
        "map": amap.title,
        "rows × cols": f"{amap.shape[0]} × {amap.shape[1]}",
        "mean row entropy (nats)": float(row_entropy(amap).mean()),
        "max weight": float(amap.weights.max()),
        "mean row sum": float(sums.mean()),
        "share inside window": None if share is None else float(share.mean()),
    }


def summary_table(maps: list[AttentionMap]) -> pd.DataFrame:
    """:func:`summary` for several maps, one row each."""
    return pd.DataFrame([summary(m) for m in maps])


def sanity_checks(amap: AttentionMap, tol: float = 1e-4) -> dict[str, bool]:
    """Checks a reader can trust: non-negative, rows sum to 1 (or ≤ 1 where the mechanism allows), window respected."""
    w = amap.weights
    sums = w.sum(1)
    sub_stochastic = amap.sub_stochastic
    live = sums > tol  # rows with no real key (e.g. padding) are all zero by design
    checks = {"weights ≥ 0": bool((w >= -tol).all())}
    if amap.is_attribution:   # importance scores may be negative and need not sum to anything
        return {"attribution (not normalised)": True}
    if sub_stochastic:
        # local attention: Luong's Gaussian scaling; otherwise the map's note says why (e.g. "[CLS] column dropped")
        reason = str(amap.meta["note"]) if amap.centers is None and "note" in amap.meta else "Gaussian-scaled"
        checks[f"rows sum ≤ 1 ({reason})"] = bool((sums <= 1 + tol).all())
    else:
        checks["rows sum to 1"] = bool(np.allclose(sums[live], 1.0, atol=tol)) and bool(live.any())
    if has_window(amap):
        share = window_share(amap, amap.window)
        checks["all weight inside window"] = bool(np.allclose(share[live], 1.0, atol=tol))
    return checks
