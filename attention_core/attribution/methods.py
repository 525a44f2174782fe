"""Attribution methods keyed by name, all computed with Captum on a model's input embeddings.

Each method maps :class:`~attention_core.attribution.inputs.AttributionInputs` and groups of input positions
(the columns of the maps to draw) to raw scores ``[R, groups]``: how much each group raised the probability
of each explained output (positive = supports the decision). Conventions:

* ``grad×input`` — Captum ``InputXGradient``: ⟨∂p/∂e, e⟩ per position, summed over the embedding and over
  a group's positions.
* ``integrated-gradients`` — Captum ``IntegratedGradients`` from the input's baseline (:mod:`.baselines`:
  the classifiers start from one vector the model reads as neutral, the others from padding at every real
  position; f(baseline) is in the record's ``meta["baseline_p"]``) to the input with Gauss–Legendre points,
  32 to start with and doubled (up to 256) until each row adds up to p(input) − p(baseline) within 5 %
  (completeness); per position the sum over the embedding. Saturated classifiers turn sharply along the
  path, so 32 points are often not enough; the number used is in the record's ``meta["steps"]``.
* ``leave-one-out`` — Captum ``FeatureAblation``: p(input) − p(input with the group replaced by the
  unknown-word token), one group at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from captum.attr import FeatureAblation, InputXGradient, IntegratedGradients

from .baselines import ig_start
from .inputs import AttributionInputs

DEFAULT_STEPS = 32          # integration points to start from (Gauss–Legendre)
MAX_STEPS = 256             # ... doubled up to this until the attributions add up,
MAX_IG_EXAMPLES = 1024      # ... while steps × explained outputs stays within this (translations: many rows)
MAX_BATCH_NUMBERS = 8_000_000   # embeddings + output probabilities held by one forward batch (~32 MB)
# A gradient pass keeps every activation for the backward pass: measured on the Bible translator (a 112-row output
# over 101 source tokens), one example of batch_cost 293k numbers held ~23 MB, ~80 bytes a number; 112 of them at
# once took 3 GB of server memory. Batches are sized to stay near GRAD_BATCH_BYTES.
GRAD_BYTES_PER_NUMBER = 80
GRAD_BATCH_BYTES = 256 * 2 ** 20


@dataclass(frozen=True)
class Method:
    """A registered attribution method: ``run(inputs, groups, **options) → (scores [R, G], info)``."""

    name: str
    label: str
    run: Callable[..., tuple[np.ndarray, dict[str, Any]]]
    additive: bool          # group score = sum of its positions' scores (gradients), or erased together (ablation)

    def display(self, **options: Any) -> str:
        """The label with its settings (e.g. the number of integration steps)."""
        if self.name == "integrated-gradients" and "steps" in options:
            return f"{self.label} ({int(options['steps'])} steps)"
        return self.label


METHODS: dict[str, Method] = {}


def register_method(method: Method) -> Method:
    """Add a method to :data:`METHODS` under its name."""
    METHODS[method.name] = method
    return method


def get_method(name: str) -> Method:
    """The method called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        return METHODS[name]
    except KeyError:
        raise KeyError(f"unknown attribution method {name!r} (known: {', '.join(METHODS)})") from None


def _expanded(inp: AttributionInputs) -> tuple[torch.Tensor, list[int]]:
    """The input once per explained output, with the output index as Captum's target."""
    return inp.embeddings.expand(inp.rows, *inp.embeddings.shape[1:]).contiguous(), list(range(inp.rows))


