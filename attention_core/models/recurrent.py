"""Running a batch-first recurrent layer (GRU or LSTM) over padded, masked inputs."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def packed_rnn(module: nn.GRU | nn.LSTM, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Run ``module`` over ``x [N, T, d]`` whose real tokens form a prefix given by ``mask [N, T]``.

    Returns ``[N, T, out]`` with padded positions zeroed; all-padding rows give zeros. The mask must be a
    left-aligned prefix per row (padding only at the end): packing uses ``mask.sum()`` as the length.
    """
    lengths = mask.sum(-1).clamp(min=1).cpu()
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, _ = module(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out * mask[..., None]


def left_align(ids: torch.Tensor, pad: int) -> torch.Tensor:
    """Move each row's non-PAD entries to its front, order kept: ``ids [N, T]`` → ``[N, T]``.

    A flattened ``[B, S, W]`` document grid has PAD between sentences; packing by length would then read
    PAD and drop real words at the end.
    """
    order = torch.sort((ids == pad).to(torch.int8), dim=1, stable=True).indices
    return ids.gather(1, order)
