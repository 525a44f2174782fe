"""Attribution as :class:`~attention_core.AttentionMap` records (``kind="attribution"``), laid out like the
attention maps they sit beside: same row and column labels, rows scaled to one scale.

A row's weights are its raw scores divided by the sum of their absolute values, so ``|w|`` sums to 1 like an
attention row and the sign is kept (positive = supports the decision); ``meta["scale"]`` holds that sum per
row, so ``weights × scale`` gives back the raw scores (probability units).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..record import AttentionMap
from .inputs import AttributionInputs, MapSlot
from .methods import get_method


def partitions(slots: list[MapSlot]) -> list[list[int]]:
    """Group slots whose columns do not overlap, so erasure-based methods run once per group of slots."""
    out: list[tuple[list[int], set[int]]] = []
    for i, slot in enumerate(slots):
        used = {p for g in slot.columns for p in g}
        for members, taken in out:
            if not used & taken:
                members.append(i)
                taken |= used
                break
        else:
            out.append(([i], set(used)))
    return [members for members, _ in out]


def raw_scores(inp: AttributionInputs, method: str, **options: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Raw scores per slot, each ``[R, len(slot.keys)]`` (every output row), and the method's info."""
    m = get_method(method)
    scores: list[np.ndarray | None] = [None] * len(inp.slots)
    info: dict[str, Any] = {}
    if m.additive:   # one pass over every position serves every slot
        everyone = list(range(inp.positions))
        per_position, info = m.run(inp, [[p] for p in everyone], **options)
        for i, slot in enumerate(inp.slots):
            scores[i] = np.stack([per_position[:, g].sum(1) for g in slot.columns], 1)
    else:
        for members in partitions(inp.slots):
            groups = [g for i in members for g in inp.slots[i].columns]
            values, info = m.run(inp, groups, **options)
            start = 0
            for i in members:
                n = len(inp.slots[i].columns)
                scores[i] = values[:, start:start + n]
                start += n
    return [s for s in scores if s is not None], info


def normalise(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows divided by their absolute sums → ``(weights, scale per row)`` (all-zero rows stay zero)."""
    scale = np.abs(raw).sum(1)
    return raw / np.where(scale > 0, scale, 1.0)[:, None], scale


def attribution_maps(inp: AttributionInputs, method: str = "integrated-gradients", **options: Any,
                     ) -> list[AttentionMap]:
    """One attribution record per slot of ``inp`` (same labels as the attention maps), by ``method``."""
    m = get_method(method)
    scores, info = raw_scores(inp, method, **options)
    label = m.display(**{**options, **({"steps": info["steps"]} if "steps" in info else {})})
    maps = []
    for slot, raw in zip(inp.slots, scores):
        weights, scale = normalise(raw[slot.rows])
        meta: dict[str, Any] = {"model": inp.model, "label": f"{label} · {slot.meta.get('label', inp.model)}",
                                "method": method, "method_label": label,
                                "targets": [inp.target_labels[r] for r in slot.rows],
                                "scale": scale.tolist(), "normalisation": "row / Σ|row| (sign kept)",
                                **{k: v for k, v in slot.meta.items() if k != "label"}}
        if "delta" in info:
            meta["delta"] = [info["delta"][r] for r in slot.rows]
        if "steps" in info:
            meta["steps"] = info["steps"]
        if "baseline_p" in info:   # what the model says about IG's starting point (≈ 1 / C when neutral)
            meta["baseline_p"] = [info["baseline_p"][r] for r in slot.rows]
            meta["baseline"] = info["baseline"]
        maps.append(AttentionMap(method, slot.queries, slot.keys, weights, level=slot.level, kind="attribution",
                                 meta=meta))
    return maps


def attribute(explainer: Any, text: str, method: str = "integrated-gradients", *,
              input_options: dict[str, Any] | None = None, **options: Any) -> list[AttentionMap]:
    """``explainer.attribution_inputs(text, **input_options)`` → :func:`attribution_maps` by ``method``."""
    return attribution_maps(explainer.attribution_inputs(text, **(input_options or {})), method, **options)
