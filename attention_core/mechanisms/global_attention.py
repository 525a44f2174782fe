"""Global (soft) attention over every source state (Bahdanau 2015; Luong 2015)."""
from __future__ import annotations

import torch
from torch import nn

from .masking import masked_softmax
from .scores import make_score
from .weight_hooks import HookableWeights


class GlobalAttention(HookableWeights, nn.Module):
    """Soft attention of each query over all keys with a named score function.

    ``score`` is one of ``"dot"``, ``"general"``, ``"concat"`` (additive) or ``"scaled_dot"``.
    The values are the keys themselves (the source states), as in Bahdanau and Luong.
    """

    def __init__(self, query_dim: int, key_dim: int, score: str = "dot", hidden: int | None = None) -> None:
        super().__init__()
        self.query_dim, self.key_dim, self.score_name = query_dim, key_dim, score
        self.score = make_score(score, query_dim, key_dim, hidden)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """Raw scores ``[B, Tq, Tk]`` before masking and softmax."""
        return self.score.dense(self.score.project_queries(query), self.score.project_keys(keys))

    def forward(self, query: torch.Tensor, keys: torch.Tensor,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``query [B, Tq, dq]``, ``keys [B, Tk, dk]``, ``mask [B, Tk]`` → ``(context [B, Tq, dk], weights [B, Tq, Tk])``."""
        scores = self.scores(query, keys)
        key_mask = None if mask is None else mask[:, None, :]
        weights = self.hooked(masked_softmax(scores, key_mask), key_mask)
        return torch.bmm(weights, keys), weights
