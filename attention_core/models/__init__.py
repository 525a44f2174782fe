"""Shipped and Hugging Face models behind one registry; importing this registers them."""
from .registry import MODELS, Explainer, ModelSpec, explain, get_spec, list_models, load_model, register_model

__all__ = ["MODELS", "Explainer", "ModelSpec", "explain", "get_spec", "list_models", "load_model",
           "register_model"]
