"""Turn Hugging Face attention outputs into AttentionMap records (one per layer and head).

Recent ``transformers`` returns attention weights only when the model is loaded with
``attn_implementation="eager"``; every loader here does so, and these functions refuse empty outputs.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ..record import AttentionMap


def _check(attentions: Sequence[torch.Tensor] | None, what: str) -> Sequence[torch.Tensor]:
    if not attentions or any(a is None for a in attentions):
        raise RuntimeError(f"the model returned no {what}: load it with attn_implementation='eager'")
    return attentions


def self_attention_stack(attentions: Sequence[torch.Tensor], batch_index: int = 0) -> torch.Tensor:
    """Encoder self-attention ``layers × [B, heads, T, T]`` → one float32 CPU tensor ``[layers, heads, T, T]``."""
    return torch.stack([a[batch_index] for a in _check(attentions, "attentions")]).detach().float().cpu()


def merge_word_pieces(stack: torch.Tensor, groups: list[list[int]]) -> torch.Tensor:
    """Merge word pieces in ``[..., T, T]`` → ``[..., G, G]``: a word's columns are **summed** (attention it
    receives), its rows **averaged** (it attends like the mean of its pieces), so rows still sum as before.

    Same result as :func:`attention_core.aggregate.merge_pieces` per map, in O(T²) with index_add instead of
    two T³ matrix products (72 maps of 512 tokens: ~10 s → a few ms).
    """
    if [i for g in groups for i in g] != list(range(stack.shape[-1])):
        raise ValueError("word groups must cover every token once, in order")
    index = torch.tensor([g for g, members in enumerate(groups) for _ in members], dtype=torch.long)
    cols = torch.zeros(*stack.shape[:-1], len(groups), dtype=stack.dtype).index_add_(-1, index, stack)
    rows = torch.zeros(*stack.shape[:-2], len(groups), len(groups), dtype=stack.dtype).index_add_(-2, index, cols)
    sizes = torch.tensor([len(g) for g in groups], dtype=stack.dtype)
    return rows / sizes[:, None]


def stack_maps(stack: torch.Tensor, queries: list[str], keys: list[str], model_id: str, short: str,
               **meta: object) -> list[AttentionMap]:
    """``[layers, heads, T, S]`` → one map per layer and head; the maps' float32 weights are views of ``stack``."""
    w = stack.numpy()
    return [AttentionMap("multi-head", queries, keys, w[layer, head], layer=layer, head=head,
                         meta={"model": model_id, "label": f"{short} L{layer} H{head}", **meta})
            for layer in range(w.shape[0]) for head in range(w.shape[1])]


def self_attention_maps(attentions: Sequence[torch.Tensor], tokens: list[str], model_id: str,
                        short: str, batch_index: int = 0) -> list[AttentionMap]:
    """Encoder self-attention ``layers × [B, heads, T, T]`` → one ``T × T`` map per layer and head."""
    return stack_maps(self_attention_stack(attentions, batch_index), tokens, tokens, model_id, short)


def generated_cross_attention(cross_attentions: Sequence[Sequence[torch.Tensor]]) -> list[torch.Tensor]:
    """``generate()``'s cross-attentions (steps × layers × ``[B, heads, q, S]``) → per layer ``[heads, T, S]``.

    Each step's last query row is the attention that produced that step's token (the first step may carry
    several query rows when a prompt is given; only its last row generated a token).
    """
    steps = _check(cross_attentions, "cross-attentions")
    layers = len(steps[0])
    out = []
    for layer in range(layers):
        rows = [step[layer][0, :, -1, :] for step in steps]            # [heads, S] each
        out.append(torch.stack(rows, 1).detach().float().cpu())        # [heads, T, S]
    return out


def cross_attention_maps(per_layer: list[torch.Tensor], target_tokens: list[str], source_tokens: list[str],
                         model_id: str, short: str, grid: tuple[int, int] | None = None,
                         drop_first_column: bool = False) -> list[AttentionMap]:
    """Per layer ``[heads, T, S]`` → maps (rows = generated tokens, columns = source tokens or patches).

    ``drop_first_column`` removes a vision encoder's [CLS] column so the rest forms the patch ``grid``;
    rows are then renormalised over the patches (recorded in meta).
    """
    maps = []
    for layer, w in enumerate(per_layer):
        if drop_first_column:
            w = w[..., 1:]
            w = w / w.sum(-1, keepdim=True).clamp_min(1e-12)
        for head in range(w.shape[0]):
            meta = {"model": model_id, "label": f"{short} cross L{layer} H{head}"}
            if drop_first_column:
                meta["note"] = "encoder [CLS] column dropped, rows renormalised over patches"
            maps.append(AttentionMap("cross-attention", target_tokens, source_tokens, w[head].numpy(),
                                     layer=layer, head=head, grid=grid, meta=meta))
    return maps


def word_groups(word_ids: list[int | None]) -> list[list[int]]:
    """Token positions grouped by word (special tokens, with word id None, stay alone)."""
    groups: list[list[int]] = []
    last = object()
    for i, wid in enumerate(word_ids):
        if wid is not None and wid == last:
            groups[-1].append(i)
        else:
            groups.append([i])
        last = wid
    return groups
