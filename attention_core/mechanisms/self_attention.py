"""Structured self-attentive sentence embedding (Lin et al. 2017)."""
from __future__ import annotations

import torch
from torch import nn

from .masking import masked_softmax
from .weight_hooks import HookableWeights


def redundancy(weights: torch.Tensor) -> torch.Tensor:
    """Hop overlap ``A Aᵀ`` ``[B, hops, hops]`` for ``weights [B, hops, T]``."""
    return torch.bmm(weights, weights.transpose(1, 2))


def frobenius_penalty(weights: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ``‖A Aᵀ − I‖²_F`` (squared, as in the paper) for ``weights [B, hops, T]``."""
    eye = torch.eye(weights.shape[1], device=weights.device, dtype=weights.dtype)
    return ((redundancy(weights) - eye) ** 2).sum(dim=(1, 2)).mean()


class StructuredSelfAttention(HookableWeights, nn.Module):
    """``A = softmax(W_s2 tanh(W_s1 Hᵀ))`` over tokens, ``M = A H``; ``hops`` rows of attention."""

    def __init__(self, dim: int, hidden: int, hops: int) -> None:
        super().__init__()
        self.hops = hops
        self.W_s1 = nn.Linear(dim, hidden, bias=False)
        self.W_s2 = nn.Linear(hidden, hops, bias=False)

    def forward(self, states: torch.Tensor, mask: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``states H [B, T, dim]``, ``mask [B, T]`` → ``(M [B, hops, dim], A [B, hops, T])``."""
        scores = self.W_s2(torch.tanh(self.W_s1(states))).transpose(1, 2)   # [B, hops, T]
        key_mask = None if mask is None else mask[:, None, :]
        weights = self.hooked(masked_softmax(scores, key_mask), key_mask)  # over tokens
        return torch.bmm(weights, states), weights

    @staticmethod
    def penalty(weights: torch.Tensor) -> torch.Tensor:
        """``‖A Aᵀ − I‖²_F`` averaged over the batch; see :func:`frobenius_penalty`."""
        return frobenius_penalty(weights)
