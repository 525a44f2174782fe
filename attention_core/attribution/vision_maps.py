"""A vision transformer's patch maps for one image: [CLS] attention, gradient × input, integrated gradients.

DINOv2 has no classifier, so the attributions explain one scalar: the projection of the image's [CLS]
embedding (``pooler_output``) onto a fixed direction ``u`` — the trained model's [CLS] embedding of the same
image, kept fixed while the weights are randomised, so every stage explains the same quantity. Pixel
attributions are summed over channels and over each patch's pixels (one value per patch, ``[h, w]``).
Integrated gradients (captum) starts from the all-zero normalised image (the ImageNet mean colour).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

IG_STEPS = 8


def _forward(model: Any, pixels: torch.Tensor, attentions: bool = False) -> Any:
    return model(pixel_values=pixels, output_attentions=attentions)


def cls_direction(explainer: Any, image: Any, size: int) -> torch.Tensor:
    """The image's [CLS] embedding ``[d]`` under the model's current weights (the fixed target direction)."""
    with torch.no_grad():
        batch = explainer.pixels(image, size)[None].to(explainer.device)
        return _forward(explainer.model, batch).pooler_output[0].detach()


def per_patch(values: torch.Tensor, patch: int) -> np.ndarray:
    """Pixel attributions ``[3, H, W]`` → the sum over channels and over each patch ``[H/patch, W/patch]``."""
    summed = values.sum(0)
    h, w = summed.shape[0] // patch, summed.shape[1] // patch
    return summed.reshape(h, patch, w, patch).sum((1, 3)).double().cpu().numpy()


def patch_maps(explainer: Any, image: Any, direction: torch.Tensor, size: int,
               ig_steps: int = IG_STEPS) -> dict[str, np.ndarray]:
    """Maps ``[1, h·w]`` by name: last layer's [CLS] row (head mean), the [CLS] rollout row (½A + ½I), gradient ×
    input and integrated gradients (``ig_steps`` points; none when 0) of ⟨[CLS] embedding, ``direction``⟩."""
    from captum.attr import IntegratedGradients

    from ..rollout import attention_rollout
    model, patch = explainer.model, explainer.patch
    x = explainer.pixels(image, size)[None].to(explainer.device)
    side = size // patch
    special = None

    def target(pixels: torch.Tensor) -> torch.Tensor:
        return _forward(model, pixels).pooler_output @ direction

    with torch.enable_grad():
        leaf = x.clone().requires_grad_(True)
        out = _forward(model, leaf, attentions=True)
        (grad,) = torch.autograd.grad(out.pooler_output[0] @ direction, leaf)
    layers = [a[0].detach().float().cpu().numpy().astype(np.float64) for a in out.attentions]
    special = layers[0].shape[-1] - side * side
    maps = {"attention: last layer (head mean)": layers[-1][:, 0, special:].mean(0),
            "attention: rollout": attention_rollout(layers, 0.5, rows=[0])[0, special:],
            "grad×input": per_patch((grad * x)[0], patch).reshape(-1)}
    if ig_steps:
        ig = IntegratedGradients(target).attribute(x, baselines=torch.zeros_like(x), n_steps=ig_steps,
                                                   method="gausslegendre", internal_batch_size=ig_steps)
        maps["integrated-gradients"] = per_patch(ig[0].detach(), patch).reshape(-1)
    return {k: np.asarray(v, dtype=np.float64)[None] for k, v in maps.items()}


def value_aware_cls(explainer: Any, image: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """[CLS] rows over the patches: value norms per layer ``[L, h·w]`` (Kobayashi et al.) and the
    gradient-weighted rollout ``[h·w]`` (Chefer et al.) of ⟨[CLS] embedding, u⟩, u = that embedding (fixed)."""
    from .value_aware import value_aware_maps
    model = explainer.model
    x = explainer.pixels(image, size)[None].to(explainer.device)
    direction = cls_direction(explainer, image, size)

    def run() -> tuple[Any, torch.Tensor]:
        out = _forward(model, x.clone().requires_grad_(True), attentions=True)
        return out, out.pooler_output[0] @ direction
    norms, rollout = value_aware_maps(model, run)
    special = norms.shape[-1] - (size // explainer.patch) ** 2
    return norms[:, 0, special:], rollout[0, special:]
