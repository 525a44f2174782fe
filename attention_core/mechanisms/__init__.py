"""Attention mechanisms: all take batched tensors and a boolean key mask (True = real position)."""
from .global_attention import GlobalAttention
from .hierarchical import ContextAttention, HierarchicalAttention
from .image_attention import HardImageAttention, SoftImageAttention
from .local_attention import ALIGNMENTS, Band, LocalAttention, band_to_dense, window_bounds
from .masking import lengths_to_mask, masked_softmax
from .scores import SCORES, make_score, register_score
from .self_attention import StructuredSelfAttention, frobenius_penalty, redundancy
from .weight_hooks import HookableWeights, replaced_weights, uniform_weights

__all__ = [
    "ALIGNMENTS", "Band", "ContextAttention", "GlobalAttention", "HardImageAttention",
    "HierarchicalAttention", "HookableWeights", "LocalAttention", "SCORES", "SoftImageAttention",
    "StructuredSelfAttention", "band_to_dense", "frobenius_penalty", "lengths_to_mask",
    "make_score", "masked_softmax", "redundancy", "register_score", "replaced_weights",
    "uniform_weights", "window_bounds",
]