def _batch(inp: AttributionInputs, wanted: int) -> int:
    return max(1, min(wanted, MAX_BATCH_NUMBERS // max(inp.batch_cost, 1)))


def _grad_batch(inp: AttributionInputs) -> int:
    """Examples one gradient pass may hold: the backward pass keeps every activation, so a batch is sized by
    :data:`GRAD_BATCH_BYTES` at :data:`GRAD_BYTES_PER_NUMBER` (not by the forward pass's numbers)."""
    return max(1, GRAD_BATCH_BYTES // (GRAD_BYTES_PER_NUMBER * max(inp.batch_cost, 1)))


def _row_chunks(inp: AttributionInputs, size: int) -> list[list[int]]:
    """The explained rows in consecutive chunks of at most ``size``."""
    return [list(range(a, min(a + size, inp.rows))) for a in range(0, inp.rows, max(1, size))]


def _sum_groups(per_position: torch.Tensor, groups: list[list[int]]) -> np.ndarray:
    """``[R, P]`` → ``[R, G]`` by summing each group's positions."""
    values = per_position.detach().double().cpu().numpy()
    return np.stack([values[:, g].sum(1) if g else np.zeros(values.shape[0]) for g in groups], 1)


def _per_position(attr: torch.Tensor, inp: AttributionInputs) -> torch.Tensor:
    """Captum's ``[R, *shape, e]`` → ``[R, P]`` (summed over the embedding)."""
    return attr.sum(-1).reshape(attr.shape[0], inp.positions)


def grad_x_input(inp: AttributionInputs, groups: list[list[int]], **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """Gradient × input with Captum's ``InputXGradient``, a memory-bounded chunk of explained rows at a time."""
    parts = []
    for rows in _row_chunks(inp, _grad_batch(inp)):
        emb = inp.embeddings.expand(len(rows), *inp.embeddings.shape[1:]).contiguous()
        with torch.enable_grad():
            attr = InputXGradient(inp.explained).attribute(emb.requires_grad_(True), target=rows)
        parts.append(_per_position(attr, inp).detach())
    return _sum_groups(torch.cat(parts), groups), {}


def integrated_gradients(inp: AttributionInputs, groups: list[list[int]], steps: int = DEFAULT_STEPS,
                         max_steps: int = MAX_STEPS, **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """Integrated gradients with Captum (Gauss–Legendre points), doubling the points from ``steps`` up to
    ``max_steps`` until every row is complete: |Σ attributions − (p(input) − p(baseline))| within
    :func:`completeness_tolerance` (and while steps × rows ≤ :data:`MAX_IG_EXAMPLES`). A mechanism with hard
    edges (local-p's window moves with p_t, top-k selects) is not continuous, so its gap may stay open; it is
    reported, never hidden. Rows are integrated a memory-bounded chunk at a time (each row's integral is its
    own, so chunks do not change it). Info: the most points used, each row's remaining gap, the baseline and
    f(baseline) for the explained output."""
    size = _grad_batch(inp)
    start_emb, start_probs = ig_start(inp)
    parts, deltas, used = [], [], int(steps)
    for rows in _row_chunks(inp, size):
        emb = inp.embeddings.expand(len(rows), *inp.embeddings.shape[1:]).contiguous()
        base = start_emb.expand_as(emb).contiguous()
        n = int(steps)
        while True:
            with torch.enable_grad():
                attr, delta = IntegratedGradients(inp.explained).attribute(
                    emb, baselines=base, target=rows, n_steps=n,
                    internal_batch_size=max(len(rows), min(n * len(rows), size)), return_convergence_delta=True)
            per_position = _per_position(attr, inp)
            change = per_position.sum(1) - delta          # Captum's delta = Σ attributions − (f(x) − f(baseline))
            done = bool((delta.abs() <= completeness_tolerance(change)).all())
            if done or n * 2 > max_steps or n * 2 * inp.rows > MAX_IG_EXAMPLES:
                break
            n *= 2
        parts.append(per_position.detach())
        deltas += delta.detach().double().cpu().tolist()
        used = max(used, n)
    chosen = start_probs.gather(-1, torch.tensor(inp.targets, device=start_probs.device)[:, None])[:, 0]
    return _sum_groups(torch.cat(parts), groups), {"steps": used, "delta": deltas,
                                                   "baseline_p": chosen.double().cpu().tolist(),
                                                   "baseline": inp.ig_baseline}


def completeness_tolerance(change: torch.Tensor) -> torch.Tensor:
    """The completeness gap accepted for output changes ``change``: 5 % of it, at least 0.01 (probability)."""
    return torch.clamp(0.05 * change.abs(), min=0.01)


def leave_one_out(inp: AttributionInputs, groups: list[list[int]], **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """Leave-one-out with Captum's ``FeatureAblation``: each group replaced by the unknown-word embedding.

    The input is not repeated per explained output: one ablated forward pass scores every output row at once
    (Captum then returns one attribution per output element)."""
    mask = torch.full((inp.positions,), len(groups), dtype=torch.long, device=inp.embeddings.device)
    for j, g in enumerate(groups):
        mask[g] = j
    shape = inp.embeddings.shape[1:-1]
    with torch.no_grad():
        attr = FeatureAblation(inp.explained).attribute(
            inp.embeddings, baselines=inp.blank, feature_mask=mask.reshape(1, *shape, 1),
            perturbations_per_eval=_batch(inp, 64))
    flat = attr[..., 0].reshape(inp.rows, inp.positions).detach().double().cpu().numpy()   # [R, P]
    return np.stack([flat[:, g[0]] if g else np.zeros(inp.rows) for g in groups], 1), {}


register_method(Method("grad×input", "Gradient × input", grad_x_input, additive=True))
register_method(Method("integrated-gradients", "Integrated gradients", integrated_gradients, additive=True))
register_method(Method("leave-one-out", "Leave-one-out (token → unknown)", leave_one_out, additive=False))
