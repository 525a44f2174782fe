"""A small learned convolutional encoder for the composed scenes: grayscale 224 × 224 → a 7 × 7 grid of regions.

The captioners read scenes of clothing items and digits; a frozen ImageNet network named those items right
only about 60 % of the time, so the caption models carry their own encoder, pretrained on the training
split's items (``training.scene_encoder``) to make every grid cell's feature say which item covers it.
The scene is read at 112 × 112 (half resolution: the items are 60–104 px, so nothing they need is lost
and the convolutions cost a quarter); four stride-2 stages give the 7 × 7 grid, one region per 32 × 32
cell of the 224 image — the grid the attention views draw. The shipped encoder is ``local`` (1 × 1
convolutions at the grid, see :class:`SceneEncoder`), so a region only describes what lies on or next to it.

A two-scale read (``scales`` in the encoder's ``config.json``, issue 20 item 3 round 5): the same convolutions
also read the scene at 224 px, where a 30-px item is as large as a 60-px one at 112; that 14 × 14 grid is
averaged 2 × 2 onto the 7 × 7 one and its features are concatenated to the 112-px ones (``[B, 49, 2C]``).
Round 6: ``"combine": "confident"`` lets the encoder choose the read per region instead — each region keeps the
features of the read whose pretraining head is the more confident there (``[B, 49, C]``, the shipped width), so
a decoder trained on the one-scale read can read it as it is. A captioner may declare its own read
(``encoder_read`` in its ``config.json``), overriding the encoder folder's.
Round 8 (reads for the head bias): ``"combine": "mean"`` averages the reads' features where a larger read may take
over (the head is linear, so its logits are averaged: a geometric mean of the reads' class probabilities), and
``"flip": true`` also reads the mirrored scene and averages each read's features with the mirrored-back ones.
Round 10 (reads for the head bias): ``"shift": [d, ...]`` reads every larger read (the only read of a one-scale
encoder) also translated by each (dy, dx) of the offsets (pixels of that read), maps each translated grid back by
(dy, dx) / 16 of a grid cell (bilinear) and averages them: the 16-px stride makes the features of a 30-px item depend
on where it falls against the cell grid. Without the key (or with offsets all 0) the read is as before.
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

READ_SIDE = 112                          # pixels the encoder reads (the 224 scene halved)
GRID = (7, 7)
MEAN, STD = 0.1, 0.25                    # dark scenes: roughly the training scenes' pixel statistics
RING = 3                                 # pixels of the border whose median is the background level
DEFAULT_WIDTHS = (32, 64, 128, 192)
COMBINES = ("concat", "confident", "mean")   # how a multi-scale encoder joins its reads (see SceneEncoder)
STRIDE = 16                              # input pixels per grid cell at every read
_LOCK = threading.Lock()


def _block(cin: int, cout: int, stride: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class SceneEncoder(nn.Module):
    """Fully convolutional: ``[B, 1, 112, 112]`` → ``[B, C, 7, 7]``; each stage halves the side (stride 16).

    ``local=True`` makes the convolutions after the last stride-2 one 1 × 1: a region then sees 59 px of the
    112 image (its own 16 px cell and about a cell around it) instead of 123 px — the whole scene — so an empty
    cell cannot carry its neighbour's identity and the decoder has to look at the item itself.

    ``scales`` (read sides, e.g. ``(112, 224)``): the input holds one channel per read at the largest side ``S``
    (:func:`scene_batch` with ``scales``: each read resized from the scene as the one-scale read is, then made
    background-first, a smaller one upscaled nearest-neighbour); the same convolutions read every scale, each
    grid is average-pooled to 7 × 7 and the features are concatenated, smallest scale first:
    ``[B, C · len(scales), 7, 7]``. The smallest read is exactly the one-scale encoder's input.

    ``combine="confident"`` (with several scales): per region, the features of the read whose head is the more
    confident there (largest softmax probability of an item class, background excluded, from that read's
    pooled logits; ties to the smaller read): ``[B, C, 7, 7]``. ``combine="mean"``: the reads' mean features
    where a larger read may take over (:func:`larger_read_allowed`), the smallest read's elsewhere.

    ``flip``: each read's grid is the mean of the scene's and the mirrored scene's (mirrored back).

    ``shift`` (offsets in pixels of the read): each larger read's grid (a one-scale encoder's only one) is the mean
    over every (dy, dx) of the offsets of the scene translated by (dy, dx) and its grid mapped back
    (:func:`shifted_grid`); the smallest of several reads, which gates the larger ones, is kept as it is."""

    def __init__(self, widths: tuple[int, ...] = DEFAULT_WIDTHS, classes: int = 20, local: bool = False,
                 scales: tuple[int, ...] = (READ_SIDE,), combine: str = "concat", gate: float = 0.0,
                 unsure: float = 1.0, isolated: int = 9, flip: bool = False, shift: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.scales = tuple(sorted(scales))
        if any(s % (STRIDE * GRID[0]) for s in self.scales):
            raise ValueError(f"every read side must be a multiple of {STRIDE * GRID[0]} px, not {self.scales}")
        if combine not in COMBINES:
            raise ValueError(f"combine must be one of {COMBINES}, not {combine!r}")
        self.combine = combine if len(self.scales) > 1 else "concat"
        self.gate, self.unsure, self.isolated, self.flip = gate, unsure, isolated, flip
        self.shift = tuple(int(d) for d in shift)
        self.read_side = self.scales[-1]
        layers, cin = [], 1
        late = 1 if local else 3         # kernel of the convolutions at the 7 × 7 grid
        for i, w in enumerate(widths):   # stage = stride-2 conv then a stride-1 conv
            layers += [_block(cin, w, 2), _block(w, w, 1, late if i == len(widths) - 1 else 3)]
            cin = w
        layers.append(_block(cin, cin, 1, late))   # one more conv at 7 × 7 (3 × 3: a cell sees its neighbours)
        self.body = nn.Sequential(*layers)
        self.width = cin                            # channels of one scale's grid (what ``head`` reads)
        self.dim = cin * (len(self.scales) if self.combine == "concat" else 1)   # a region as the captioners read it
        # Pretraining head only: per-cell item class (+1 = background); the captioners read ``body``.
        self.head = nn.Conv2d(cin, classes + 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, R, S, S]`` (``S`` = :attr:`read_side`, one channel per read as :func:`scene_batch` packs them)
        → feature grid ``[B, dim, 7, 7]``."""
        if len(self.scales) == 1:      # a lone read above 112 px (round 9: the bias encoder's 224) pooled to 7 × 7
            grid = self._shifted_read(x)
            return grid if grid.shape[-2:] == GRID else F.adaptive_avg_pool2d(grid, GRID)
        grids = []
        for k, side in enumerate(self.scales):
            xs = x[:, k:k + 1]
            if side != self.read_side:          # undo the packing's nearest-neighbour upscale exactly
                xs = F.avg_pool2d(xs, self.read_side // side)
            grid = self._read(xs) if k == 0 else self._shifted_read(xs)
            grids.append(grid if grid.shape[-2:] == GRID else F.adaptive_avg_pool2d(grid, GRID))
        if self.combine == "confident":
            return confident_read(torch.stack(grids, 1), self.head, self.gate, self.unsure, self.isolated)
        if self.combine == "mean":
            return mean_read(torch.stack(grids, 1), self.head, self.gate, self.unsure, self.isolated)
        return torch.cat(grids, 1)

    def _read(self, x: torch.Tensor) -> torch.Tensor:
        """One read ``[B, 1, S, S]`` → its grid ``[B, C, S/16, S/16]`` (with ``flip``: averaged with the mirrored read)."""
        grid = self.body(x)
        return grid if not self.flip else (grid + self.body(x.flip(-1)).flip(-1)) / 2

    def _shifted_read(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`_read` averaged over the translations of :attr:`shift` (each grid mapped back); as it is without."""
        offsets = [(dy, dx) for dy in self.shift for dx in self.shift]
        if not any(dy or dx for dy, dx in offsets):
            return self._read(x)
        return torch.stack([shifted_grid(self._read(translate(x, dy, dx)), dy, dx) for dy, dx in offsets]).mean(0)

    def regions(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, R, S, S]`` → region features ``[B, 49, dim]`` (row-major over the 7 × 7 grid)."""
        return self(x).flatten(2).transpose(1, 2)

    def region_logits(self, features: torch.Tensor) -> torch.Tensor:
        """Region features ``[B, 49, dim]`` (as :meth:`regions` gives them) → the head's logits ``[B, 49,
        classes + 1]``, from the first read's channels (the picked read's under ``combine="confident"``)."""
        grid = features.transpose(1, 2).reshape(features.shape[0], self.dim, *GRID)
        return self.cell_logits(grid).flatten(2).transpose(1, 2)

    def cell_logits(self, grid: torch.Tensor) -> torch.Tensor:
        """Feature grid ``[B, dim, 7, 7]`` → the pretraining head's logits ``[B, classes + 1, 7, 7]`` from the
        smallest scale's channels (the read the head was trained on)."""
        return self.head(grid[:, :self.width])


def translate(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Normalised scenes ``[B, 1, S, S]`` moved ``dy`` pixels down and ``dx`` right, the uncovered border filled with
    the background-first input's background level (0 grey → ``-MEAN / STD``)."""
    if not dy and not dx:
        return x
    pad = (max(dx, 0), max(-dx, 0), max(dy, 0), max(-dy, 0))
    moved = F.pad(x, pad, value=-MEAN / STD)
    side_y, side_x = x.shape[-2:]
    return moved[..., max(-dy, 0):max(-dy, 0) + side_y, max(-dx, 0):max(-dx, 0) + side_x]


def shifted_grid(grid: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """The grid ``[B, C, H, W]`` of a scene moved by (``dy``, ``dx``) pixels (:func:`translate`) → the grid aligned
    with the unmoved scene's: each cell sampled (bilinear, border cells repeated) (dy, dx) / :data:`STRIDE` of a cell
    further on, where the content of the unmoved cell now lies."""
    if not dy and not dx:
        return grid
    b, _, h, w = grid.shape
    theta = torch.tensor([[1.0, 0.0, 2.0 * dx / (STRIDE * w)], [0.0, 1.0, 2.0 * dy / (STRIDE * h)]],
                         dtype=grid.dtype, device=grid.device).expand(b, 2, 3)
    where = F.affine_grid(theta, list(grid.shape), align_corners=False)
    return F.grid_sample(grid, where, mode="bilinear", padding_mode="border", align_corners=False)


def confident_read(grids: torch.Tensor, head: nn.Module, gate: float = 0.0, unsure: float = 1.0,
                   isolated: int = 9) -> torch.Tensor:
    """Per-read feature grids ``[B, K, C, 7, 7]`` → ``[B, C, 7, 7]``: each region from the read whose ``head``
    is the most confident there (largest item-class softmax probability, background excluded; the first,
    smallest read on ties). ``gate``: a larger
    read is only considered where the smallest read's object probability (1 − background) is at least this —
    where the smallest read sees nothing (e.g. pixel noise on an empty cell), it is kept; ``unsure``: and only
    where the smallest read's own item confidence is below this (where it is sure of an item, it is kept);
    ``isolated``: and only where at most this many regions of the 3 × 3 neighbourhood pass ``gate`` at the
    smallest read (a small item covers one or two regions a side; a larger one, or most of a noisy item, more)."""
    b, k = grids.shape[:2]
    probs = head(grids.flatten(0, 1)).softmax(1).view(b, k, -1, *GRID)
    conf = probs[:, :, :-1].amax(2)                                 # [B, K, 7, 7]
    seen = larger_read_allowed(probs[:, 0], gate, unsure, isolated)
    conf = torch.cat([conf[:, :1], torch.where(seen[:, None], conf[:, 1:], torch.full_like(conf[:, 1:], -1.0))], 1)
    pick = conf.argmax(1)                                           # [B, 7, 7]: first maximum wins ties
    return grids.gather(1, pick[:, None, None].expand(-1, 1, grids.shape[2], -1, -1))[:, 0]


def larger_read_allowed(probs: torch.Tensor, gate: float = 0.0, unsure: float = 1.0,
                        isolated: int = 9) -> torch.Tensor:
    """The smallest read's head probabilities ``[B, classes + 1, 7, 7]`` (background last) → where a larger read
    may take over ``[B, 7, 7]`` (bool): object probability ≥ ``gate``, item confidence < ``unsure``, and at most
    ``isolated`` of the 3 × 3 neighbourhood passing ``gate`` (see :func:`confident_read`)."""
    sees = ((1.0 - probs[:, -1]) >= gate).float()                   # [B, 7, 7]: the smallest read sees an object
    around = F.avg_pool2d(sees[:, None], 3, 1, 1, count_include_pad=False)[:, 0] * F.avg_pool2d(
        torch.ones_like(sees[:, None]), 3, 1, 1, divisor_override=1)[:, 0]           # how many of the 3 × 3 do
    return (sees > 0) & (probs[:, :-1].amax(1) < unsure) & (around <= isolated + 0.5)


def mean_read(grids: torch.Tensor, head: nn.Module, gate: float = 0.0, unsure: float = 1.0,
              isolated: int = 9) -> torch.Tensor:
    """Per-read feature grids ``[B, K, C, 7, 7]`` → ``[B, C, 7, 7]``: the reads' mean where a larger read may take
    over (:func:`larger_read_allowed` on the smallest read's ``head``), the smallest read elsewhere. The head is
    linear, so its logits there are the reads' mean logits (a geometric mean of their class probabilities)."""
    seen = larger_read_allowed(head(grids[:, 0]).softmax(1), gate, unsure, isolated)
    return torch.where(seen[:, None], grids.mean(1), grids[:, 0])


def scene_pixels(image: Image.Image, side: int = READ_SIDE) -> np.ndarray:
    """Any image → uint8 ``[side, side]`` grayscale (resized to a square, as the views do)."""
    gray = image.convert("L")
    if gray.size != (224, 224):              # same two-step resize for every input: to the scene size, then half
        gray = gray.resize((224, 224), Image.BILINEAR)
    return np.asarray(gray if side == 224 else gray.resize((side, side), Image.BILINEAR))


def scene_tensor(image: Image.Image, scales: tuple[int, ...] = (READ_SIDE,)) -> torch.Tensor:
    """Any image → ``[len(scales), S, S]`` normalised grayscale (``S`` the largest scale; :func:`scene_batch`)."""
    return scene_batch(scene_pixels(image, max(scales))[None], scales=scales)[0]


def background_first(pixels: torch.Tensor) -> torch.Tensor:
    """Grey levels ``[B, H, W]`` (0–255) → the same scenes on a black background: the background level is the
    median of the outer :data:`RING` pixels; a light background (> 127) is inverted, then the level subtracted.

    Issue 20 item 3: the polarity and level of the background carry no object identity, so the encoder reads
    every scene as objects brighter than their background — an inverted scene becomes exactly its original, and
    a training scene (black background, level 0) is unchanged."""
    ring = torch.cat([pixels[:, :RING].flatten(1), pixels[:, -RING:].flatten(1),
                      pixels[:, RING:-RING, :RING].flatten(1), pixels[:, RING:-RING, -RING:].flatten(1)], 1)
    level = ring.median(1).values[:, None, None]
    light = level > 127
    pixels = torch.where(light, 255.0 - pixels, pixels)
    return (pixels - torch.where(light, 255.0 - level, level)).clamp_min(0.0)


def scene_batch(images: np.ndarray, background: bool = True, scales: tuple[int, ...] | None = None) -> torch.Tensor:
    """uint8 ``[B, S, S]`` (already at the read side) → background-first (:func:`background_first`; off
    with ``background=False``: the input as read before issue 20), normalised ``[B, 1, S, S]``.

    ``scales`` (a multi-scale encoder's reads, ``S`` the largest): ``[B, len(scales), S, S]``, one channel per
    read — a smaller read resized from the ``S`` pixels with PIL's bilinear filter (as :func:`scene_pixels`
    does), made background-first at its own side, then repeated nearest-neighbour up to ``S``."""
    images = np.asarray(images)
    side = images.shape[-1]
    reads = []
    for read in sorted(scales or (side,)):
        pixels = images if read == side else np.stack(
            [np.asarray(Image.fromarray(im).resize((read, read), Image.BILINEAR)) for im in images])
        pixels = torch.from_numpy(np.asarray(pixels, dtype=np.float32))   # a float copy: PIL arrays are read-only
        x = ((background_first(pixels) if background else pixels) / 255.0 - MEAN) / STD
        reads.append(x.repeat_interleave(side // read, 1).repeat_interleave(side // read, 2) if read != side else x)
    return torch.stack(reads, 1)


def load_scene_encoder(folder: str | Path, device: str = "auto", read: dict | None = None) -> SceneEncoder:
    """The encoder saved in ``folder`` (``model.safetensors`` + ``config.json``), in eval mode on ``device``.
    ``read`` (``{"scales": [...], "combine": ...}``, e.g. a captioner's ``encoder_read``) overrides the folder's
    read; without it (or in a config without those keys) the encoder reads as saved."""
    state, config = load_checkpoint(folder)
    config = {**config, **(read or {})}
    net = SceneEncoder(tuple(config["widths"]), config.get("classes", 20), config.get("local", False),
                       tuple(config.get("scales", [config.get("read_side", READ_SIDE)])),
                       config.get("combine", "concat"), config.get("gate", 0.0), config.get("unsure", 1.0),
                       config.get("isolated", 9), bool(config.get("flip", False)), tuple(config.get("shift", ())))
    net.load_state_dict(state)
    return net.to(resolve_device(device)).eval()


def shared_scene_encoder(folder: str, device: str = "auto", read: dict | None = None) -> SceneEncoder:
    """One loaded encoder per (folder, device, read), shared by the captioners that read it the same way."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (read or {}).items()))
    return _shared(folder, device, key)


@lru_cache(maxsize=None)
def _shared(folder: str, device: str, read: tuple) -> SceneEncoder:
    with _LOCK:
        return load_scene_encoder(folder, device, {k: list(v) if isinstance(v, tuple) else v for k, v in read})
