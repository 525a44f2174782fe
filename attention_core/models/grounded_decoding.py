"""Grounded caption decoding (issue 20 item 3, round 6): a caption may only name a layout cell the encoder sees
an object in, and it ends once every such cell is named.

The scene encoder's pretraining head gives each of the 49 regions a background probability. A cell of the 2 × 2
layout counts as **occupied** when (1) some region lying inside it (the 3 × 3 regions whose 32-px cell is wholly
in the cell's 112-px quadrant; every object of ≥ 26 px overlaps one of them) has an object probability
(1 − background) of at least the captioner's ``threshold`` (declared in its ``config.json`` under ``grounded``,
picked on validation scenes) and (2) the encoder's input (read background-first) holds foreground in the cell:
at least :data:`FOREGROUND_SHARE` of its pixels above :data:`FOREGROUND_LEVEL` — a region near the cell's edge
also sees ~40 px into the next cell, so an object just across the border lights up an empty black cell's
regions. When no cell passes, the single most likely cell counts, so a caption always names something. Decoding then masks, at each word, the tokens that would

- continue the caption (anything but its end) once every occupied cell has been named, and
- (``cells="mask"``) put a phrase in a cell that is not occupied or already named (the ROW and COL words after
  "at the"); or instead (``cells="drop"``) a finished caption loses the phrases that name a cell not occupied,
  the rest re-joined (:meth:`GroundedRule.prune`).

The rule only forbids; it never forces a word the decoder would not weigh, and the attention α stays the
decoder's own. It is applied the same way on the page, in the CLI and by the scorers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data.scenes import CELLS
from .scene_encoder import background_first

ROWS, COLS = {"top": 0, "bottom": 1}, {"left": 0, "right": 1}
GRID_SIDE, QUADRANT = 7, 112                  # the encoder's 7 × 7 regions, 32 px each; a layout cell's side in px
FOREGROUND_LEVEL, FOREGROUND_SHARE = 40, 0.005   # grey level over the background; share of a cell's pixels


def inside_regions(cell: str) -> list[int]:
    """Row-major indices of the regions whose 32-px cell lies wholly inside ``cell``'s 112-px quadrant (3 × 3)."""
    row, col = CELLS[cell]
    span = lambda k: [i for i in range(GRID_SIDE) if k * QUADRANT <= i * 32 and (i + 1) * 32 <= (k + 1) * QUADRANT]
    return [r * GRID_SIDE + c for r in span(row) for c in span(col)]


def cell_object_probability(logits: torch.Tensor) -> torch.Tensor:
    """Head logits ``[B, 49, classes + 1]`` (background last) → per layout cell (order of ``CELLS``) the largest
    object probability (1 − background) over its inside regions ``[B, 4]``."""
    objectness = 1.0 - logits.float().softmax(-1)[..., -1]
    return torch.stack([objectness[:, inside_regions(cell)].amax(1) for cell in CELLS], 1)


def cell_foreground(pixels: torch.Tensor) -> torch.Tensor:
    """Background-first grey levels ``[B, S, S]`` (``scene_encoder.background_first``) → ``[B, 4]`` bool per
    layout cell (order of ``CELLS``): at least :data:`FOREGROUND_SHARE` of its pixels above :data:`FOREGROUND_LEVEL`."""
    half = pixels.shape[-1] // 2
    bright = (pixels > FOREGROUND_LEVEL).float()
    return torch.stack([bright[:, r * half:(r + 1) * half, c * half:(c + 1) * half].mean((1, 2))
                        for r, c in CELLS.values()], 1) >= FOREGROUND_SHARE


def scene_foreground(pixels: np.ndarray, background_first_input: bool = True) -> torch.Tensor:
    """uint8 grey scenes ``[B, S, S]`` (``scene_encoder.scene_pixels``) → :func:`cell_foreground` ``[B, 4]`` of
    the input as the encoder reads it (background-first unless ``background_first_input`` is False)."""
    levels = torch.from_numpy(pixels.astype(np.float32))
    return cell_foreground(background_first(levels) if background_first_input else levels)


def occupied_cells(logits: torch.Tensor, threshold: float, foreground: torch.Tensor | None = None) -> list[set[str]]:
    """Head logits ``[B, 49, classes + 1]`` (and :func:`cell_foreground` ``[B, 4]``) → per scene the layout cells
    seen as occupied; empty when the encoder sees no object (a captioner then names nothing)."""
    prob = cell_object_probability(logits)
    passed = prob >= threshold
    if foreground is not None:
        passed &= foreground.to(passed.device)
    names = list(CELLS)
    # no fallback to the likeliest cell: on an image of strokes only it made the hard decoder name "a bag" there;
    # on 1,800 validation scenes (300 per kind, both thresholds) it never fired
    return [{names[k] for k in range(len(names)) if bool(row[k])} for row in passed]


