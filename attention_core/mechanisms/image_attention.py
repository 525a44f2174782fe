"""Soft and hard attention over image regions (Xu et al. 2015, Show, Attend and Tell)."""
from __future__ import annotations

import torch
from torch import nn

from .masking import masked_softmax


class _RegionScorer(nn.Module):
    """``e_ti = vᵀ tanh(W_a a_i + W_h h_{t−1})`` — the additive f_att of the paper."""

    def __init__(self, feature_dim: int, state_dim: int, hidden: int) -> None:
        super().__init__()
        self.W_a = nn.Linear(feature_dim, hidden)
        self.W_h = nn.Linear(state_dim, hidden, bias=False)
        self.v = nn.Linear(hidden, 1, bias=False)

    def distribution(self, features: torch.Tensor, state: torch.Tensor,
                     mask: torch.Tensor | None) -> torch.Tensor:
        """``features [B, R, d]``, ``state [B, Tq, h]`` → α ``[B, Tq, R]``."""
        scores = self.v(torch.tanh(self.W_a(features)[:, None] + self.W_h(state)[:, :, None])).squeeze(-1)
        return masked_softmax(scores, None if mask is None else mask[:, None, :])


def _as_queries(state: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """Accept ``[B, h]`` (one decoding step) or ``[B, Tq, h]``; remember which."""
    return (state[:, None, :], True) if state.dim() == 2 else (state, False)


class SoftImageAttention(nn.Module):
    """Deterministic soft attention: the context is the expectation ``Σ_i α_i a_i``."""

    def __init__(self, feature_dim: int, state_dim: int, hidden: int = 256) -> None:
        super().__init__()
        self.scorer = _RegionScorer(feature_dim, state_dim, hidden)

    def forward(self, features: torch.Tensor, state: torch.Tensor, mask: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``features [B, R, d]``, ``state [B, h]`` or ``[B, Tq, h]`` → ``(context [B, (Tq,) d], α [B, (Tq,) R])``."""
        queries, squeeze = _as_queries(state)
        alpha = self.scorer.distribution(features, queries, mask)
        context = torch.bmm(alpha, features)
        return (context[:, 0], alpha[:, 0]) if squeeze else (context, alpha)


class HardImageAttention(nn.Module):
    """Stochastic hard attention: the context is one region ``a_s`` with ``s ~ Multinoulli(α)``.

    In training mode it samples; in eval mode it takes ``argmax α`` unless ``sample=True`` (then a
    ``generator`` makes it reproducible). The returned weights are always α, the distribution the
    region was drawn from; ``return_choice=True`` adds the chosen indices ``[B, (Tq)]`` (for REINFORCE).
    """

    def __init__(self, feature_dim: int, state_dim: int, hidden: int = 256) -> None:
        super().__init__()
        self.scorer = _RegionScorer(feature_dim, state_dim, hidden)

    def forward(self, features: torch.Tensor, state: torch.Tensor, mask: torch.Tensor | None = None,
                sample: bool | None = None, generator: torch.Generator | None = None,
                return_choice: bool = False) -> tuple[torch.Tensor, ...]:
        """``features [B, R, d]``, ``state [B, h]`` or ``[B, Tq, h]`` → ``(context, α[, choice])``."""
        queries, squeeze = _as_queries(state)
        alpha = self.scorer.distribution(features, queries, mask)          # [B, Tq, R]
        draw = self.training if sample is None else sample
        if draw:
            flat = alpha.reshape(-1, alpha.shape[-1])
            choice = torch.multinomial(flat, 1, generator=generator).reshape(alpha.shape[:2])
        else:
            choice = alpha.argmax(-1)
        index = choice[..., None].expand(-1, -1, features.shape[-1])
        context = torch.gather(features, 1, index)                        # [B, Tq, d]
        if squeeze:
            context, alpha, choice = context[:, 0], alpha[:, 0], choice[:, 0]
        return (context, alpha, choice) if return_choice else (context, alpha)
