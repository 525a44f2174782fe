"""Checkpoints = safetensors weights + JSON config, never pickled modules."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def save_checkpoint(model: nn.Module, config: dict[str, Any], directory: str | Path,
                    dtype: torch.dtype = torch.float16) -> Path:
    """Write ``model.safetensors`` (floats cast to ``dtype``) and ``config.json`` into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {name: (t.detach().to(dtype) if t.is_floating_point() else t.detach()).cpu().contiguous()
             for name, t in model.state_dict().items()}
    save_file(state, str(directory / "model.safetensors"))
    (directory / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return directory


def load_checkpoint(directory: str | Path, device: str | torch.device = "cpu",
                    ) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint → ``(float32 state dict, config)``."""
    directory = Path(directory)
    state = load_file(str(directory / "model.safetensors"), device=str(device))
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
    config = json.loads((directory / "config.json").read_text())
    return state, config
