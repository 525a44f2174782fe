"""Replacing a mechanism's attention weights at test time (uniform attention, erased items).

A mechanism that mixes in :class:`HookableWeights` passes its weights through :meth:`~HookableWeights.hooked`
right after the weights are final (masked softmax; local attention's window, Gaussian or top-k included) and
before the weighted sum, so a replacement changes what the model reads — not only what a view draws. The
mask says which keys a query may read (real positions; local attention: its window or kept top-k). A
mechanism called once per decoding step (Bahdanau) calls the hook once per step. :func:`replaced_weights` installs one replacement on every hookable mechanism of a
model for the duration of a ``with`` block.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import torch
from torch import nn

# (weights [..., keys], mask broadcastable to weights or None) → new weights of the same shape
WeightHook = Callable[[torch.Tensor, "torch.Tensor | None"], torch.Tensor]


class HookableWeights:
    """Mixin for attention modules: an optional hook may replace the weights before they are used.

    A hook applies only in the thread that installed it (a dashboard shares one model between sessions).
    """

    weight_hook: tuple[int, WeightHook] | None = None

    def hook_active(self) -> bool:
        """True when a hook installed by this thread will replace the weights."""
        installed = self.weight_hook
        return installed is not None and installed[0] == threading.get_ident()

    def hooked(self, weights: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """``weights`` unchanged, or the installed hook's replacement (same shape)."""
        if not self.hook_active():
            return weights
        return self.weight_hook[1](weights, mask)


def uniform_weights(weights: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Every real key gets 1 / (number of real keys); masked keys 0 (Wiegreffe & Pinter's frozen baseline)."""
    real = torch.ones_like(weights) if mask is None else mask.to(weights.dtype).expand_as(weights)
    return real / real.sum(-1, keepdim=True).clamp_min(1.0)


@contextmanager
def replaced_weights(model: nn.Module, hook: WeightHook,
                     where: Callable[[str, nn.Module], bool] | None = None) -> Iterator[list[str]]:
    """Install ``hook`` on every hookable attention module of ``model`` (optionally only those for which
    ``where(name, module)`` holds); yields the names of the modules it replaced, restores them on exit."""
    chosen = [(name, m) for name, m in model.named_modules()
              if isinstance(m, HookableWeights) and (where is None or where(name, m))]
    for _, m in chosen:
        m.weight_hook = (threading.get_ident(), hook)
    try:
        yield [name for name, _ in chosen]
    finally:
        for _, m in chosen:
            m.weight_hook = None
