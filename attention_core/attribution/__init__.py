"""Is attention an explanation? Attribution (Captum) beside attention: records, agreement, erasure, flow,
and test-set faithfulness.

Importing this package registers the attribution methods in :data:`METHODS` (and imports Captum, which takes
a few seconds); the model modules import only :mod:`.inputs`, and only when attribution is asked for.
Every explainer that can be attributed has ``attribution_inputs(text, **options) → AttributionInputs``.
"""
from .agreement import Agreement, agreement, reading, top_k_overlap
from .compare import Comparison, compare, erasure_rows
from .erasure import erase, erase_top, position_scores
from .flow import FLOW_MAX_TOKENS, flow_per_layer, raw_per_layer, rollout_per_layer
from .inputs import AttributionInputs, MapSlot, classifier_inputs, embedding_override, translation_inputs
from .methods import DEFAULT_STEPS, METHODS, Method, get_method, register_method
from .pairing import attention_like
from .records import attribute, attribution_maps, normalise, raw_scores

__all__ = ["Agreement", "AttributionInputs", "Comparison", "DEFAULT_STEPS", "FLOW_MAX_TOKENS", "METHODS", "MapSlot",
           "Method", "agreement", "attention_like", "attribute", "attribution_maps", "classifier_inputs", "compare",
           "embedding_override", "erase", "erase_top", "erasure_rows", "flow_per_layer", "get_method", "normalise",
           "position_scores", "raw_per_layer", "raw_scores", "reading", "register_method", "rollout_per_layer",
           "top_k_overlap", "translation_inputs"]
