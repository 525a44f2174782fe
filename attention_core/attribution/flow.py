"""Raw attention, attention rollout and attention flow per layer of a transformer (Abnar & Zuidema 2020).

All three read the attention of every layer averaged over heads, ``A_l [T, T]`` (row = the token that
looks). Rollout and flow add the residual connection, ``Ã_l = ½·A_l + ½·I`` (rows renormalised), and follow
the information from the output down to the input tokens:

* raw — ``q · A_l``: what layer l's output attends to directly;
* rollout — ``q · Ã_l ⋯ Ã_1``: attention multiplied through the layers (products of paths);
* flow — the maximum flow from the output to each input token through the layered graph whose edges
  carry capacity ``Ã``, computed with networkx's ``maximum_flow_value`` (one max-flow per layer and token).

``q [T]`` says which output is explained: a one-hot row for a [CLS] classifier, ``1/T`` everywhere for a
mean-pooled one (the MiniLM head here), in which case the source feeds every top-layer token with 1/T.
Flow costs ``layers × T`` max-flow problems on graphs of ``T·(layers+1)`` nodes and ``T²·layers`` edges, so it
is computed only up to :data:`FLOW_MAX_TOKENS` tokens (see ``benchmarks/attribution.py``).
"""
from __future__ import annotations

import networkx as nx
import numpy as np
from networkx.algorithms.flow import build_residual_network, shortest_augmenting_path

FLOW_MAX_TOKENS = 32
# Flows equal in exact arithmetic (every token whose min cut is the source's Σq = 1 saturates) come out up to
# ~1e-15 apart, in an order that depends on the CPU's floating-point path (seen: Intel vs AMD EPYC). Rounded to
# FLOW_DECIMALS they are ties, so rankings (stable sorts) and τ-b are the same on every machine.
FLOW_DECIMALS = 9


def with_residual(a: np.ndarray, residual: float = 0.5) -> np.ndarray:
    """``(1 − residual)·A + residual·I`` with rows renormalised, for ``a [..., T, T]``."""
    eye = np.eye(a.shape[-1])
    mixed = (1 - residual) * a + residual * eye
    return mixed / mixed.sum(-1, keepdims=True)


def raw_per_layer(layers: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``q · A_l`` for every layer: ``layers [L, T, T]`` → ``[L, T]``."""
    return np.einsum("t,lts->ls", query, layers)


def rollout_per_layer(layers: np.ndarray, query: np.ndarray, residual: float = 0.5) -> np.ndarray:
    """``q · Ã_l ⋯ Ã_1`` for every layer l: ``[L, T, T]`` → ``[L, T]`` (each row sums to Σq)."""
    out, product = [], None
    for a in with_residual(layers, residual):
        product = a if product is None else a @ product
        out.append(query @ product)
    return np.stack(out)


def flow_graph(layers: np.ndarray, query: np.ndarray, top: int, residual: float = 0.5) -> nx.DiGraph:
    """The layered graph of layers ``0..top`` with a source ``"out"`` feeding layer ``top``'s tokens by ``q``.

    Node ``(k, i)`` is token i after k layers (``k = 0``: the input embeddings); edge ``(k, i) → (k−1, j)``
    has capacity ``Ã_k[i, j]``.
    """
    graph = nx.DiGraph()
    mixed = with_residual(layers[: top + 1], residual)
    t = layers.shape[-1]
    for k in range(top + 1, 0, -1):
        a = mixed[k - 1]
        for i in range(t):
            for j in range(t):
                if a[i, j] > 0:
                    graph.add_edge((k, i), (k - 1, j), capacity=float(a[i, j]))
    for i in range(t):
        if query[i] > 0:
            graph.add_edge("out", (top + 1, i), capacity=float(query[i]))
    return graph


def flow_per_layer(layers: np.ndarray, query: np.ndarray, residual: float = 0.5,
                   max_tokens: int = FLOW_MAX_TOKENS) -> np.ndarray | None:
    """Attention flow from the output to every input token, for the stack up to each layer: ``[L, T]``, rounded
    to :data:`FLOW_DECIMALS` so float-equal flows are exact ties. None when the input has more than ``max_tokens`` tokens (too slow to stay interactive)."""
    n_layers, t = layers.shape[0], layers.shape[-1]
    if t > max_tokens:
        return None
    out = np.zeros((n_layers, t))
    for top in range(n_layers):
        graph = flow_graph(layers, query, top, residual)
        # one residual network per layer, reused for every sink (networkx resets its flows each call);
        # shortest augmenting paths were the fastest of networkx's algorithms on these dense layered graphs
        network = build_residual_network(graph, "capacity")
        for j in range(t):
            out[top, j] = nx.maximum_flow_value(graph, "out", (0, j), flow_func=shortest_augmenting_path,
                                                residual=network)
    return np.round(out, FLOW_DECIMALS)
