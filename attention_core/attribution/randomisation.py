"""Model-randomisation check (Adebayo et al. 2018): do the maps change when the weights are destroyed?

The model's blocks are re-initialised cumulatively from the top (the output layer) down to the embeddings,
and at each stage every map of an input — attention as the family offers it, gradient × input, integrated
gradients — is compared with the trained model's by Spearman ρ over the removable positions (|·| for the
attributions, whose sign a random model flips freely; a translator: per generated token, then averaged). A
map that stays close to the trained one while the weights it should explain are gone is not explaining them.
The weights are restored after every input (``randomised`` is a context manager).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import torch
from scipy import stats
from torch import nn

# top (output) → bottom (embeddings): attribute paths inside ``explainer.model``, by mechanism
CASCADES: dict[str, list[tuple[str, list[str]]]] = {
    "structured": [("classifier (MLP)", ["mlp"]), ("attention (W_s1, W_s2)", ["attention"]),
                   ("BiLSTM", ["lstm"]), ("embedding projection", ["embed.proj"])],
    "hierarchical": [("classifier", ["classifier"]), ("sentence attention", ["han.sentence_attention"]),
                     ("sentence GRU", ["han.sentence_encoder"]), ("word attention", ["han.word_attention"]),
                     ("word GRU", ["word_gru"]), ("embedding projection", ["embed.proj"])],
    "translation": [("output layer", ["out", "combine"]), ("attention", ["attention"]), ("decoder GRU", ["decoder"]),
                    ("encoder → decoder bridge", ["key_proj", "init_proj"]), ("encoder GRU", ["encoder"]),
                    ("embeddings", ["embed"])],
    # MiniLM + its sentiment head, held as {"head", "fast", "eager"} (see heldout_randomisation.minilm_parts)
    "minilm": [("sentiment head", ["head"])] + [(f"layer {i + 1}", [f"fast.encoder.layer.{i}"]) for i in range(5, -1, -1)]
              + [("embeddings", ["fast.embeddings"])],
    # DINOv2-S (Hugging Face Dinov2Model): the final LayerNorm, its 12 blocks, then patch + position embeddings
    "vision": [("final layer norm", ["layernorm"])] + [(f"layer {i + 1}", [f"encoder.layer.{i}"]) for i in range(11, -1, -1)]
              + [("embeddings", ["embeddings"])],
}


def reinitialise(module: nn.Module, seed: int) -> None:
    """New weights for every parameter under ``module``, drawn as at construction: each submodule's own
    ``reset_parameters`` (Linear, GRU, LSTM, LayerNorm, Embedding: PyTorch's initialisers) under a seeded
    generator; a parameter no submodule resets (HAN's context vectors) from N(0, 1/size), as it was created."""
    covered: set[int] = set()
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        for sub in module.modules():
            reset = getattr(sub, "reset_parameters", None)
            if callable(reset):
                reset()
                covered.update(id(p) for p in sub.parameters())
        for p in module.parameters():
            if id(p) not in covered:
                p.copy_(torch.randn(p.shape).to(p.device, p.dtype) / math.sqrt(max(p.numel(), 1)))


def _find(model: nn.Module, path: str) -> nn.Module:
    out = model
    for part in path.split("."):
        out = getattr(out, part)
    return out


@contextmanager
def randomised(model: nn.Module, cascade: list[tuple[str, list[str]]], stages: int, seed: int = 0,
               ) -> Iterator[None]:
    """While active, the first ``stages`` blocks of ``cascade`` (top first) hold fresh random weights; the
    trained weights come back on exit."""
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    try:
        for s, (_, paths) in enumerate(cascade[:stages]):
            for j, path in enumerate(paths):
                reinitialise(_find(model, path), seed * 1000 + s * 10 + j)
        yield
    finally:
        model.load_state_dict(saved)


def spearman_rows(a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> float | None:
    """Mean over rows of Spearman ρ between ``a [R, P]`` and ``b [R, P]`` on the ``keep`` positions (None when
    undefined: constant rows)."""
    values = []
    for x, y in zip(a, b):
        x, y = x[keep], y[keep]
        if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
            continue
        values.append(float(stats.spearmanr(x, y).statistic))
    return float(np.mean(values)) if values else None


def compare(original: dict[str, np.ndarray], now: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, float | None]:
    """ρ between the trained and the randomised model's map of every kind (|·| for attributions)."""
    out = {}
    for name, before in original.items():
        after = now[name]
        if not name.startswith("attention"):
            before, after = np.abs(before), np.abs(after)
        out[name] = spearman_rows(before, after, keep)
    return out


def cascade_record(model: nn.Module, maps_of: Callable[[], tuple[dict[str, np.ndarray], np.ndarray]],
                   cascade: list[tuple[str, list[str]]], seed: int) -> dict[str, Any]:
    """One input through every stage: ``maps_of()`` → (maps by kind ``[R, P]``, removable positions ``[P]``)."""
    original, keep = maps_of()
    rec: dict[str, Any] = {"stages": [name for name, _ in cascade], "rho": []}
    for stage in range(1, len(cascade) + 1):
        with randomised(model, cascade, stage, seed):
            now, _ = maps_of()
        rec["rho"].append(compare(original, now, keep))
    return rec
