"""One base class for shipped explainers and one way to register them.

A model id is also its weights folder: ``caption/soft`` loads ``attention_core/weights/caption/soft/``;
files its family shares (a tokenizer, a vocabulary, held-out samples) sit in the family folder.
"""
from __future__ import annotations

import functools
import json
import struct
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from ..capabilities import Capabilities, Input
from ..checkpoint import WEIGHTS_DIR, digest_problem, load_checkpoint
from ..device import resolve_device
from ..explanation import Explanation
from ..inputs import MAX_TEXT_CHARS, InputError
from ..tasks import InputKind, Task
from .registry import ExplainError, ModelLoadError, ModelSpec, Samples, register_model

CHECKPOINT_FILES = ("model.safetensors", "config.json")


def weights_folder(model_id: str) -> Path:
    """``attention_core/weights/<model id>``."""
    return WEIGHTS_DIR / model_id


def read_json(path: Path) -> Any:
    """Parse a JSON file shipped with a model; ``ValueError`` naming the file when it is unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{_rel(path)} is unreadable ({type(exc).__name__})") from None


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(WEIGHTS_DIR.parent))
    except ValueError:
        return str(path)


def safetensors_problem(path: Path) -> str | None:
    """Check a .safetensors file's header and length without reading the tensors (None when sound)."""
    try:
        with path.open("rb") as fh:
            size = path.stat().st_size
            head = fh.read(8)
            if len(head) < 8:
                return f"{_rel(path)} is truncated"
            (n,) = struct.unpack("<Q", head)
            if n > size - 8 or n > 100_000_000:
                return f"{_rel(path)} is truncated or not a safetensors file"
            header = json.loads(fh.read(n))
        end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
        if 8 + n + end != size:
            return f"{_rel(path)} is truncated or corrupt ({size} bytes, header expects {8 + n + end})"
    except OSError as exc:
        return f"{_rel(path)} cannot be read ({exc.strerror})"
    except (ValueError, KeyError, TypeError, IndexError):
        return f"{_rel(path)} is not a valid safetensors file"
    return None


def files_problem(folder: Path, files: tuple[str, ...] = CHECKPOINT_FILES) -> str | None:
    """None when every file exists and parses (JSON) or has a sound header (safetensors)."""
    for name in files:
        path = folder / name
        if not path.is_file():
            return f"{_rel(path)} is missing"
        if name.endswith(".json"):
            try:
                read_json(path)
            except ValueError as exc:
                return str(exc)
        elif name.endswith(".safetensors"):
            problem = safetensors_problem(path) or digest_problem(path)
            if problem:
                return problem
    return None


def one_line(model_id: str, exc: BaseException) -> str:
    """``"<model> failed: <Error>: <first line>"`` (at most 200 characters of the message)."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{model_id} failed: {type(exc).__name__}: {text}"


def _guard(explain: Callable[..., Explanation]) -> Callable[..., Explanation]:
    """Wrap a subclass's ``explain``: eval mode, ``no_grad``, and any error as one line (ExplainError)."""
    @functools.wraps(explain)
    def guarded(self: Any, inp: Any, **options: Any) -> Explanation:
        for value in vars(self).values():   # eval mode even if a caller trained or hooked a module
            if isinstance(value, nn.Module) and value.training:
                value.eval()
        try:
            with torch.no_grad():
                return explain(self, inp, **options)
        except (InputError, ModelLoadError, ExplainError):
            raise                           # already one line for the user
        except Exception as exc:            # the server log keeps the chain; the user gets one line
            raise ExplainError(one_line(getattr(self, "model_id", type(self).__name__), exc)) from exc
    guarded.__guarded__ = True   # type: ignore[attr-defined]
    return guarded


class ExplainerBase:
    """The template every explainer follows: ``explain`` runs in eval mode under ``no_grad`` and turns any
    error into one line (:class:`ExplainError`; :class:`InputError` stays as it is). Subclasses only write
    ``explain``; the wrapping happens when the subclass is defined."""

    model_id: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        method = cls.__dict__.get("explain")
        if method is not None and not getattr(method, "__isabstractmethod__", False) \
                and not getattr(method, "__guarded__", False):
            cls.explain = _guard(method)   # type: ignore[method-assign]

    def __call__(self, inp: Any, **options: Any) -> Explanation:
        """Same as :meth:`explain`."""
        return self.explain(inp, **options)   # type: ignore[attr-defined]


class ShippedExplainer(ExplainerBase, ABC):
    """A model whose weights ship in ``attention_core/weights/<id>``: device, loading, eval mode."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        self.spec = spec
        self.model_id = spec.id
        self.device = resolve_device(device)
        self.config: dict[str, Any] = {}

    @property
    def folder(self) -> Path:
        """This model's weights folder."""
        return weights_folder(self.model_id)

    @property
    def family_folder(self) -> Path:
        """The folder of files the family shares (tokenizer, vocabulary): ``weights/<family name>``."""
        return WEIGHTS_DIR / self.spec.family

    def load_module(self, build: Callable[[dict[str, Any]], nn.Module]) -> nn.Module:
        """Read the checkpoint, ``build(config)`` the module, load its state strictly, move it, eval mode."""
        state, self.config = load_checkpoint(self.folder, device=self.device)
        module = build(self.config)
        module.load_state_dict(state)
        return module.to(self.device).eval()

    @abstractmethod
    def explain(self, inp: Any, **options: Any) -> Explanation:
        """Run the model on one input → its typed output and attention maps."""


def register(explainer: Callable[[ModelSpec], Any], *, id: str, task: Task, mechanism: str,
             description: str, capabilities: Capabilities, samples: Samples = (), shipped: bool = True,
             files: tuple[str, ...] | None = CHECKPOINT_FILES,
             check: Callable[[], str | None] | None = None, max_chars: int = MAX_TEXT_CHARS) -> ModelSpec:
    """Register a model built by ``explainer(spec)``. By default it is available when its weights
    folder holds sound ``files``; pass ``files=None`` and/or a ``check`` for other sources. ``max_chars``
    is how much text the model reads (longer input is cut, with a notice)."""
    def default_check() -> str | None:
        problem = files_problem(weights_folder(id), files) if files else None
        return problem or (check() if check else None)

    holder: dict[str, ModelSpec] = {}
    input_kind = InputKind.IMAGE if capabilities.input == Input.IMAGE else InputKind.TEXT
    spec = ModelSpec(id=id, task=task, mechanism=mechanism, description=description, input_kind=input_kind,
                     loader=lambda: explainer(holder["spec"]), capabilities=capabilities, shipped=shipped,
                     check=default_check, samples=samples, max_chars=max_chars)
    holder["spec"] = spec
    return register_model(spec)
