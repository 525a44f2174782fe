"""Device selection: CUDA when present, CPU otherwise."""
from __future__ import annotations

import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Map ``"auto"`` to ``cuda`` when available else ``cpu``; pass anything else through."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
