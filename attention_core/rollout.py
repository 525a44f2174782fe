"""Attention rollout (Abnar & Zuidema 2020) on raw per-layer attention tensors.

Per layer ``l`` the heads are averaged and the residual connection is accounted for as
``Ã_l = (1 − r)·mean_heads(A_l) + r·I`` (``r = 0.5`` in the paper), each row renormalised to sum to 1;
the layers are multiplied from the input upwards, ``R = Ã_L ⋯ Ã_2 Ã_1``. Row ``i`` of ``R`` is how much
token ``i``'s last-layer state draws on each input token.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def residual_attention(attention: torch.Tensor | np.ndarray, residual: float = 0.5) -> torch.Tensor:
    """One layer's ``[heads, T, T]`` or ``[T, T]`` → ``Ã = (1 − r)·mean + r·I`` (float64), rows renormalised."""
    a = _head_mean(attention)
    a = (1 - residual) * a + residual * torch.eye(a.shape[0], dtype=a.dtype, device=a.device)
    return a / a.sum(-1, keepdim=True)


def attention_rollout(attentions: Sequence[torch.Tensor | np.ndarray], residual: float = 0.5,
                      rows: Sequence[int] | None = None) -> np.ndarray:
    """Rollout over layers given first to last, each ``[heads, T, T]`` or ``[T, T]`` → ``[T, T]`` (float64).

    With ``rows`` only those rows of ``R`` are computed (``[len(rows), T]``), multiplying from the last
    layer down as row vectors: ``O(L·T²)`` instead of ``O(L·T³)`` — e.g. the [CLS] row at 1,370 tokens.
    """
    if not attentions:
        raise ValueError("rollout needs at least one layer")
    if rows is None:
        layers = [residual_attention(a, residual) for a in attentions]
        result = layers[0]
        for a in layers[1:]:
            result = a @ result
        return result.cpu().numpy()
    # R[rows] = E_rows Ã_L ⋯ Ã_1, as row vectors from the top layer down. Ã = D⁻¹((1 − r)M + rI) with
    # D = diag of the row sums, so v Ã = (1 − r)(v D⁻¹) M + r (v D⁻¹): Ã itself is never built.
    result = None
    for attention in reversed(attentions):
        m = _head_mean(attention)
        d = (1 - residual) * m.sum(-1) + residual
        if result is None:
            result = torch.eye(m.shape[0], dtype=m.dtype, device=m.device)[list(rows)]
        v = result / d
        result = (1 - residual) * (v @ m) + residual * v
    return result.cpu().numpy()


def _head_mean(attention: torch.Tensor | np.ndarray) -> torch.Tensor:
    """``[heads, T, T]`` or ``[T, T]`` → the ``[T, T]`` mean over heads in float64."""
    a = torch.as_tensor(attention)
    if a.ndim == 3:
        a = a.mean(0)   # in the input's precision: cheaper than casting every head first
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"rollout needs square self-attention [heads, T, T] or [T, T], got {tuple(a.shape)}")
    return a.double()
