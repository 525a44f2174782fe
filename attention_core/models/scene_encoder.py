"""A small learned convolutional encoder for the composed scenes: grayscale 224 × 224 → a 7 × 7 grid of regions.

The captioners read scenes of clothing items and digits; a frozen ImageNet network named those items right
only about 60 % of the time, so the caption models carry their own encoder, pretrained on the training
split's items (``training.scene_encoder``) to make every grid cell's feature say which item covers it.
Every encoder takes the 224 × 224 grayscale scene. The base stages read it halved (112 × 112: a 60–104 px
item loses nothing it needs there, and the convolutions cost a quarter); four stride-2 stages give the 7 × 7
grid, one region per 32 × 32 cell of the 224 image — the grid the attention views draw. A 30 px item is only
15 px at 112, so an encoder with a ``stem`` (issue 20 item 3) also reads the full 224 image: a cheap stride-2
stem whose channels sit beside the halved image at the first stage's input, so fine detail reaches the same
stages and the grid stays 7 × 7. The shipped encoder is ``local`` (1 × 1
convolutions at the grid, see :class:`SceneEncoder`), so a region only describes what lies on or next to it.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ..checkpoint import load_checkpoint
from ..device import resolve_device

SCENE_SIDE = 224                         # pixels of the scene every encoder takes
READ_SIDE = 112                          # pixels the base stages read (the 224 scene halved)
GRID = (7, 7)
MEAN, STD = 0.1, 0.25                    # dark scenes: roughly the training scenes' pixel statistics
BLACK = -MEAN / STD                      # a background pixel, normalised: inputs are clipped here
RING = 3                                 # pixels of the border whose median is the background level
DEFAULT_WIDTHS = (32, 64, 128, 192)
_LOCK = threading.Lock()


def _block(cin: int, cout: int, stride: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class SceneEncoder(nn.Module):
    """Fully convolutional: ``[B, 1, 224, 224]`` → ``[B, C, 7, 7]``; the scene halved, then each stage halves
    the side (stride 32 over the scene).

    ``local=True`` makes the convolutions after the last stride-2 one 1 × 1: a region then sees 59 px of the
    112 image (its own 16 px cell and about a cell around it) instead of 123 px — the whole scene — so an empty
    cell cannot carry its neighbour's identity and the decoder has to look at the item itself. ``stem`` > 0
    adds that many channels read from the full 224 image (3 × 3 stride-2 then 3 × 3 convolutions, 7 px of the
    scene each) beside the halved image at the first stage's input."""

    def __init__(self, widths: tuple[int, ...] = DEFAULT_WIDTHS, classes: int = 20, local: bool = False,
                 stem: int = 0) -> None:
        super().__init__()
        self.stem = nn.Sequential(_block(1, stem, 2), _block(stem, stem, 1)) if stem else None
        layers, cin = [], 1 + stem
        late = 1 if local else 3         # kernel of the convolutions at the 7 × 7 grid
        for i, w in enumerate(widths):   # stage = stride-2 conv then a stride-1 conv
            layers += [_block(cin, w, 2), _block(w, w, 1, late if i == len(widths) - 1 else 3)]
            cin = w
        layers.append(_block(cin, cin, 1, late))   # one more conv at 7 × 7 (3 × 3: a cell sees its neighbours)
        self.body = nn.Sequential(*layers)
        self.dim = cin
        # Pretraining head only: per-cell item class (+1 = background); the captioners read ``body``.
        self.head = nn.Conv2d(cin, classes + 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, 1, 224, 224]`` → feature grid ``[B, C, 7, 7]``."""
        half = F.interpolate(x, size=(READ_SIDE, READ_SIDE), mode="bilinear", antialias=True,
                             align_corners=False).clamp_min(BLACK)
        return self.body(half if self.stem is None else torch.cat([half, self.stem(x.clamp_min(BLACK))], 1))

    def regions(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, 1, 224, 224]`` → region features ``[B, 49, C]`` (row-major over the 7 × 7 grid)."""
        return self(x).flatten(2).transpose(1, 2)


def scene_pixels(image: Image.Image) -> np.ndarray:
    """Any image → uint8 ``[224, 224]`` grayscale (resized to a square, as the views do)."""
    gray = image.convert("L")
    if gray.size != (SCENE_SIDE, SCENE_SIDE):
        gray = gray.resize((SCENE_SIDE, SCENE_SIDE), Image.BILINEAR)
    return np.asarray(gray)


def scene_tensor(image: Image.Image) -> torch.Tensor:
    """Any image → ``[1, 224, 224]`` normalised grayscale."""
    return scene_batch(scene_pixels(image)[None])[0]


def background_first(pixels: torch.Tensor) -> torch.Tensor:
    """Grey levels ``[B, H, W]`` (0–255) → the same scenes on a black background: the background level is the
    median of the outer :data:`RING` pixels of the scene 2 × 2-averaged (the base stages' side: averaging first
    makes the level of a noisy background its mean, not zero); a light background (> 127) is inverted, then the
    level subtracted. Not clipped at black here: the encoder clips after
    halving (:meth:`SceneEncoder.forward`), so pixel noise is averaged before it is rectified.

    Issue 20 item 3: the polarity and level of the background carry no object identity, so the encoder reads
    every scene as objects brighter than their background — an inverted scene becomes exactly its original, and
    a training scene (black background, level 0) is unchanged."""
    half = F.avg_pool2d(pixels[:, None], 2)[:, 0]
    ring = torch.cat([half[:, :RING].flatten(1), half[:, -RING:].flatten(1),
                      half[:, RING:-RING, :RING].flatten(1), half[:, RING:-RING, -RING:].flatten(1)], 1)
    level = ring.median(1).values[:, None, None]
    light = level > 127
    pixels = torch.where(light, 255.0 - pixels, pixels)
    return pixels - torch.where(light, 255.0 - level, level)


def scene_batch(images: np.ndarray, background: bool = True) -> torch.Tensor:
    """uint8 ``[B, 224, 224]`` (:func:`scene_pixels`) → background-first (:func:`background_first`; off
    with ``background=False``: the input as read before issue 20), normalised ``[B, 1, 224, 224]``."""
    pixels = torch.from_numpy(np.asarray(images, dtype=np.float32))   # a float copy: PIL arrays are read-only
    return (((background_first(pixels) if background else pixels) / 255.0 - MEAN) / STD)[:, None]


def load_scene_encoder(folder: str | Path, device: str = "auto") -> SceneEncoder:
    """The encoder saved in ``folder`` (``model.safetensors`` + ``config.json``), in eval mode on ``device``."""
    state, config = load_checkpoint(folder)
    net = SceneEncoder(tuple(config["widths"]), config.get("classes", 20), config.get("local", False),
                       config.get("stem", 0))
    net.load_state_dict(state)
    return net.to(resolve_device(device)).eval()


@lru_cache(maxsize=None)
def shared_scene_encoder(folder: str, device: str = "auto") -> SceneEncoder:
    """One loaded encoder per (folder, device), shared by the soft and hard captioners."""
    with _LOCK:
        return load_scene_encoder(folder, device)
