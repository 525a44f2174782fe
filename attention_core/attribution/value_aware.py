"""Two value-aware readings of a Hugging Face transformer's attention (BERT-style text encoders and ViTs).

* **Value norms** (Kobayashi et al. 2020, "Attention is Not Only a Weight"): what token j adds to token i in
  layer l is ``Σ_h α^h_ij f^h(x_j)`` with ``f^h(x) = (x W_V^h + b_V^h) W_O^h`` — head h's value projection
  followed by its slice of the output projection (the output bias is shared by every j and left out). Its
  norm ``N_ij = ‖Σ_h α^h_ij f^h(x_j)‖`` replaces the weight α_ij.
* **Gradient-weighted rollout** (Chefer et al. 2021, "Generic Attention-model Explainability"): each layer's
  heads weighted by the gradient of the explained output with respect to their weights, positive part,
  averaged over heads, ``Ā_l = E_h[(∇A^h ⊙ A^h)^+]`` (∇: the total derivative arriving at the node A^h in
  the backward pass, as Chefer's attention hooks record it), then rolled out with the identity,
  ``R ← R + Ā_l R`` from ``R = I`` up the layers.

Both read each layer of ``model.encoder.layer``'s value and output projections (BERT, MiniLM, ViT, DINOv2; see
:func:`_parts`). DINOv2's LayerScale multiplies the attention output after the output projection; it is not
part of ``f`` here.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn


def _parts(layer: nn.Module) -> tuple[nn.Linear, nn.Linear]:
    """A layer's value projection and output projection (BERT/ViT: ``attention.{self|attention}.value`` and
    ``attention.output.dense``; DINOv2 in Transformers 5: ``attention.v_proj`` and ``attention.o_proj``)."""
    attention = layer.attention
    if hasattr(attention, "v_proj"):
        return attention.v_proj, attention.o_proj
    inner = getattr(attention, "self", None) or attention.attention
    return inner.value, attention.output.dense


@contextmanager
def captured_values(model: nn.Module) -> Iterator[list[torch.Tensor]]:
    """While active, every layer's value projection output ``[B, T, d]`` is appended (layer order) to the
    yielded list."""
    values: list[torch.Tensor] = []
    handles = [_parts(layer)[0].register_forward_hook(lambda m, i, o: values.append(o))
               for layer in model.encoder.layer]
    try:
        yield values
    finally:
        for h in handles:
            h.remove()


def value_norms(attention: torch.Tensor, values: torch.Tensor, output: nn.Linear) -> np.ndarray:
    """``N [T, T]`` for one layer and one input: ``attention [H, T, T]``, ``values [T, H·dh]`` (the value
    projection's output, bias included), ``output`` the output projection (weight ``[d, H·dh]``)."""
    heads, t, _ = attention.shape
    dh = values.shape[-1] // heads
    w = output.weight.detach().double()                                             # [d, H·dh]
    per_head = torch.stack([values[:, h * dh:(h + 1) * dh].double() @ w[:, h * dh:(h + 1) * dh].T
                            for h in range(heads)])                                 # [H, T(j), d]  f^h(x_j)
    summed = torch.einsum("hij,hjd->ijd", attention.double(), per_head)             # Σ_h α^h_ij f^h(x_j)
    return summed.norm(dim=-1).cpu().numpy()


def grad_rollout(attentions: list[np.ndarray], gradients: list[np.ndarray]) -> np.ndarray:
    """``R [T, T]`` from every layer's ``A [H, T, T]`` and ``∂y/∂A [H, T, T]`` (bottom layer first)."""
    t = attentions[0].shape[-1]
    relevance = np.eye(t)
    for a, g in zip(attentions, gradients):
        weighted = np.clip(a * g, 0, None).mean(0)
        relevance = relevance + weighted @ relevance
    return relevance


def value_aware_maps(model: nn.Module, run: Callable[[], tuple[Any, torch.Tensor]],
                     ) -> tuple[np.ndarray, np.ndarray]:
    """One input through ``model``: ``run()`` calls it (eager attention, ``output_attentions=True``, batch of
    one, with some input requiring grad) and returns ``(its output, the scalar explained)`` → value norms
    per layer ``[L, T, T]`` and the gradient-weighted rollout ``[T, T]``."""
    layers = list(model.encoder.layer)
    with torch.enable_grad(), captured_values(model) as values:
        out, target = run()
        attentions = list(out.attentions)
        grads = torch.autograd.grad(target, attentions)
    norms = np.stack([value_norms(a[0].detach(), v[0].detach(), _parts(layer)[1])
                      for a, v, layer in zip(attentions, values, layers)])
    rollout = grad_rollout([a[0].detach().double().cpu().numpy() for a in attentions],
                           [g[0].double().cpu().numpy() for g in grads])
    return norms, rollout
