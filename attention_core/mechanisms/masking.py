"""Masked softmax: the mask is applied to the scores *before* normalising."""
from __future__ import annotations

import torch


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None, dim: int = -1) -> torch.Tensor:
    """Softmax of ``scores`` over ``dim`` where ``mask`` (True = real) is broadcastable to ``scores``.

    Masked entries get exactly 0 and each row sums to 1 over its real entries. A row with no real
    entry is all zeros (not NaN), so padding queries cannot poison a batch.
    """
    if mask is None:
        return torch.softmax(scores, dim=dim)
    mask = mask.to(torch.bool)
    # Filling with -inf before the softmax is what makes masked weights exactly 0; applying the
    # mask afterwards (a common bug) leaves the real weights summing to less than 1.
    filled = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(filled, dim=dim)
    # Rows that were all -inf come out NaN; they have no real key, so they attend to nothing.
    return torch.nan_to_num(weights, nan=0.0)


def lengths_to_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """``[batch]`` lengths → ``[batch, max_len]`` boolean mask, True for real positions."""
    max_len = int(lengths.max()) if max_len is None else max_len
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]
