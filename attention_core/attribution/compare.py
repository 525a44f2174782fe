"""One input, attention beside attribution: the maps, their agreement, and erasure by each ranking.

Everything here returns plain data (records, numbers), so a page can cache it and only draw.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..record import AttentionMap
from .agreement import Agreement, agreement
from .erasure import erase_top, position_scores, random_scores
from .inputs import AttributionInputs
from .pairing import attention_like
from .records import attribution_maps

RANDOM_DRAWS = 5     # random erasures averaged (seeded)


@dataclass
class Comparison:
    """Attention and attribution maps laid out alike (one entry per slot) for one input."""

    model: str
    targets: list[str]
    attention: list[AttentionMap | None]
    attributions: dict[str, list[AttentionMap]]
    comparable: list[np.ndarray] = field(default_factory=list)   # per slot: columns that can be attributed
    seconds: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    # agreements with the model's own attention, per (method, k): a page asks for them on every rerun
    _agreed: dict[tuple[str, int], list[list[Agreement]]] = field(default_factory=dict, repr=False, compare=False)

    def agreements(self, method: str, k: int, attention: list[AttentionMap | None] | None = None,
                   ) -> list[list[Agreement]]:
        """Per slot, per row: agreement of attention (default: the model's) with ``method`` over the columns
        that can be attributed (not [CLS]/[SEP]); empty where there is no attention. Computed once per
        (method, k) for the model's own attention."""
        if attention is None and (method, k) in self._agreed:
            return self._agreed[method, k]
        out = []
        for s, (att, attr) in enumerate(zip(attention or self.attention, self.attributions[method])):
            keep = self.comparable[s] if self.comparable else np.ones(attr.shape[1], dtype=bool)
            out.append([] if att is None else [agreement(att.weights[i][keep], attr.weights[i][keep], k)
                                               for i in range(att.shape[0])])
        if attention is None:
            self._agreed[method, k] = out
        return out


def compare(inp: AttributionInputs, maps: list[AttentionMap], methods: list[str],
            attention: list[AttentionMap | None] | None = None, **options: Any) -> Comparison:
    """Attribution by each of ``methods`` on ``inp``, beside the model's attention ``maps`` laid out alike
    (or ``attention`` given per slot, e.g. MiniLM's pooled rows)."""
    att = attention if attention is not None else attention_like(inp.slots, maps)
    out: dict[str, list[AttentionMap]] = {}
    seconds: dict[str, float] = {}
    for method in methods:
        start = time.perf_counter()
        out[method] = attribution_maps(inp, method, **options)
        seconds[method] = time.perf_counter() - start
    real = inp.attributable.reshape(-1).cpu().numpy()
    comparable = [np.array([bool(g) and bool(real[g].all()) for g in slot.columns]) for slot in inp.slots]
    return Comparison(inp.model, list(inp.target_labels), att, out, comparable, seconds, list(inp.notices))


def attribution_positions(maps: list[AttentionMap], inp: AttributionInputs) -> np.ndarray:
    """Raw (signed) attribution per input position ``[R, P]`` from the slots whose columns are single positions."""
    out = np.zeros((inp.rows, inp.positions))
    for amap, slot in zip(maps, inp.slots):
        scale = np.asarray(amap.meta.get("scale", [1.0] * amap.shape[0]))
        for i, r in enumerate(slot.rows):
            for j, group in enumerate(slot.columns):
                if len(group) == 1:
                    out[r, group[0]] = amap.weights[i, j] * scale[i]
    return out


@dataclass(frozen=True)
class ErasureRow:
    """One ranking's erasure: per explained output, the chance kept and whether the decision changed."""

    ranking: str
    k: int
    removed: list[list[str]]     # per row: labels of the removed tokens
    before: list[float]
    after: list[float]
    new_labels: list[str]
    flipped: list[bool]


def erasure_rows(inp: AttributionInputs, k: int, attention: np.ndarray | None,
                 attributions: dict[str, np.ndarray], labels: list[str], output_label: Any,
                 draws: int = RANDOM_DRAWS) -> list[ErasureRow]:
    """Remove the top-``k`` tokens by attention, by each attribution, and ``draws`` random sets of ``k``.

    ``attention``/``attributions`` are per position ``[R, P]``; ``labels`` names positions;
    ``output_label(row, index)`` names an output.
    """
    rankings: list[tuple[str, np.ndarray]] = []
    if attention is not None:
        rankings.append(("attention", attention))
    rankings += list(attributions.items())
    rankings += [(f"random #{d + 1}", random_scores(inp.rows, inp.positions, seed=d)) for d in range(draws)]
    out = []
    for name, scores in rankings:
        e = erase_top(inp, scores, k, name)
        out.append(ErasureRow(name, k, [[labels[p] for p in pos] for pos in e.removed], e.before.tolist(),
                              e.after.tolist(), [output_label(r, t) for r, t in enumerate(e.new_targets)],
                              e.flipped.tolist()))
    return out


def position_labels(inp: AttributionInputs) -> list[str]:
    """A label per input position (from the slots' single-position columns; '' elsewhere)."""
    labels = [""] * inp.positions
    for slot in inp.slots:
        for key, group in zip(slot.keys, slot.columns):
            if len(group) == 1:
                labels[group[0]] = key
    return labels


def attention_positions(att: list[AttentionMap | None], inp: AttributionInputs) -> np.ndarray | None:
    """Attention per position ``[R, P]`` (products over levels, e.g. HAN's sentence × word weight)."""
    return position_scores(att, inp.slots, inp.rows, inp.positions)
