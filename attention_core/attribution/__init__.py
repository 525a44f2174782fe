"""Is attention an explanation? Attribution (Captum) beside attention, agreement, erasure and faithfulness.

Importing this package registers the attribution methods in :data:`METHODS` (and imports Captum, which takes
a few seconds); the model modules import only :mod:`.inputs`, and only when attribution is asked for.
"""
from .inputs import AttributionInputs, MapSlot, classifier_inputs, embedding_override, translation_inputs
from .methods import DEFAULT_STEPS, METHODS, Method, get_method, register_method
from .records import attribute, attribution_maps, normalise, raw_scores

__all__ = ["AttributionInputs", "DEFAULT_STEPS", "METHODS", "MapSlot", "Method", "attribute", "attribution_maps",
           "classifier_inputs", "embedding_override", "get_method", "normalise", "raw_scores", "register_method",
           "translation_inputs"]