@dataclass(frozen=True)
class GroundedRule:
    """The masking rule over a vocabulary (``words``, id → word); :meth:`banned` for one caption's history."""

    words: tuple[str, ...]
    end: int                                  # the end-of-caption token id
    cells: str = "mask"                       # "mask": ROW / COL words masked; "drop": such phrases dropped after

    def _ids(self, names) -> list[int]:
        return [i for i, w in enumerate(self.words) if w in names]

    def banned(self, history: list[int], occupied: set[str]) -> list[int]:
        """Token ids the next word may not be, given the ids generated so far and the occupied cells."""
        said = [self.words[i] for i in history]
        named = {f"{said[i + 2]} {said[i + 3]}" for i in range(len(said) - 3)
                 if said[i:i + 2] == ["at", "the"] and f"{said[i + 2]} {said[i + 3]}" in CELLS}
        remaining = occupied - named or (set(CELLS) - named) or set(CELLS)
        if said[-2:] == ["at", "the"] and self.cells == "mask":            # the ROW word
            return self._ids(set(ROWS) - {c.split()[0] for c in remaining})
        if said[-3:-1] == ["at", "the"] and said[-1] in ROWS and self.cells == "mask":   # the COL word
            return self._ids(set(COLS) - {c.split()[1] for c in remaining if c.split()[0] == said[-1]})
        if said[-4:-2] == ["at", "the"] and f"{said[-2]} {said[-1]}" in CELLS and not occupied - named:
            return [i for i in range(len(self.words)) if i != self.end]   # every occupied cell named: end
        return []

    def finish(self, ids: list[int], occupied: set[str]) -> tuple[list[int], list[int]]:
        """A finished caption → (ids, positions of the kept words): :meth:`prune` under ``cells="drop"``, else
        the caption as decoded."""
        return self.prune(ids, occupied) if self.cells == "drop" else (list(ids), list(range(len(ids))))

    def prune(self, ids: list[int], occupied: set[str]) -> tuple[list[int], list[int]]:
        """A finished caption's ids → the ids without the phrases that name a cell outside ``occupied`` (their
        joining ``,`` / ``and`` re-joined as the generator writes them: ``,`` between phrases, ``and`` before the
        last), and the positions of the kept words in ``ids`` (to keep their α rows). A caption whose every phrase
        would go is kept whole."""
        phrases, joiners, current = [], [], []
        for k, i in enumerate(ids):
            if self.words[i] in (",", "and") or i == self.end:
                phrases.append(current)
                joiners.append(k)
                current = []
            else:
                current.append(k)
        if current:
            phrases.append(current)
            joiners.append(None)
        def cell(phrase: list[int]) -> str | None:
            said = [self.words[ids[k]] for k in phrase]
            return next((f"{said[j + 2]} {said[j + 3]}" for j in range(len(said) - 3)
                         if said[j:j + 2] == ["at", "the"]), None)
        keep = [j for j, ph in enumerate(phrases) if cell(ph) is None or cell(ph) in occupied]
        if not keep or len(keep) == len(phrases):
            return list(ids), list(range(len(ids)))
        out_ids, rows = [], []
        for n, j in enumerate(keep):
            out_ids += [ids[k] for k in phrases[j]]
            rows += phrases[j]
            if n < len(keep) - 1:                 # the joiner after this phrase, re-worded if it now differs
                k = joiners[j] if joiners[j] is not None and ids[joiners[j]] != self.end else joiners[keep[n + 1] - 1]
                out_ids.append(self.words.index("and" if n == len(keep) - 2 else ","))
                rows.append(k)
        if ids and ids[-1] == self.end:
            out_ids.append(self.end)
            rows.append(len(ids) - 1)
        return out_ids, rows

    def mask(self, logits: torch.Tensor, histories: list[list[int]], occupied: list[set[str]]) -> torch.Tensor:
        """Logits ``[B, V]`` with the banned tokens of each caption set to −∞."""
        logits = logits.clone()
        for b, (history, seen) in enumerate(zip(histories, occupied)):
            ban = self.banned(history, seen)
            if ban:
                logits[b, ban] = float("-inf")
        return logits
