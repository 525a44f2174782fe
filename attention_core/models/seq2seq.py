"""Encoder–decoder translation models that differ only in their attention (Bahdanau; Luong global/local).

Shared parts: a bidirectional GRU encoder whose states are projected to the decoder size (so the dot
score works), a GRU decoder initialised from the encoder's final states, a joint source/target vocabulary.

* ``bahdanau`` scores the previous decoder state s_{t−1} with the additive score; the context is fed
  with the previous word into the GRU; the word is predicted from ``[s_t; c_t; e_{t−1}]``.
* ``luong-*`` and ``local-*`` score the current state h_t (after the GRU step) and predict from the
  attentional state ``h̃_t = tanh(W_c [c_t; h_t])``. Without input feeding, teacher forcing runs the GRU
  over the whole target at once; :meth:`Seq2Seq.step` gives the same attention one token at a time.

Optional (``lexicon_k > 0``, Arthur et al. 2016, "bias" form): a fixed lexical translation table t(y | x) over the
joint vocabulary, its ``lexicon_k`` most probable target tokens per source token, stored as buffers. Each step adds
``λ · log(p_lex(y) + ε)`` to the output logits, with ``p_lex(y) = Σ_j a_tj · t(y | x_j)`` weighted by the step's own
attention ``a_t`` — the attention decides which source words' translations are proposed. The weight λ
(``lexicon_weight``, 1 unless a model's config.json declares another, chosen on validation) is applied here, so
training, greedy and beam decoding, the page, the CLI and the scorers all use the same one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..mechanisms import GlobalAttention, LocalAttention
from .rare_words import RareWordRule

from .special_tokens import BOS, EOS, PAD, UNK  # the one convention

# Each builder gets (hidden, window D, the local models' score); the global ones fix their own score.
ATTENTIONS: dict[str, Callable[[int, int, str], nn.Module]] = {
    "bahdanau": lambda h, d, s: GlobalAttention(h, h, score="concat"),
    "luong-dot": lambda h, d, s: GlobalAttention(h, h, score="dot"),
    "luong-general": lambda h, d, s: GlobalAttention(h, h, score="general"),
    "luong-concat": lambda h, d, s: GlobalAttention(h, h, score="concat"),
    "local-m": lambda h, d, s: LocalAttention(h, h, width=d, alignment="monotonic", score=s),
    "local-p": lambda h, d, s: LocalAttention(h, h, width=d, alignment="predictive", score=s),
    "local-p-topk": lambda h, d, s: LocalAttention(h, h, width=d, alignment="predictive-topk", score=s,
                                                  top_k=2 * d + 1),
}
MECHANISM_LABELS = {
    "bahdanau": "Bahdanau (additive, sₜ₋₁)", "luong-dot": "Luong global · dot",
    "luong-general": "Luong global · general", "luong-concat": "Luong global · concat",
    "local-m": "Luong local-m", "local-p": "Luong local-p (Gaussian)",
    "local-p-topk": "Local-p top-k (completely predictive)",
}


@dataclass
class Encoded:
    """Encoder output for a batch: ``keys [B, S, h]``, ``mask [B, S]``, initial state ``[B, h]``."""

    keys: torch.Tensor
    mask: torch.Tensor
    init: torch.Tensor
    lexicon: torch.Tensor | None = None     # [B, S, V]: t(y | x_j) of each source token (lexicon models only)

    def expand(self, k: int) -> "Encoded":
        """The first sentence's encoding repeated for ``k`` beams (batch of 1 → ``k``)."""
        return Encoded(self.keys.expand(k, -1, -1), self.mask.expand(k, -1), self.init,
                       None if self.lexicon is None else self.lexicon.expand(k, -1, -1))


@dataclass
class StepOut:
    """One decoding step: log-probs ``[B, V]``, new state ``[B, h]``, weights ``[B, S]``, centres ``[B]`` or
    None, and (local attention) the content weights before the Gaussian ``[B, S]``."""

    logprobs: torch.Tensor
    state: torch.Tensor
    weights: torch.Tensor
    centers: torch.Tensor | None
    content: torch.Tensor | None = None


