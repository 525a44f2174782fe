"""Attention Atlas core library: mechanisms, models and the AttentionMap record (no UI code)."""
from .device import resolve_device
from .explanation import Explanation
from .inputs import InputError, clean_text, load_image
from .record import AttentionMap, maps_from_tensor

__all__ = ["AttentionMap", "Explanation", "InputError", "clean_text", "load_image",
           "maps_from_tensor", "resolve_device"]
__version__ = "0.1.0"
