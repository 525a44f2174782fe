"""Model registry keyed by id: specs are cheap to list; a model is loaded once per process.

Registering reads no files: samples and availability are computed when first asked for, so one broken
model folder disables that model only (its ``problem()`` says why) and never the import of the others.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from ..capabilities import Capabilities, Needs
from ..explanation import Explanation
from ..inputs import MAX_TEXT_CHARS
from ..tasks import InputKind, Task


class Explainer(Protocol):
    """A loaded model: turns one input (text or PIL image) into an :class:`Explanation`."""

    def explain(self, inp: Any, **options: Any) -> Explanation:
        """Run the model on ``inp`` and return its output and attention maps."""
        ...


class ModelLoadError(RuntimeError):
    """A registered model cannot be loaded here (missing or corrupt files, missing package): one line."""


class ExplainError(RuntimeError):
    """A model failed while explaining one input: one line naming the model and the error."""


Samples = tuple[str, ...] | Callable[[], tuple[str, ...]]


@dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about a model before it is loaded."""

    id: str
    task: Task
    mechanism: str       # e.g. bahdanau, luong-dot, local-p, soft, hard, hierarchical, structured, multi-head
    description: str
    input_kind: InputKind
    loader: Callable[[], Explainer]
    capabilities: Capabilities   # what the model takes, produces, draws and supports: consumers read this
    shipped: bool = True  # False: needs a Hugging Face download or cache
    # A cheap check returning None when the model can load offline, else a one-line reason.
    check: Callable[[], str | None] | None = None
    samples: Samples = ()  # example inputs (texts or image paths), or a function returning them lazily
    max_chars: int = MAX_TEXT_CHARS  # text models: longer input is cut before the model sees it (with a notice)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "task", Task(self.task))
        object.__setattr__(self, "input_kind", InputKind(self.input_kind))

    @property
    def family(self) -> str:
        """The family's name: models compared side by side, and the folder of their shared files."""
        return self.capabilities.family.name

    def problem(self) -> str | None:
        """Why the model cannot be loaded on this machine (one line), or None when it can."""
        if self.check is None:
            return None
        try:
            return self.check()
        except Exception as exc:  # a broken check must not break the listing
            return f"cannot check the model: {type(exc).__name__}: {exc}"

    def is_available(self) -> bool:
        """True when the model can be loaded on this machine without a network."""
        return self.problem() is None

    def sample_inputs(self) -> tuple[str, ...]:
        """Example inputs for the dashboard (read on first use; an unreadable file gives none)."""
        if "samples" not in self._cache:
            try:
                value = self.samples() if callable(self.samples) else self.samples
                self._cache["samples"] = tuple(str(v) for v in value)
            except Exception:  # e.g. a corrupted samples file: the model still works without samples
                self._cache["samples"] = ()
        return self._cache["samples"]

    def summary(self) -> dict[str, Any]:
        """The listing row: id, task, mechanism, description, input, family, shipped, available, problem,
        capabilities."""
        problem = self.problem()
        return {"id": self.id, "task": self.task.value, "mechanism": self.mechanism,
                "description": self.description, "input": self.input_kind.value, "family": self.family,
                "shipped": self.shipped, "available": problem is None, "problem": problem,
                "capabilities": self.capabilities.summary()}


MODELS: dict[str, ModelSpec] = {}
_LOADED: dict[str, Explainer] = {}
_LOCK = threading.Lock()


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add ``spec`` to :data:`MODELS`. Registering the same model again (a re-import) replaces it;
    a *different* model under a taken id is an error."""
    old = MODELS.get(spec.id)
    if old is not None and (old.task, old.mechanism, old.family) != (spec.task, spec.mechanism, spec.family):
        raise ValueError(f"model id {spec.id!r} is registered twice")
    MODELS[spec.id] = spec
    return spec


# Models that are not modules of this package: a resolver turns an id with its prefix into a spec on demand
# (``hf:/path/to/model``); a source lists specs that come and go (the folders of the server's model directory).
RESOLVERS: dict[str, Callable[[str], ModelSpec]] = {}
_RESOLVED: dict[str, ModelSpec] = {}
_FROM_SOURCES: set[str] = set()
SOURCES: list[Callable[[], list[ModelSpec]]] = []


def register_resolver(prefix: str, resolve: Callable[[str], ModelSpec]) -> None:
    """Let ``get_spec`` open ids starting with ``prefix`` through ``resolve(id) → ModelSpec``."""
    RESOLVERS[prefix] = resolve


def register_source(source: Callable[[], list[ModelSpec]]) -> None:
    """Add a function listing specs that ``list_models`` includes each time it is called."""
    SOURCES.append(source)


def _from_sources() -> None:
    listed = {spec.id: spec for source in SOURCES for spec in source()}
    with _LOCK:
        for gone in _FROM_SOURCES - set(listed):     # a folder removed (or the models folder changed)
            MODELS.pop(gone, None)
            _LOADED.pop(gone, None)
        for model_id, spec in listed.items():
            if MODELS.get(model_id) is not spec:
                MODELS[model_id] = spec
                _LOADED.pop(model_id, None)          # its folder changed: load it afresh
        _FROM_SOURCES.clear()
        _FROM_SOURCES.update(listed)


def list_models(needs: Needs | None = None, family: str | None = None) -> list[ModelSpec]:
    """Registered specs whose declared capabilities meet ``needs`` (and of ``family``), in registration order
    (the models of registered sources included)."""
    _from_sources()
    return [s for s in MODELS.values()
            if (needs is None or needs.accepts(s.capabilities)) and (family is None or s.family == family)]


def get_spec(model_id: str) -> ModelSpec:
    """The spec for ``model_id`` (ids with a resolver's prefix, such as ``hf:PATH``, are opened on demand:
    :class:`ModelLoadError` when nothing readable is there); ``KeyError`` with the known ids otherwise."""
    if model_id in MODELS:
        return MODELS[model_id]
    if model_id in _RESOLVED:
        return _RESOLVED[model_id]
    for prefix, resolve in RESOLVERS.items():
        if model_id.startswith(prefix):
            spec = resolve(model_id)
            with _LOCK:   # opened on demand, not listed: a page lists only what the server's owner installed
                return _RESOLVED.setdefault(model_id, spec)
    try:
        return MODELS[model_id]
    except KeyError:
        known = ", ".join(MODELS) or "none registered"
        raise KeyError(f"unknown model {model_id!r} (known: {known})") from None


def load_model(model_id: str) -> Explainer:
    """Load ``model_id`` once per process (thread-safe); :class:`ModelLoadError` (one line) if it cannot."""
    spec = get_spec(model_id)
    with _LOCK:  # several dashboard sessions may ask at once; load exactly once
        if model_id not in _LOADED:
            problem = spec.problem()
            if problem:
                raise ModelLoadError(f"{model_id} is not available: {problem}")
            try:
                _LOADED[model_id] = spec.loader()
            except ModelLoadError:
                raise
            except Exception as exc:   # corrupt weights, wrong architecture...: this model only
                first = str(exc).splitlines()[0][:200] if str(exc) else ""
                raise ModelLoadError(f"{model_id} could not be loaded: {type(exc).__name__}: {first}") from exc
        return _LOADED[model_id]


def explain(model_id: str, inp: Any, **options: Any) -> Explanation:
    """Load (cached) and run ``model_id`` on ``inp``."""
    return load_model(model_id).explain(inp, **options)
