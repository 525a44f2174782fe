"""Does a vision transformer's [CLS] attention fall on the objects? Scored against masks known by construction.

The composed caption scenes (:mod:`attention_core.data.scenes`) paste each object on a black canvas, so its
exact pixels are known: an object's mask is its non-black pixels inside its box. A [CLS] attention map over
the patch grid ``[h, w]`` is scored two ways:

* **Jaccard at 60 % mass** (as DINO, Caron et al. 2021, scored its [CLS] maps): keep the most-attended patches
  until they hold 60 % of the map's mass, paint them onto the pixels, and take the Jaccard index with the mask;
* **mass inside** — the share of the map's mass on the object's pixels (each patch counts by the share of its
  pixels that are object).

Reference maps, scored the same way: uniform, a centred Gaussian (the centre prior) and a seeded random map.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

MASS = 0.6


def object_mask(scene: dict, size: int = 224) -> np.ndarray:
    """The union of the scene's object pixels ``[size, size]`` (bool): non-black pixels inside each box."""
    grey = np.asarray(scene["image"].convert("L"), dtype=np.uint8)
    inside = np.zeros_like(grey, dtype=bool)
    for obj in scene["objects"]:
        x0, y0, x1, y1 = obj["box"]
        inside[y0:y1, x0:x1] = True
    mask = inside & (grey > 0)
    if mask.shape != (size, size):
        mask = np.asarray(Image.fromarray(mask).resize((size, size), Image.NEAREST))
    return mask


def on_photo(scene: dict, photo: Image.Image) -> Image.Image:
    """The scene's objects pasted onto ``photo`` (resized to the scene): object pixels from the scene, the rest
    from the photo — the same mask, a real background."""
    image = scene["image"].convert("RGB")
    background = np.asarray(photo.convert("RGB").resize(image.size, Image.BICUBIC))
    mask = object_mask(scene, image.size[0])
    out = np.where(mask[..., None], np.asarray(image), background)
    return Image.fromarray(out.astype(np.uint8))


def patch_shares(mask: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Share of each patch's pixels that are object ``[h, w]`` (the image split evenly into the grid)."""
    h, w = grid
    rows = np.array_split(np.arange(mask.shape[0]), h)
    cols = np.array_split(np.arange(mask.shape[1]), w)
    return np.array([[mask[np.ix_(r, c)].mean() for c in cols] for r in rows])


def kept_patches(attention: np.ndarray, mass: float = MASS) -> np.ndarray:
    """The most-attended patches that together hold ``mass`` of the map (bool ``[h, w]``; ties in reading order)."""
    flat = np.asarray(attention, dtype=np.float64).reshape(-1)
    order = np.argsort(-flat, kind="stable")
    total = flat.sum()
    cumulative = np.cumsum(flat[order]) / (total if total > 0 else 1.0)
    count = int(np.searchsorted(cumulative, mass - 1e-12) + 1)
    keep = np.zeros(flat.shape, dtype=bool)
    keep[order[:count]] = True
    return keep.reshape(attention.shape)


def to_pixels(patches: np.ndarray, size: int) -> np.ndarray:
    """A patch-grid mask painted onto ``size × size`` pixels (each patch its block)."""
    h, w = patches.shape
    rows = np.repeat(np.arange(h), [len(a) for a in np.array_split(np.arange(size), h)])
    cols = np.repeat(np.arange(w), [len(a) for a in np.array_split(np.arange(size), w)])
    return patches[np.ix_(rows, cols)]


def jaccard(attention: np.ndarray, mask: np.ndarray, mass: float = MASS) -> float:
    """Jaccard index between the map's ``mass`` region (on the pixels) and the object mask."""
    region = to_pixels(kept_patches(attention, mass), mask.shape[0])
    union = (region | mask).sum()
    return float((region & mask).sum() / union) if union else 0.0


def mass_inside(attention: np.ndarray, mask: np.ndarray) -> float:
    """Share of the map's mass on object pixels."""
    share = patch_shares(mask, attention.shape)
    total = float(np.sum(attention))
    return float(np.sum(attention * share) / total) if total > 0 else 0.0


def reference_maps(grid: tuple[int, int], seed: list[int]) -> dict[str, np.ndarray]:
    """Uniform, centre prior (Gaussian, sd = a quarter of the side) and seeded random maps ``[h, w]``."""
    h, w = grid
    y, x = np.mgrid[0:h, 0:w]
    centre = np.exp(-(((y - (h - 1) / 2) / (h / 4)) ** 2 + ((x - (w - 1) / 2) / (w / 4)) ** 2) / 2)
    return {"uniform": np.ones(grid), "centre prior": centre,
            "random": np.random.default_rng(seed).random(grid)}
