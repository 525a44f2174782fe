"""Is attention an explanation? Attribution (Captum) beside attention: records, agreement, erasure, flow,
and test-set faithfulness.

Importing this package registers the attribution methods in :data:`METHODS` (and imports Captum, which takes
a few seconds); the model modules import only :mod:`.inputs`, and only when attribution is asked for.
Every explainer that can be attributed has ``attribution_inputs(text, **options) → AttributionInputs``.
"""
from .agreement import Agreement, agreement, reading, top_k_overlap
from .baselines import ig_start, neutral_baseline
from .compare import Comparison, compare, erasure_rows
from .eraser import BINS, OPERATORS, Curves, RankJob, eraser_curves
from .erasure import erase, erase_top, position_scores
from .flow import FLOW_MAX_TOKENS, flow_per_layer, raw_per_layer, rollout_per_layer
from .inputs import AttributionInputs, MapSlot, classifier_inputs, embedding_override, translation_inputs
from .methods import DEFAULT_STEPS, METHODS, Method, get_method, register_method
from .measures import MEASURES, Measure, get_measure
from .pairing import attention_like
from .randomisation import CASCADES, randomised
from .rankings import Ranked, classifier_rankings, minilm_rankings, translation_rankings
from .records import attribute, attribution_maps, normalise, raw_scores
from .weight_interventions import fraction_to_flip, intervene, layer_weights, single_weight

__all__ = ["Agreement", "AttributionInputs", "BINS", "CASCADES", "Comparison", "Curves", "DEFAULT_STEPS",
           "FLOW_MAX_TOKENS", "MEASURES", "METHODS", "MapSlot", "Measure", "Method", "OPERATORS", "RankJob", "Ranked",
           "agreement", "attention_like", "attribute", "attribution_maps", "classifier_inputs",
           "classifier_rankings", "compare", "embedding_override", "erase", "erase_top", "eraser_curves",
           "erasure_rows", "flow_per_layer", "fraction_to_flip", "get_measure", "get_method", "ig_start",
           "intervene", "layer_weights", "minilm_rankings", "neutral_baseline", "normalise", "position_scores",
           "randomised", "raw_per_layer", "raw_scores", "reading", "register_method", "rollout_per_layer",
           "single_weight", "top_k_overlap", "translation_inputs", "translation_rankings"]
