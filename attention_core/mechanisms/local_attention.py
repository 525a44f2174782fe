"""Local attention (Luong et al. 2015): attend inside a window [p_t − D, p_t + D] around a centre p_t.

Three alignments, keyed by name:

* ``"monotonic"`` (local-m): ``p_t = t`` (the query's index, clipped to the last real source
  position so a target longer than its source still attends somewhere), or explicit ``positions``.
* ``"predictive"`` (local-p): ``p_t = S · sigmoid(v_pᵀ tanh(W_p h_t))`` with ``S`` the unmasked source
  length; the window softmax is multiplied by ``exp(-(s − p_t)² / (2σ²))``, ``σ = D/2``. As in the
  paper the product is **not** renormalised, so a row sums to at most 1 (``renormalize=True`` changes that).
* ``"predictive-topk"`` ("completely predictive"): the same ``p_t`` and Gaussian, but the content
  softmax runs over every source state and only the ``top_k`` largest products are kept, renormalised.

Positions outside the sequence (or masked) and outside the window get weight exactly 0.

Cost: the windowed alignments never build a ``[Tq, Tk]`` score matrix. They loop over the
``2D + 2`` slots of each query's window, gathering those keys for a chunk of queries at a time, so time
grows with ``Tq · D`` and memory with the chunk × ``D``, never with ``Tq · Tk`` (:meth:`LocalAttention.banded`). ``forward`` scatters the band into
a dense ``[B, Tq, Tk]`` map for views; pass ``dense=False`` to keep the banded form for long inputs.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .masking import masked_softmax
from .scores import make_score
from .weight_hooks import HookableWeights

ALIGNMENTS = ("monotonic", "predictive", "predictive-topk")
_CHUNK_ELEMENTS = 2 ** 19  # gathered-key elements per chunk of queries (~2 MB in float32)


class Band(NamedTuple):
    """Banded local attention: ``weights[b, t, j]`` is the weight of key ``start[b, t] + j``."""

    context: torch.Tensor  # [B, Tq, dk]
    weights: torch.Tensor  # [B, Tq, W]  (W = 2D + 2 slots; slots outside the window are 0)
    start: torch.Tensor    # [B, Tq] long: key index of slot 0 (may be negative)
    centers: torch.Tensor  # [B, Tq] float: p_t
    content: torch.Tensor  # [B, Tq, W]  the window softmax before local-p's Gaussian (= weights otherwise)
    inside: torch.Tensor   # [B, Tq, W] bool: the slot is a real key inside the window


class LocalAttention(HookableWeights, nn.Module):
    """Luong local attention; see the module docstring for the alignments.

    A weight hook (:mod:`.weight_hooks`) sees the dense ``[B, Tq, Tk]`` weights with the window (top-k: the kept
    positions) as its mask; while one is installed the context is the weighted sum of the hooked dense map.
    """

    def __init__(self, query_dim: int, key_dim: int, width: int = 5, alignment: str = "monotonic",
                 score: str = "general", top_k: int | None = None, hidden: int | None = None,
                 renormalize: bool = False) -> None:
        super().__init__()
        if alignment not in ALIGNMENTS:
            raise ValueError(f"unknown alignment {alignment!r}; choose from {ALIGNMENTS}")
        if width < 0:
            raise ValueError("width D must be >= 0")
        self.width, self.alignment, self.score_name = int(width), alignment, score
        self.top_k = int(top_k) if top_k is not None else 2 * self.width + 1
        self.renormalize = renormalize
        self.sigma = max(self.width / 2.0, 1e-3)  # σ = D/2 (guarded for D = 0)
        self.score = make_score(score, query_dim, key_dim, hidden)
        if alignment != "monotonic":
            hidden_p = hidden or query_dim
            self.W_p = nn.Linear(query_dim, hidden_p, bias=False)
            self.v_p = nn.Linear(hidden_p, 1, bias=False)

    # -- centres ---------------------------------------------------------------------------
    def centers(self, query: torch.Tensor, mask: torch.Tensor | None, source_len: int,
                positions: torch.Tensor | None = None) -> torch.Tensor:
        """The centres p_t ``[B, Tq]`` (float, in key index units)."""
        batch, tq, _ = query.shape
        lengths = (mask.sum(-1) if mask is not None
                   else torch.full((batch,), source_len, device=query.device)).to(query.dtype)
        if self.alignment == "monotonic":
            if positions is None:
                positions = torch.arange(tq, device=query.device)[None, :].expand(batch, tq)
            p = positions.to(query.dtype)
            return torch.minimum(p, (lengths - 1).clamp(min=0)[:, None])
        gate = torch.sigmoid(self.v_p(torch.tanh(self.W_p(query)))).squeeze(-1)  # [B, Tq]
        return lengths[:, None] * gate

    def gaussian(self, positions: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
        """``exp(-(s − p_t)² / (2σ²))`` for key positions broadcast against centres."""
        return torch.exp(-((positions - centers) ** 2) / (2 * self.sigma ** 2))

    # -- banded path -------------------------------------------------------------------------
    def banded(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None,
               positions: torch.Tensor | None = None) -> Band:
        """Windowed alignments in O(Tq · D) memory: ``query [B, Tq, dq]``, ``keys [B, Tk, dk]`` → :class:`Band`."""
        if self.alignment == "predictive-topk":
            raise ValueError("predictive-topk looks at every source state; it has no banded form")
        batch, tq, _ = query.shape
        tk = keys.shape[1]
        p = self.centers(query, mask, tk, positions)                      # [B, Tq]
        slots = 2 * self.width + 2                                        # covers [p-D, p+D] for real p
        start = torch.floor(p).long() - self.width                        # [B, Tq]
        q = self.score.project_queries(query)
        k = self.score.project_keys(keys)
        # Queries are processed in chunks so the gathered keys [B, chunk, W, e] stay a few MB whatever
        # the source length: memory follows the window, not Tk.
        chunk = max(1, _CHUNK_ELEMENTS // (batch * slots * max(k.shape[-1], keys.shape[-1])))
        offsets = torch.arange(slots, device=query.device)
        row_base = (torch.arange(batch, device=query.device) * tk)[:, None, None]
        flat_k, flat_v = k.reshape(batch * tk, -1), keys.reshape(batch * tk, -1)
        flat_mask = None if mask is None else mask.bool().reshape(-1)
        weight_chunks, context_chunks, content_chunks, inside_chunks = [], [], [], []
        for c0 in range(0, tq, chunk):
            c1 = min(tq, c0 + chunk)
            idx = start[:, c0:c1, None] + offsets                         # [B, c, W]
            p_c = p[:, c0:c1, None]
            inside = (idx >= 0) & (idx < tk) & ((idx.to(p.dtype) - p_c).abs() <= self.width)
            rows = (idx.clamp(0, tk - 1) + row_base).reshape(-1)
            if flat_mask is not None:
                inside = inside & flat_mask[rows].view_as(idx)
            k_w = flat_k[rows].view(*idx.shape, -1)                       # [B, c, W, e]
            scores = self.score.gathered(q[:, c0:c1, None, :], k_w)       # [B, c, W]
            weights = masked_softmax(scores, inside)
            content_chunks.append(weights)
            inside_chunks.append(inside)
            if self.alignment == "predictive":
                weights = weights * self.gaussian(idx.to(p.dtype), p_c)
                if self.renormalize:
                    weights = weights / weights.sum(-1, keepdim=True).clamp_min(1e-12)
            v_w = k_w if k is keys else flat_v[rows].view(*idx.shape, -1)
            context_chunks.append(torch.einsum("bcw,bcwd->bcd", weights, v_w))
            weight_chunks.append(weights)
        return Band(torch.cat(context_chunks, 1), torch.cat(weight_chunks, 1), start, p,
                    torch.cat(content_chunks, 1), torch.cat(inside_chunks, 1))

    # -- dense path --------------------------------------------------------------------------
    def _topk(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None,
              positions: torch.Tensor | None,
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        tk = keys.shape[1]
        p = self.centers(query, mask, tk, positions)
        scores = self.score.dense(self.score.project_queries(query), self.score.project_keys(keys))
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :].bool(), float("-inf"))
        s = torch.arange(tk, device=query.device, dtype=p.dtype)
        # log(content softmax over all s × Gaussian): working in logs keeps the renormalised top-k
        # weights exact even when the products underflow (a centre far from every strong position).
        log_content = torch.log_softmax(scores, -1)
        log_product = log_content - (s[None, None, :] - p[..., None]) ** 2 / (2 * self.sigma ** 2)
        k = min(self.top_k, tk)
        keep_idx = log_product.topk(k, dim=-1).indices
        keep = torch.zeros_like(log_product, dtype=torch.bool).scatter_(-1, keep_idx, True)
        if mask is not None:
            keep = keep & mask[:, None, :].bool()
        weights = self.hooked(masked_softmax(log_product, keep), keep)   # = product / Σ_kept product
        return torch.bmm(weights, keys), weights, p, log_content.exp()

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None,
                positions: torch.Tensor | None = None, return_centers: bool = False,
                return_content: bool = False) -> tuple[torch.Tensor, ...]:
        """``query [B, Tq, dq]``, ``keys [B, Tk, dk]``, ``mask [B, Tk]`` → ``(context [B, Tq, dk], weights [B, Tq, Tk])``.

        With ``return_centers=True`` a third item, the centres p_t ``[B, Tq]``, is returned.
        ``positions [B, Tq]`` overrides p_t = t for the monotonic alignment (e.g. one decoding step).
        With ``return_content=True`` the content weights ``[B, Tq, Tk]`` come last: the softmax of the
        scores before the Gaussian (over the window; over every position for top-k) — what a view
        draws beside the final weights, so nothing has to divide the Gaussian back out.
        """
        if self.alignment == "predictive-topk":
            context, weights, p, content = self._topk(query, keys, mask, positions)
        else:
            band = self.banded(query, keys, mask, positions)
            context, p = band.context, band.centers
            weights = band_to_dense(band, keys.shape[1])
            if self.hook_active():
                window = band_to_dense(band._replace(weights=band.inside.to(band.weights.dtype)), keys.shape[1]) > 0
                weights = self.hooked(weights, window)
                context = torch.bmm(weights, keys)
            content = band_to_dense(band._replace(weights=band.content), keys.shape[1]) if return_content else None
        out: tuple[torch.Tensor, ...] = (context, weights)
        if return_centers:
            out += (p,)
        if return_content:
            out += (content,)
        return out


def band_to_dense(band: Band, source_len: int) -> torch.Tensor:
    """Scatter banded weights ``[B, Tq, W]`` into a dense ``[B, Tq, Tk]`` map (zeros outside the window)."""
    batch, tq, slots = band.weights.shape
    idx = band.start[..., None] + torch.arange(slots, device=band.start.device)
    inside = (idx >= 0) & (idx < source_len)
    dense = band.weights.new_zeros(batch, tq, source_len + 1)  # last column collects outside slots
    dense.scatter_add_(-1, torch.where(inside, idx, source_len), band.weights * inside)
    return dense[..., :source_len]


def window_bounds(centers: torch.Tensor, width: int, source_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """First and last key index inside ``[p_t − D, p_t + D]`` clipped to the sequence, ``[B, Tq]`` each."""
    lo = torch.ceil(centers - width).clamp(min=0)
    hi = torch.floor(centers + width).clamp(max=source_len - 1)
    return lo.long(), hi.long()


