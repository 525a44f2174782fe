"""Model registry keyed by id: specs are cheap to list; a model is loaded once per process."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ..explanation import Explanation


class Explainer(Protocol):
    """A loaded model: turns one input (text or PIL image) into an :class:`Explanation`."""

    def explain(self, inp: Any, **options: Any) -> Explanation:
        """Run the model on ``inp`` and return its output and attention maps."""
        ...


@dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about a model before it is loaded."""

    id: str
    task: str            # translation | captioning | document-classification | sentence-classification | encoder
    mechanism: str       # e.g. bahdanau, luong-dot, local-p, soft, hard, hierarchical, structured, multi-head
    description: str
    input_kind: str      # "text" or "image"
    loader: Callable[[], Explainer]
    family: str = ""     # groups models compared side by side (e.g. "bible-en-fr")
    shipped: bool = True  # False: needs a Hugging Face download or cache
    available: Callable[[], bool] | None = None  # cheap check, e.g. "is it in the local HF cache?"
    samples: tuple[str, ...] = ()  # example inputs for the dashboard (texts, or image file paths)

    def is_available(self) -> bool:
        """True when the model can be loaded on this machine without a network."""
        return True if self.available is None else bool(self.available())

    def summary(self) -> dict[str, Any]:
        """The listing row: id, task, mechanism, description, input, family, shipped, available."""
        return {"id": self.id, "task": self.task, "mechanism": self.mechanism,
                "description": self.description, "input": self.input_kind, "family": self.family,
                "shipped": self.shipped, "available": self.is_available()}


MODELS: dict[str, ModelSpec] = {}
_LOADED: dict[str, Explainer] = {}
_LOCK = threading.Lock()


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add ``spec`` to :data:`MODELS` (ids are unique)."""
    if spec.id in MODELS:
        raise ValueError(f"model id {spec.id!r} is registered twice")
    MODELS[spec.id] = spec
    return spec


def list_models(task: str | None = None, family: str | None = None) -> list[ModelSpec]:
    """Registered specs, optionally filtered by task or family, in registration order."""
    return [s for s in MODELS.values()
            if (task is None or s.task == task) and (family is None or s.family == family)]


def get_spec(model_id: str) -> ModelSpec:
    """The spec for ``model_id``; ``KeyError`` with the known ids otherwise."""
    try:
        return MODELS[model_id]
    except KeyError:
        known = ", ".join(MODELS) or "none registered"
        raise KeyError(f"unknown model {model_id!r} (known: {known})") from None


def load_model(model_id: str) -> Explainer:
    """Load ``model_id`` once per process (thread-safe) and return the cached instance."""
    spec = get_spec(model_id)
    with _LOCK:  # several dashboard sessions may ask at once; load exactly once
        if model_id not in _LOADED:
            _LOADED[model_id] = spec.loader()
        return _LOADED[model_id]


def explain(model_id: str, inp: Any, **options: Any) -> Explanation:
    """Load (cached) and run ``model_id`` on ``inp``."""
    return load_model(model_id).explain(inp, **options)
