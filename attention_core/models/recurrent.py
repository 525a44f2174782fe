"""Running a batch-first recurrent layer over padded sequences (GRU or LSTM), padding never read."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def run_masked(module: nn.RNNBase, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Run ``module`` over ``x [N, T, d]`` whose valid steps are a PREFIX given by ``mask [N, T]``
    → states ``[N, T, h]`` (zeros on padding and on empty rows).

    Packing by length makes each row's states independent of the other rows in the batch.
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