class Seq2Seq(nn.Module):
    """Bidirectional-GRU encoder, GRU decoder and one named attention mechanism."""

    def __init__(self, vocab_size: int, mechanism: str, emb: int = 128, hidden: int = 192,
                 width: int = 3, dropout: float = 0.2, local_score: str = "general", lexicon_k: int = 0,
                 lexicon_eps: float = 1e-3, lexicon_weight: float = 1.0) -> None:
        super().__init__()
        if mechanism not in ATTENTIONS:
            raise ValueError(f"unknown mechanism {mechanism!r}; choose from {sorted(ATTENTIONS)}")
        self.mechanism, self.hidden, self.width = mechanism, hidden, width
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=PAD)   # joint vocabulary: shared
        self.encoder = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.key_proj = nn.Linear(2 * hidden, hidden)
        self.init_proj = nn.Linear(2 * hidden, hidden)
        self.bahdanau = mechanism == "bahdanau"
        # nn.GRU runs the whole teacher-forced target in one call; a decoding step feeds it length 1.
        self.decoder = nn.GRU(emb + (hidden if self.bahdanau else 0), hidden, batch_first=True)
        self.attention = ATTENTIONS[mechanism](hidden, width, local_score)
        self.combine = nn.Linear((2 * hidden + emb) if self.bahdanau else 2 * hidden, hidden, bias=False)
        self.out = nn.Linear(hidden, vocab_size)
        self.drop = nn.Dropout(dropout)
        self.lexicon_eps = lexicon_eps
        self.lexicon_weight = float(lexicon_weight)   # λ on the lexical bias's log term
        # decode-time only (no weights): set from config.json by the loaders, applied by greedy and beam decoding
        self.rare_words: RareWordRule | None = None
        if lexicon_k:   # filled by set_lexicon (training) or load_state_dict (shipped weights)
            self.register_buffer("lexicon_index", torch.zeros(vocab_size, lexicon_k, dtype=torch.int32))
            self.register_buffer("lexicon_prob", torch.zeros(vocab_size, lexicon_k))

    @property
    def has_lexicon(self) -> bool:
        """True when the output layer is biased by the attention-weighted lexical translation probabilities."""
        return hasattr(self, "lexicon_index")

    def set_lexicon(self, index: torch.Tensor, prob: torch.Tensor) -> None:
        """Fill the lexicon: ``index [V, K]`` target token ids and ``prob [V, K]`` t(target | source token)."""
        self.lexicon_index.copy_(index)
        self.lexicon_prob.copy_(prob)

    def _source_lexicon(self, src: torch.Tensor) -> torch.Tensor | None:
        """``src [B, S]`` → each source token's lexical translation distribution ``[B, S, V]`` (None without one)."""
        if not self.has_lexicon:
            return None
        table = torch.zeros(*src.shape, self.out.out_features, device=src.device)
        return table.scatter_(2, self.lexicon_index[src].long(), self.lexicon_prob[src])

    def _with_lexicon(self, logits: torch.Tensor, weights: torch.Tensor, enc: Encoded) -> torch.Tensor:
        """``logits [B, T, V]`` plus ``λ · log(Σ_j a_tj t(y | x_j) + ε)`` for ``weights [B, T, S]`` (one step: ``[B, V]``
        and ``[B, S]``); unchanged without a lexicon."""
        if enc.lexicon is None:
            return logits
        one_step = weights.dim() == 2
        bias = self.lexicon_weight * torch.log(torch.bmm(weights[:, None] if one_step else weights, enc.lexicon)
                                               + self.lexicon_eps)
        return logits + (bias[:, 0] if one_step else bias)

    @property
    def is_local(self) -> bool:
        """True for the local-attention variants (they have centres p_t)."""
        return isinstance(self.attention, LocalAttention)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor, src_embedded: torch.Tensor | None = None) -> Encoded:
        """``src [B, S]`` token ids with ``lengths [B]`` → :class:`Encoded`; ``src_embedded [B, S, emb]``
        replaces the source embeddings (attribution interpolates them; the target keeps its own)."""
        emb = self.drop(self.embed(src) if src_embedded is None else src_embedded)
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, last = self.encoder(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        init = torch.tanh(self.init_proj(torch.cat([last[0], last[1]], -1)))
        return Encoded(self.key_proj(out), src != PAD, init, self._source_lexicon(src))

    def _attend(self, query: torch.Tensor, enc: Encoded, positions: torch.Tensor | None,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``query [B, T, h]`` → context ``[B, T, h]``, weights ``[B, T, S]``, centres ``[B, T]`` or None."""
        if self.is_local:
            return self.attention(query, enc.keys, enc.mask, positions=positions, return_centers=True)
        ctx, w = self.attention(query, enc.keys, enc.mask)
        return ctx, w, None

    def forward(self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor,
                src_embedded: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Teacher forcing: ``tgt_in [B, T]`` (BOS + target) → log-probs ``[B, T, V]``, weights ``[B, T, S]``, centres."""
        enc = self.encode(src, lengths, src_embedded)
        emb = self.drop(self.embed(tgt_in))
        if self.bahdanau:
            state, logits, weights = enc.init, [], []
            for t in range(tgt_in.shape[1]):
                out = self._step_bahdanau(emb[:, t], state, enc)
                state = out.state
                logits.append(out.logprobs)
                weights.append(out.weights)
            return torch.stack(logits, 1), torch.stack(weights, 1), None
        H, _ = self.decoder(emb, enc.init[None])                                # [B, T, h]
        ctx, w, centers = self._attend(H, enc, None)
        logits = self._with_lexicon(self.out(self.drop(torch.tanh(self.combine(torch.cat([ctx, H], -1))))), w, enc)
        return torch.log_softmax(logits, -1), w, centers

    def _cell(self, inp: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """One GRU step: ``inp [B, e]``, ``state [B, h]`` → ``[B, h]``."""
        return self.decoder(inp[:, None], state[None])[1][0]

    def _step_bahdanau(self, emb_prev: torch.Tensor, state: torch.Tensor, enc: Encoded) -> StepOut:
        ctx, w, _ = self._attend(state[:, None], enc, None)                     # score s_{t-1}
        ctx, w = ctx[:, 0], w[:, 0]
        new = self._cell(torch.cat([emb_prev, ctx], -1), state)
        hidden = torch.tanh(self.combine(torch.cat([new, ctx, emb_prev], -1)))
        logits = self._with_lexicon(self.out(self.drop(hidden)), w, enc)
        return StepOut(torch.log_softmax(logits, -1), new, w, None)

    def step(self, prev: torch.Tensor, state: torch.Tensor, enc: Encoded, t: int) -> StepOut:
        """One decoding step from previous tokens ``prev [B]`` at target position ``t``."""
        emb = self.embed(prev)
        if self.bahdanau:
            return self._step_bahdanau(emb, state, enc)
        new = self._cell(emb, state)
        positions = torch.full((prev.shape[0], 1), t, device=prev.device, dtype=torch.long)
        content = None
        if self.is_local:
            ctx, w, centers, content = self.attention(new[:, None], enc.keys, enc.mask, positions=positions,
                                                      return_centers=True, return_content=True)
            centers, content = centers[:, 0], content[:, 0]
        else:
            ctx, w, centers = self._attend(new[:, None], enc, positions)
        logits = self._with_lexicon(self.out(torch.tanh(self.combine(torch.cat([ctx[:, 0], new], -1)))), w[:, 0], enc)
        return StepOut(torch.log_softmax(logits, -1), new, w[:, 0], centers, content)
