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
variants outermost; a layer called once per decoding step, as Bahdanau's, has its calls concatenated), so one
boolean row ``[L]`` per variant says which weights go. Only a distribution's real keys (the hook's mask: real
positions; local attention's window or kept top-k) are ever chosen.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from scipy.spatial.distance import jensenshannon
from torch import nn

from ..mechanisms import HookableWeights, replaced_weights
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


def hookable(model: nn.Module) -> bool:
    """True when some attention layer of ``model`` takes the weight hook, so the interventions can act on it."""
    return any(isinstance(m, HookableWeights) for m in model.modules())


def without(masks: torch.Tensor) -> Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]:
    """A weight hook zeroing, in variant i, the weights where ``masks[i]`` ``[N, L]`` is True, each
    distribution (last axis) rescaled to the mass it had (1 for a softmax; local-p's rows keep their sum below
    1); a distribution with nothing left stays all zero. A layer called once per step (Bahdanau) consumes
    ``masks`` step by step: each call takes the next ``weights.numel() / N`` columns."""
    used = [0]

    def hook(weights: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        flat = weights.reshape(masks.shape[0], -1)
        part = masks[:, used[0]:used[0] + flat.shape[1]].to(flat.device)
        used[0] += flat.shape[1]
        kept = flat.masked_fill(part, 0.0).reshape(weights.shape)
        total, before = kept.sum(-1, keepdim=True), weights.sum(-1, keepdim=True)
        return torch.where(total > 0, kept * (before / total.clamp_min(1e-30)), kept)
    return hook


class Recorder:
    """A weight hook that makes each call's weights a leaf (so ∂output/∂α can be taken) and keeps them with
    their real-key masks, in call order."""

    def __init__(self) -> None:
        self.leaves: list[torch.Tensor] = []
        self.real: list[torch.Tensor] = []

    def __call__(self, weights: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Record ``weights`` (any shape ``[..., keys]``) and return the leaf standing in for them."""
        leaf = weights.detach().requires_grad_(True)
        self.leaves.append(leaf)
        self.real.append(torch.ones_like(weights, dtype=torch.bool) if mask is None
                         else mask.bool().expand_as(weights))
        return leaf

    def flat(self, tensors: list[torch.Tensor]) -> np.ndarray:
        """The calls' tensors of one input flattened and concatenated in call order ``[L]``."""
        return torch.cat([t.detach().reshape(-1) for t in tensors]).double().cpu().numpy()


def layer_weights(model: nn.Module, run: Run, where: Where) -> LayerWeights:
    """Record the layer's weights on one unmodified pass and ∂p(decision)/∂α (α taken as an input, so the
    gradient does not flow back into the scores)."""
    seen = Recorder()
    with torch.enable_grad(), no_cudnn(), replaced_weights(model, seen, where) as names:
        if len(names) != 1:
            raise ValueError(f"the layer must be one attention module; {len(names)} matched ({names})")
        probs = run(1)[0]
        decision = int(probs.argmax())
        grads = torch.autograd.grad(probs[decision], seen.leaves)
    return LayerWeights(seen.flat(seen.leaves), seen.flat(seen.real).astype(bool), seen.flat(list(grads)),
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
    distance = jensenshannon(p, q, base=2)
    # scipy takes the square root of the divergence; for equal distributions rounding can make it −1e-17 → NaN
    return 0.0 if np.isnan(distance) else float(distance ** 2)


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


# --------------------------------------------------------------------------------------------- translators
def translation_run(explainer: Any, source: list[int], generated: list[int]) -> Run:
    """``run(n)`` for a translator teacher-forced on ``generated``: next-token distributions ``[n, T, V]``."""
    from ..models.special_tokens import BOS
    device = explainer.device
    src = torch.tensor([source], device=device)
    tgt_in = torch.tensor([[BOS] + generated[:-1]], device=device)
    lengths = torch.tensor([len(source)])

    def run(n: int) -> torch.Tensor:
        return explainer.model(src.expand(n, -1), lengths.expand(n), tgt_in.expand(n, -1))[0].exp()
    return run


def token_gradients(probs: torch.Tensor, chosen: torch.Tensor, seen: Recorder) -> torch.Tensor:
    """``[T, S]``: row t is ∂p_t(chosen_t)/∂α_t, token t's probability against its own attention row.

    Rows computed in one call (teacher forcing without input feeding) do not feed each other, so one backward
    pass of Σ_t p_t gives every row; a mechanism called once per step (Bahdanau feeds each context into the
    next step) needs one backward pass per token, keeping only row t of each."""
    picked = probs.gather(-1, chosen[:, None])[:, 0]                                  # [T]
    if len(seen.leaves) == 1:
        (grad,) = torch.autograd.grad(picked.sum(), seen.leaves)
        return grad[0].reshape(len(picked), -1)
    rows = []
    for t, leaf in enumerate(seen.leaves):
        (grad,) = torch.autograd.grad(picked[t], leaf, retain_graph=True)
        rows.append(grad.reshape(-1))
    return torch.stack(rows)


def intervene_per_token(explainer: Any, source: str, seed: list[int], orders: tuple[str, ...] = ORDERS,
                        ) -> dict[str, Any]:
    """Both interventions for every generated token of a translator, teacher-forced on its own greedy output:
    token t's decision is its argmax, and only row t of the attention (its distribution over the source; for
    local attention, over its window) is touched — by the mechanism's weight hook, so Bahdanau's later steps
    read the changed context too, but only token t's output is scored. Per token: flips, JS divergences and
    the share of row t's real weights removed at the first flip, per order."""
    ids, _ = explainer.encode(source)
    generated = explainer.translate_ids(ids).tokens
    run = translation_run(explainer, ids, generated)
    every = lambda name, m: True  # noqa: E731  (one attention module)
    seen = Recorder()
    with torch.enable_grad(), no_cudnn(), replaced_weights(explainer.model, seen, every):
        probs = run(1)[0]                                                          # [T, V]
        chosen = probs.argmax(-1)
        grad = token_gradients(probs, chosen, seen).double().cpu().numpy()          # [T, S]
    rows = len(generated)
    weights = seen.flat(seen.leaves).reshape(rows, -1)                             # [T, S]
    real = seen.flat(seen.real).reshape(rows, -1).astype(bool)
    probs_np, chosen_np = probs.detach().double().cpu().numpy(), chosen.cpu().numpy()
    width = weights.shape[1]
    size = rows * width
    counts = real.sum(1)
    out: dict[str, Any] = {"tokens": rows, "sources": width, "row_weights": float(np.median(counts)),
                           "flip_top": [], "flip_random": [], "js_top": [],
                           "js_random": [], "to_flip": {o: [] for o in orders}}
    variants, owners = [], []
    rng = np.random.default_rng(seed)
    for t in range(rows):
        inside = np.flatnonzero(real[t])
        top = int(inside[np.argmax(weights[t, inside])])
        others = [int(j) for j in inside if j != top]
        rand = int(rng.choice(others)) if others else top
        variants += [[t * width + top], [t * width + rand]]
        owners += [(t, "single: top", 0), (t, "single: random", 0)]
        layer = LayerWeights(weights[t], real[t], grad[t], probs_np[t], int(chosen_np[t]))
        for name in orders:
            order = order_of(layer, name, [*seed, t])
            for k in (flip_grid(counts[t] - 1) if counts[t] > 1 else []):
                variants.append([t * width + j for j in order[:k]])
                owners.append((t, name, k))
    results = np.zeros((len(variants), probs_np.shape[-1]))
    for start in range(0, len(variants), BATCH):
        chunk = variants[start:start + BATCH]
        full = _row_outputs(explainer.model, run, every, chunk, size)                # [b, T, V]
        for i, (t, _, _) in enumerate(owners[start:start + BATCH]):
            results[start + i] = full[i, t]
    first: dict[tuple[int, str], float | None] = {}
    for (t, name, k), p in zip(owners, results):
        if name == "single: top":
            out["flip_top"].append(bool(p.argmax() != chosen_np[t]))
            out["js_top"].append(js(probs_np[t], p))
        elif name == "single: random":
            out["flip_random"].append(bool(p.argmax() != chosen_np[t]))
            out["js_random"].append(js(probs_np[t], p))
        elif (t, name) not in first and p.argmax() != chosen_np[t]:
            first[(t, name)] = k / counts[t]
    for name in orders:
        out["to_flip"][name] = [first.get((t, name)) for t in range(rows)]
    return out


@torch.no_grad()
def _row_outputs(model: nn.Module, run: Run, where: Where, removed: list[list[int]], size: int) -> np.ndarray:
    """:func:`outputs_without` for outputs with a row axis: ``[N, T, V]``."""
    masks = torch.zeros(len(removed), size, dtype=torch.bool)
    for i, idx in enumerate(removed):
        masks[i, idx] = True
    with no_cudnn(), replaced_weights(model, without(masks), where):
        return run(len(removed)).double().cpu().numpy()
