"""Score functions, keyed by name: how a query is compared with a key.

Each score splits into ``project_queries`` / ``project_keys`` (done once per call) and a ``dense``
combination (every query with every key, ``[B, Tq, Tk]``) or a ``gathered`` one (each query with its
own slice of keys, ``[B, Tq, W]``) that local attention uses so its cost follows the window.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

SCORES: dict[str, Callable[[int, int, int | None], "Score"]] = {}


def register_score(name: str) -> Callable[[type], type]:
    """Class decorator adding a score function to :data:`SCORES` under ``name``."""
    def add(cls: type) -> type:
        SCORES[name] = cls
        cls.name = name
        return cls
    return add


def make_score(name: str, query_dim: int, key_dim: int, hidden: int | None = None) -> "Score":
    """Instantiate the score function ``name`` (one of :data:`SCORES`)."""
    if name not in SCORES:
        raise ValueError(f"unknown score {name!r}; choose from {sorted(SCORES)}")
    return SCORES[name](query_dim, key_dim, hidden)


class Score(nn.Module):
    """Base class: identity projections and a dot-product combination."""

    name = "base"

    def project_queries(self, query: torch.Tensor) -> torch.Tensor:
        """``[B, Tq, dq]`` → ``[B, Tq, e]``."""
        return query

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """``[B, Tk, dk]`` → ``[B, Tk, e]``."""
        return keys

    def dense(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Projected ``q [B, Tq, e]``, ``k [B, Tk, e]`` → scores ``[B, Tq, Tk]``."""
        return torch.bmm(q, k.transpose(1, 2))

    def gathered(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Projected ``q [B, Tq, 1, e]`` against its own keys ``k [B, Tq, W, e]`` → scores ``[B, Tq, W]`` (broadcasting)."""
        return torch.matmul(k, q.transpose(-1, -2)).squeeze(-1)  # a batched GEMV, no [.., W, e] temporary


def _require_same(query_dim: int, key_dim: int, name: str) -> None:
    if query_dim != key_dim:
        raise ValueError(f"score {name!r} needs query_dim == key_dim, got {query_dim} and {key_dim}")


@register_score("dot")
class DotScore(Score):
    """Luong dot: ``h_t · h_s``."""

    def __init__(self, query_dim: int, key_dim: int, hidden: int | None = None) -> None:
        super().__init__()
        _require_same(query_dim, key_dim, "dot")


@register_score("scaled_dot")
class ScaledDotScore(Score):
    """Transformer score: ``q · k / sqrt(d)``."""

    def __init__(self, query_dim: int, key_dim: int, hidden: int | None = None) -> None:
        super().__init__()
        _require_same(query_dim, key_dim, "scaled_dot")
        self.scale = 1.0 / math.sqrt(key_dim)

    def project_queries(self, query: torch.Tensor) -> torch.Tensor:
        """Scale the queries once instead of every score."""
        return query * self.scale


@register_score("general")
class GeneralScore(Score):
    """Luong general: ``h_t · W_a h_s``; ``W_a`` is applied to the keys once per call."""

    def __init__(self, query_dim: int, key_dim: int, hidden: int | None = None) -> None:
        super().__init__()
        self.W_a = nn.Linear(key_dim, query_dim, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """``[B, Tk, dk]`` → ``W_a h_s`` ``[B, Tk, dq]``."""
        return self.W_a(keys)


@register_score("concat")
class ConcatScore(Score):
    """Additive (Bahdanau; Luong "concat"): ``v_aᵀ tanh(W_a [q; k])`` = ``v_aᵀ tanh(W_q q + W_k k)``."""

    def __init__(self, query_dim: int, key_dim: int, hidden: int | None = None) -> None:
        super().__init__()
        hidden = hidden or key_dim
        # W_a [q; k] split into its query and key halves, so each is projected only once.
        self.W_q = nn.Linear(query_dim, hidden, bias=False)
        self.W_k = nn.Linear(key_dim, hidden, bias=False)
        self.v_a = nn.Linear(hidden, 1, bias=False)

    def project_queries(self, query: torch.Tensor) -> torch.Tensor:
        """``[B, Tq, dq]`` → ``W_q q`` ``[B, Tq, hidden]``."""
        return self.W_q(query)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """``[B, Tk, dk]`` → ``W_k k`` ``[B, Tk, hidden]``."""
        return self.W_k(keys)

    def dense(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """``[B, Tq, Tk]`` scores; memory is ``B·Tq·Tk·hidden`` (the price of an additive score)."""
        return self.v_a(torch.tanh(q[:, :, None, :] + k[:, None, :, :])).squeeze(-1)

    def gathered(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """``[B, Tq, W]`` scores of each query against its own ``W`` keys (broadcasting)."""
        return self.v_a(torch.tanh(q + k)).squeeze(-1)
