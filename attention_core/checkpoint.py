"""Checkpoints = safetensors weights + JSON config, never pickled modules."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
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
    write_digest(directory / "model.safetensors")
    (directory / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return directory


DIGEST_SUFFIX = ".sha256"   # beside a weights file: its SHA-256, so a same-size corruption is caught


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_digest(path: str | Path) -> Path:
    """Write ``<file>.sha256`` beside ``path`` (``"<hex digest>  <file name>"``, as ``sha256sum`` prints)."""
    path = Path(path)
    out = path.with_name(path.name + DIGEST_SUFFIX)
    out.write_text(f"{sha256(path)}  {path.name}\n")
    return out


def digest_problem(path: str | Path) -> str | None:
    """Why ``path`` does not match the digest stored beside it (None when it does, or when none is stored)."""
    path = Path(path)
    recorded = path.with_name(path.name + DIGEST_SUFFIX)
    if not recorded.is_file():
        return None
    stat = path.stat()
    return _digest_problem(str(path), stat.st_size, stat.st_mtime_ns, recorded.read_text().split()[0])


@lru_cache(maxsize=256)
def _digest_problem(path: str, size: int, mtime_ns: int, expected: str) -> str | None:
    # cached by size and modification time: availability is re-checked every minute, the files rarely change
    if sha256(Path(path)) != expected:
        return (f"{Path(path).name} in {Path(path).parent.name} does not match its recorded SHA-256 "
                "(damaged or replaced): reinstall or retrain it")
    return None


def load_checkpoint(directory: str | Path, device: str | torch.device = "cpu",
                    ) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint → ``(float32 state dict, config)``."""
    directory = Path(directory)
    state = load_file(str(directory / "model.safetensors"), device=str(device))
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
    config = json.loads((directory / "config.json").read_text())
    return state, config
