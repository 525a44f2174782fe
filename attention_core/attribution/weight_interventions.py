"""Serrano & Smith (2019): intervene on the attention weights inside the layer, not on the input.

Through the mechanisms' weight hook (:mod:`attention_core.mechanisms.weight_hooks`) chosen weights are set
to zero and every distribution they belong to is renormalised before the model reads it; nothing else in the
forward pass changes. For one input and one attention layer:

* **single weight** — zero the layer's largest weight vs a random other one: does the decision flip, and how
  far does the output distribution move (Jensen–Shannon divergence, base 2, in [0, 1])?
* **fraction to flip** — zero weights one at a time in an order (attention: largest first; gradient: largest
  ∂p(decision)/∂α first; attention × gradient; random) and report the share of the layer's weights removed
  at the first flip (searched at 1…10 weights, then ×1.5, up to all but one: None when the decision holds
  while any weight is left — a layer with every weight gone reads nothing, which says nothing about ranking).

A layer's weights for one input are flattened in the order the hook sees them (``[N·a, …, keys]`` with the
variants outermost), so one boolean row ``[L]`` per variant says which weights go.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from scipy.spatial.distance import jensenshannon
from torch import nn

from ..mechanisms import replaced_weights
from .erasure import flip_grid
from .inputs import no_cudnn

Where = Callable[[str, nn.Module], bool]
Run = Callable[[int], torch.Tensor]          # n → class probabilities [n, C] of n copies of the input
ORDERS = ("attention", "gradient", "attention × gradient", "random")
BATCH = 32


@dataclass(frozen=True)
class LayerWeights:
    """One layer's weights on the unmodified input, flattened ``[L]``, which of them are real keys ``[L]``,
    and the gradient of p(decision) with respect to each ``[L]``."""

    weights: np.ndarray
    real: np.ndarray
    gradient: np.ndarray
    probs: np.ndarray            # [C] the output on the unmodified input
    decision: int


def without(masks: torch.Tensor) -> Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]:
    """A weight hook zeroing, in variant i, the weights where ``masks[i]`` ``[N, L]`` is True, each
    distribution (last axis) renormalised; a distribution with nothing left stays all zero."""
    def hook(weights: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        flat = weights.reshape(masks.shape[0], -1)
        kept = flat.masked_fill(masks.to(flat.device), 0.0).reshape(weights.shape)
        total = kept.sum(-1, keepdim=True)
        return torch.where(total > 0, kept / total.clamp_min(1e-30), kept)
    return hook


def layer_weights(model: nn.Module, run: Run, where: Where) -> LayerWeights:
    """Record the layer's weights on one unmodified pass and ∂p(decision)/∂α (α taken as an input, so the
    gradient does not flow back into the scores)."""
    seen: dict[str, torch.Tensor] = {}

    def record(weights: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        leaf = weights.detach().requires_grad_(True)
        seen["w"] = leaf
        seen["real"] = (torch.ones_like(weights, dtype=torch.bool) if mask is None
                        else mask.bool().expand_as(weights))
        return leaf

    with torch.enable_grad(), no_cudnn(), replaced_weights(model, record, where) as names:
        if len(names) != 1:
            raise ValueError(f"the layer must be one attention module; {len(names)} matched ({names})")
        probs = run(1)[0]
        decision = int(probs.argmax())
        (grad,) = torch.autograd.grad(probs[decision], seen["w"])
    return LayerWeights(seen["w"].detach().reshape(-1).double().cpu().numpy(),
                        seen["real"].reshape(-1).cpu().numpy(), grad.reshape(-1).double().cpu().numpy(),
                        probs.detach().double().cpu().numpy(), decision)


@torch.no_grad()
def outputs_without(model: nn.Module, run: Run, where: Where, removed: list[list[int]], size: int) -> np.ndarray:
    """The output distribution ``[N, C]`` with, in variant i, the layer's weights ``removed[i]`` (of ``size``
    per input) zeroed."""
    out = []
    for start in range(0, len(removed), BATCH):
        chunk = removed[start:start + BATCH]
        masks = torch.zeros(len(chunk), size, dtype=torch.bool)
        for i, idx in enumerate(chunk):
            masks[i, idx] = True
        with no_cudnn(), replaced_weights(model, without(masks), where):
            out.append(run(len(chunk)).double().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0))


def js(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence (base 2, in [0, 1]) between two distributions."""
    return float(jensenshannon(p, q, base=2) ** 2)


def order_of(layer: LayerWeights, name: str, seed: list[int]) -> list[int]:
    """The real weights' indices in removal order ``name`` (see :data:`ORDERS`)."""
    real = np.flatnonzero(layer.real)
    key = {"attention": layer.weights, "gradient": layer.gradient,
           "attention × gradient": layer.weights * layer.gradient,
           "random": np.random.default_rng(seed).random(len(layer.weights))}[name]
    return [int(i) for i in real[np.argsort(-key[real], kind="stable")]]


def single_weight(model: nn.Module, run: Run, where: Where, layer: LayerWeights, seed: list[int],
                  ) -> dict[str, Any]:
    """Zero the largest weight vs a random other real weight → flips, JS divergences and the two weights."""
    real = np.flatnonzero(layer.real)
    top = int(real[np.argmax(layer.weights[real])])
    others = [int(i) for i in real if i != top]
    rand = int(np.random.default_rng(seed).choice(others)) if others else top
    probs = outputs_without(model, run, where, [[top], [rand]], len(layer.weights))
    return {"flip_top": bool(probs[0].argmax() != layer.decision),
            "flip_random": bool(probs[1].argmax() != layer.decision),
            "js_top": js(layer.probs, probs[0]), "js_random": js(layer.probs, probs[1]),
            "weight_top": float(layer.weights[top]), "weight_random": float(layer.weights[rand])}


def fraction_to_flip(model: nn.Module, run: Run, where: Where, layer: LayerWeights, seed: list[int],
                     orders: tuple[str, ...] = ORDERS) -> dict[str, float | None]:
    """Per order, the share of the layer's real weights removed at the first flip (None: never flips)."""
    variants, owners = [], []
    first: dict[str, float | None] = {name: None for name in orders}
    n = int(layer.real.sum())
    if n < 2:
        return first
    for name in orders:
        order = order_of(layer, name, seed)
        for k in flip_grid(n - 1):
            variants.append(order[:k])
            owners.append((name, k))
    probs = outputs_without(model, run, where, variants, len(layer.weights))
    for (name, k), p in zip(owners, probs):
        if first[name] is None and p.argmax() != layer.decision:
            first[name] = k / n
    return first


def classifier_run(explainer: Any, ids: torch.Tensor) -> Run:
    """``run(n)`` for a shipped classifier: class probabilities ``[n, C]`` of ``n`` copies of ``ids [1, …]``."""
    def run(n: int) -> torch.Tensor:
        out = explainer.model(ids.expand(n, *ids.shape[1:]))
        return torch.softmax(out[0] if isinstance(out, tuple) else out, -1)
    return run


def intervene(explainer: Any, ids: torch.Tensor, where: Where, seed: list[int]) -> dict[str, Any]:
    """Both interventions for one classifier input on one layer (see the module docstring)."""
    run = classifier_run(explainer, ids)
    layer = layer_weights(explainer.model, run, where)
    rec = {"weights": int(layer.real.sum()), **single_weight(explainer.model, run, where, layer, seed)}
    rec["to_flip"] = fraction_to_flip(explainer.model, run, where, layer, seed)
    return rec
