"""Hierarchical attention (Yang et al. 2016): words inside sentences, then sentences in a document."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .masking import masked_softmax
from .weight_hooks import HookableWeights


class ContextAttention(HookableWeights, nn.Module):
    """Attention against a learned context vector: ``u = tanh(W h + b)``, ``α = softmax(uᵀ u_ctx)``."""

    def __init__(self, dim: int, attn_dim: int | None = None) -> None:
        super().__init__()
        attn_dim = attn_dim or dim
        self.proj = nn.Linear(dim, attn_dim)
        self.context = nn.Parameter(torch.randn(attn_dim) / attn_dim ** 0.5)

    def forward(self, states: torch.Tensor, mask: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``states [N, T, dim]``, ``mask [N, T]`` → ``(pooled [N, dim], weights [N, T])``."""
        scores = torch.tanh(self.proj(states)) @ self.context          # [N, T]
        weights = self.hooked(masked_softmax(scores, mask), mask)
        return torch.bmm(weights[:, None, :], states).squeeze(1), weights


class HierarchicalAttention(nn.Module):
    """Word attention within each sentence, then sentence attention over the document.

    ``sentence_encoder`` (optional; e.g. a bidirectional GRU wrapper) maps the sentence vectors
    ``[B, S, word_dim]`` to ``[B, S, sentence_dim]`` between the two levels, as in the paper.
    """

    def __init__(self, word_dim: int, sentence_dim: int | None = None, attn_dim: int | None = None,
                 sentence_encoder: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> None:
        super().__init__()
        sentence_dim = sentence_dim or word_dim
        if sentence_encoder is None and sentence_dim != word_dim:
            raise ValueError("sentence_dim differs from word_dim but no sentence_encoder maps between them")
        self.word_attention = ContextAttention(word_dim, attn_dim)
        self.sentence_attention = ContextAttention(sentence_dim, attn_dim)
        self.sentence_encoder = sentence_encoder

    def forward(self, word_states: torch.Tensor, word_mask: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``word_states [B, S, W, d]``, ``word_mask [B, S, W]`` → ``(document [B, d_s], word_weights [B, S, W], sentence_weights [B, S])``."""
        batch, sents, words, dim = word_states.shape
        if word_mask is None:
            word_mask = torch.ones(batch, sents, words, dtype=torch.bool, device=word_states.device)
        word_mask = word_mask.bool()
        flat_mask = word_mask.reshape(batch * sents, words)
        sent_vecs, word_w = self.word_attention(word_states.reshape(batch * sents, words, dim), flat_mask)
        sent_vecs = sent_vecs.reshape(batch, sents, dim)
        sent_mask = word_mask.any(-1)                                   # a sentence is real if any word is
        if self.sentence_encoder is not None:
            sent_vecs = self.sentence_encoder(sent_vecs, sent_mask)
        document, sent_w = self.sentence_attention(sent_vecs, sent_mask)
        return document, word_w.reshape(batch, sents, words), sent_w
