"""Shipped and Hugging Face models behind one registry; importing this registers them.

Every module of this package is imported once (a model family's module registers its models at import,
reading no files), so adding a family is adding its module — no list to edit. A module that fails to
import is reported and skipped: the other families still register.
"""
import importlib
import pkgutil
import warnings

from .base import ExplainerBase, ShippedExplainer, register, weights_folder
from .registry import (MODELS, ExplainError, Explainer, ModelLoadError, ModelSpec, explain, get_spec, list_models, load_model,
                       register_model, register_resolver, register_source)

# families listed first, in this order (the pages show families in registration order); then the rest by name
_FIRST = ("translation", "captioning", "document", "sentence", "hf_models")
IMPORT_ERRORS: dict[str, str] = {}


def _import_families() -> None:
    others = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _FIRST)
    for name in _FIRST + tuple(others):
        try:
            importlib.import_module(f"{__name__}.{name}")
        except Exception as exc:  # one broken family must not hide the others
            IMPORT_ERRORS[name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"attention_core.models.{name} failed to import and registers nothing: {exc}",
                          RuntimeWarning, stacklevel=2)


_import_families()

__all__ = ["IMPORT_ERRORS", "MODELS", "ExplainError", "Explainer", "ExplainerBase", "ModelLoadError", "ModelSpec", "ShippedExplainer", "explain",
           "get_spec", "list_models", "load_model", "register", "register_model", "register_resolver", "register_source", "weights_folder"]
