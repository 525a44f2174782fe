"""Shipped and Hugging Face models behind one registry; importing this registers them."""
# Importing a model module registers its models; this order is the listing order.
from . import translation  # noqa: F401  (isort: skip)
from . import captioning, document, sentence, hf_models, vision  # noqa: F401  (isort: skip)
from .registry import MODELS, Explainer, ModelSpec, explain, get_spec, list_models, load_model, register_model

__all__ = ["MODELS", "Explainer", "ModelSpec", "explain", "get_spec", "list_models", "load_model",
           "register_model"]
