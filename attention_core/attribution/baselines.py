"""Integrated-gradients baselines the model treats as neutral, and what the model says about a baseline.

IG's attributions add up to f(input) − f(baseline). A baseline the model itself reads as confident evidence
for one class (HAN classified its all-[PAD] document "sport" with p = 0.9995) leaves that class's inputs with
attributions summing to about 0, so the baseline is chosen by measure: one vector, put at every attributable
position, moved by Adam from a starting point (the mean of the input vocabulary's vectors) towards the
point where the model's output is closest to uniform, KL(uniform ‖ f(baseline)). What the model says about
the chosen baseline is returned with it, so it can be reported beside every table.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .inputs import AttributionInputs

NEUTRAL_STEPS = 60          # Adam steps at most (HAN: 1–7 s on 2 busy cores; Lin stops after ~30 short ones)
NEUTRAL_LR = 0.1
NEUTRAL_TOLERANCE = 0.05    # stop once the largest class probability is within this of 1 / C


def vocabulary_mean(layer: nn.Module) -> torch.Tensor | None:
    """The embedding layer's output for the mean of its vocabulary's vectors ``[e]`` (None when the layer
    has no table of its own: then the input's own mean is the start)."""
    with torch.no_grad():
        if isinstance(layer, nn.Embedding):
            return layer.weight.mean(0).detach()
        table = getattr(layer, "table", None)           # MiniLM's frozen word-piece table under a projection
        proj = getattr(layer, "proj", None)
        if isinstance(table, torch.Tensor) and proj is not None:
            return proj(table.mean(0)).detach()
    return None


def with_vector(inp: AttributionInputs, vector: torch.Tensor) -> torch.Tensor:
    """``inp``'s embeddings with ``vector [e]`` at every attributable position → ``[1, *shape, e]``."""
    where = inp.attributable[None, ..., None]
    return torch.where(where, vector.expand_as(inp.embeddings), inp.embeddings)


def neutral_baseline(inp: AttributionInputs, start: torch.Tensor | None = None, steps: int = NEUTRAL_STEPS,
                     lr: float = NEUTRAL_LR, tolerance: float = NEUTRAL_TOLERANCE,
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """The most neutral one-vector baseline found → ``(baseline [1, *shape, e], f(baseline) [R, C])``.

    ``start [e]`` defaults to the mean of the input's own attributable vectors. The best point seen (lowest
    largest-class probability, averaged over the explained rows) is returned, never a worse last step."""
    real = inp.embeddings[0][inp.attributable]                         # [n, e]
    if start is None:
        start = real.mean(0) if len(real) else torch.zeros(inp.embeddings.shape[-1], device=inp.embeddings.device)
    vector = start.detach().clone().to(inp.embeddings.device).requires_grad_(True)
    opt = torch.optim.Adam([vector], lr=lr)
    classes = None
    best: tuple[float, torch.Tensor, torch.Tensor] | None = None
    for _ in range(max(1, steps)):
        with torch.enable_grad():
            probs = inp.probabilities(with_vector(inp, vector))[0]    # [R, C]
            classes = probs.shape[-1]
            peak = float(probs.detach().max(-1).values.mean())
            if best is None or peak < best[0]:
                best = (peak, vector.detach().clone(), probs.detach())
            if peak <= 1.0 / classes + tolerance:
                break
            loss = -torch.log(probs.clamp_min(1e-12)).mean() - math.log(classes)   # KL(uniform ‖ p), per row
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert best is not None
    return with_vector(inp, best[1]).detach(), best[2]


def ig_start(inp: AttributionInputs) -> tuple[torch.Tensor, torch.Tensor]:
    """The baseline integrated gradients starts from for ``inp`` and f(baseline) ``[R, C]`` (computed once
    per inputs object: the neutral search is the expensive part)."""
    if "ig_start" not in inp.cache:
        if inp.ig_baseline == "neutral":
            inp.cache["ig_start"] = neutral_baseline(inp, inp.baseline_start)
        elif inp.ig_baseline == "padding":
            with torch.no_grad():
                inp.cache["ig_start"] = (inp.baseline, inp.probabilities(inp.baseline)[0])
        else:
            raise ValueError(f"unknown integrated-gradients baseline {inp.ig_baseline!r} (padding or neutral)")
    return inp.cache["ig_start"]
