"""What one request may cost on a shared server: time and size budgets, and what an expensive step would cost.

Pure arithmetic (no UI): the dashboard reads :func:`budget` once per request and compares costs with it.
A deployment chooses its budget with the environment variable ``ATTENTION_ATLAS_BUDGET``:

* unset or ``default`` — :data:`DEFAULT` (one person on their own machine);
* ``classroom`` — :data:`CLASSROOM` (many students sharing a few cores: stricter everywhere);
* either name followed by overrides, e.g. ``classroom,seconds=20,draw_cells=20000``.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace

ENV = "ATTENTION_ATLAS_BUDGET"


@dataclass(frozen=True)
class Budget:
    """Per-request limits. ``auto_*``: above these, expensive work waits for a click; ``seconds``: work that
    runs longer is cancelled; ``draw_cells``: larger maps are pooled before drawing; ``compute_*``: the
    Dataset atlas Compute form's cap on examples and on their total characters."""

    seconds: float = 180.0
    auto_chars: int = 5_000
    auto_cells: int = 4_000
    draw_cells: int = 40_000
    compute_examples: int = 300
    compute_chars: int = 200_000

    def __post_init__(self) -> None:
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"budget {f.name} must be positive, not {getattr(self, f.name)!r}")


DEFAULT = Budget()
# Two cores for 30 students: ~1 minute of one core is already a lot to give one request.
CLASSROOM = Budget(seconds=60.0, auto_chars=2_000, auto_cells=2_000, draw_cells=40_000, compute_examples=50,
                   compute_chars=50_000)
NAMED = {"default": DEFAULT, "classroom": CLASSROOM}


def parse_budget(spec: str) -> Budget:
    """``"classroom,seconds=20"`` → that budget; ``ValueError`` with one line for anything else."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    base = DEFAULT
    if parts and "=" not in parts[0]:
        name = parts.pop(0).lower()
        if name not in NAMED:
            raise ValueError(f"unknown budget {name!r} (known: {', '.join(NAMED)})")
        base = NAMED[name]
    types = {f.name: f.type for f in fields(Budget)}
    changes: dict[str, float | int] = {}
    for part in parts:
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in types:
            raise ValueError(f"unknown budget field {key!r} (known: {', '.join(types)})")
        try:
            changes[key] = float(value) if types[key] == "float" else int(value)
        except ValueError:
            raise ValueError(f"budget {key} must be a number, not {value.strip()!r}") from None
    return replace(base, **changes)


def budget() -> Budget:
    """The budget this process runs under (from ``$ATTENTION_ATLAS_BUDGET``; :data:`DEFAULT` when unset)."""
    return parse_budget(os.environ.get(ENV, "") or "default")


# ------------------------------------------------------------------------------------------------- costs
@dataclass(frozen=True)
class AttributionCost:
    """What attributing one input costs: the map cells explained and the model runs (forward passes)."""

    chars: int
    cells: int
    model_runs: int

    def over(self, limits: Budget) -> str | None:
        """Why this waits for a click under ``limits`` (one phrase), or None when it may start at once."""
        if self.chars > limits.auto_chars:
            return f"inputs over {limits.auto_chars:,} characters (this one has {self.chars:,})"
        if self.cells > limits.auto_cells:
            return f"maps over {limits.auto_cells:,} cells (this input's are {self.cells:,}, rows × columns)"
        return None

    def describe(self) -> str:
        """``"about 1,240 model runs over 12,000 map cells"``."""
        return f"about {self.model_runs:,} model runs over {self.cells:,} map cells"


# integrated gradients starts at 32 points and may double; leave-one-out is one run per column plus the input
IG_POINTS = 32
RANDOM_ERASURES = 5


def attribution_cost(chars: int, shapes: list[tuple[int, int]], methods: list[str]) -> AttributionCost:
    """The cost of attributing an input of ``chars`` characters whose maps have ``shapes`` with ``methods``
    (and the erasure control after it). Model runs count forward passes over the whole input."""
    cells = sum(r * c for r, c in shapes)
    columns = sum(c for _, c in shapes)
    rows = max((r for r, _ in shapes), default=1)
    runs = 0
    for m in methods:
        if m == "leave-one-out":
            runs += columns + 1
        elif m == "integrated-gradients":
            runs += IG_POINTS * rows
        else:
            runs += rows
    runs += 1 + len(methods) + RANDOM_ERASURES    # erasure: the input, then one per ranking
    return AttributionCost(chars, cells, runs)


# ---------------------------------------------------------------------------------------------- drawing
DRAW_SIDE = 2_000    # rows or columns a browser draws with their labels (a 1 × 1,000,000 map took > 270 s)


def draw_sides(rows: int, cols: int, max_cells: int, max_side: int = DRAW_SIDE) -> tuple[int, int]:
    """The largest ``(rows', cols')`` at most ``(rows, cols)`` with ``rows' × cols' ≤ max_cells`` and neither
    side above ``max_side``, keeping the map's shape as far as it can (1,000 × 1,000 becomes square, a
    1 × 1,000,000 map stays one row)."""
    r, c = min(rows, max_side), min(cols, max_side)
    if r * c <= max_cells:
        return r, c
    side = math.isqrt(max_cells)
    if r <= side:
        return r, max(1, max_cells // r)
    if c <= side:
        return max(1, max_cells // c), c
    return side, side


def cap_examples(lengths: list[int], limits: Budget) -> int:
    """How many of the first examples (with these character ``lengths``) fit the Compute form's caps."""
    total = 0
    for i, n in enumerate(lengths):
        if i >= limits.compute_examples or total + n > limits.compute_chars:
            return i
        total += n
    return len(lengths)
