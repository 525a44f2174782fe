"""Attention Atlas core library: mechanisms, models and the AttentionMap record (no UI code)."""
from .capabilities import Attribution, Capabilities, Family, Input, MapKind, Needs, Produces, Target
from .device import resolve_device
from .explanation import Explanation
from .inputs import InputError, clean_text, load_image
from .outputs import Caption, ClassDistribution, Generation, Output, TokenSequence, Translation
from .record import AttentionMap, maps_from_tensor
from .tasks import InputKind, Task

__all__ = ["AttentionMap", "Attribution", "Capabilities", "Family", "Input", "MapKind", "Needs", "Produces",
           "Target", "Caption", "ClassDistribution", "Explanation", "InputError", "InputKind", "Output",
           "Generation", "Task", "TokenSequence", "Translation", "clean_text", "load_image", "maps_from_tensor",
           "resolve_device"]
__version__ = "0.1.0"
