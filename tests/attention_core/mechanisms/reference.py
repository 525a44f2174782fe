"""Independent float64 reference computations (numpy loops) for the mechanism tests."""
from __future__ import annotations

import math

import numpy as np
import torch


def np64(t: torch.Tensor) -> np.ndarray:
    """Tensor → float64 numpy array."""
    return t.detach().double().cpu().numpy()


def softmax(x: np.ndarray) -> np.ndarray:
    """Plain softmax of a 1-D array."""
    e = np.exp(x - x.max())
    return e / e.sum()


def score(name: str, module: torch.nn.Module, q: np.ndarray, k: np.ndarray) -> float:
    """One score between a query vector and a key vector, written from the papers' formulas."""
    if name == "dot":
        return float(q @ k)
    if name == "scaled_dot":
        return float(q @ k) / math.sqrt(k.shape[0])
    if name == "general":
        W = np64(module.W_a.weight)           # h_t · W_a h_s
        return float(q @ (W @ k))
    if name == "concat":
        Wq, Wk, v = np64(module.W_q.weight), np64(module.W_k.weight), np64(module.v_a.weight)[0]
        W = np.concatenate([Wq, Wk], axis=1)  # v_aᵀ tanh(W_a [q; k])
        return float(v @ np.tanh(W @ np.concatenate([q, k])))
    raise ValueError(name)
