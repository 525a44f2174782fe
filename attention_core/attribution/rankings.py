"""Every ranking of an input's tokens the project has, as per-position scores ``[R, P]`` for one input.

Attention, read the ways each model family offers it (Lin: the mean of its hops and each hop; HAN: sentence
× word, word alone, sentence alone; MiniLM: raw last-layer attention averaged over heads, rollout and flow for
the pooled output; a translator: its attention row per generated token), and the attribution methods
(gradient × input, integrated gradients, leave-one-out — signed, so the tokens that most support the output
come first), and a seeded random ranking. Positions that cannot be removed ([CLS]/[SEP], padding) score 0
and are never ranked by the consumers (they skip them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .erasure import position_scores
from .inputs import AttributionInputs, translation_inputs
from .methods import get_method
from .pairing import attention_like

ATTRIBUTION_METHODS = ("grad×input", "integrated-gradients", "leave-one-out")
METHOD_NAMES = {"grad×input": "gradient × input", "integrated-gradients": "integrated gradients",
                "leave-one-out": "leave-one-out"}


@dataclass
class Ranked:
    """One input ready for ERASER: its attribution inputs, each ranking's scores ``[R, P]`` and side facts
    (integrated gradients' f(baseline) per row, the number of removable tokens)."""

    inputs: AttributionInputs
    scores: dict[str, np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)


def method_scores(inp: AttributionInputs, method: str, **options: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """One attribution method's signed score per removable position ``[R, P]`` (0 elsewhere) and its info."""
    removable = np.flatnonzero(inp.attributable.reshape(-1).cpu().numpy())
    values, info = get_method(method).run(inp, [[int(p)] for p in removable], **options)
    out = np.zeros((inp.rows, inp.positions))
    out[:, removable] = values
    return out, info


def random_ranking(inp: AttributionInputs, seed: list[int]) -> np.ndarray:
    """A seeded random ranking ``[R, P]`` (seeded by the example, so it does not depend on how many run)."""
    return np.random.default_rng(seed).random((inp.rows, inp.positions))


def with_attributions(inp: AttributionInputs, attention: dict[str, np.ndarray], index: int,
                      methods: tuple[str, ...] = ATTRIBUTION_METHODS,
                      options: dict[str, dict[str, Any]] | None = None) -> Ranked:
    """``attention`` rankings plus every attribution method (``options[method]`` passed on) and random →
    :class:`Ranked`."""
    scores = dict(attention)
    info: dict[str, Any] = {"n": int(inp.attributable.sum())}
    for method in methods:
        scores[METHOD_NAMES[method]], extra = method_scores(inp, method, **(options or {}).get(method, {}))
        if "baseline_p" in extra:
            info["ig_baseline_p"] = extra["baseline_p"]
            info["ig_baseline"] = extra["baseline"]
    scores["random"] = random_ranking(inp, [index, 7])
    return Ranked(inp, scores, info)


def lin_attention(explainer: Any, text: str, inp: AttributionInputs) -> dict[str, np.ndarray]:
    """Lin et al.'s hops: their mean (what the classifier reads overall) and each hop ``[1, P]``."""
    (amap,) = [m for m in explainer.explain(text).maps if not m.is_attribution]
    hops = np.asarray(amap.weights, dtype=np.float64)                       # [hops, T]
    out = {"attention: hop mean": hops.mean(0, keepdims=True)}
    out.update({f"attention: hop {h + 1}": hops[h:h + 1] for h in range(hops.shape[0])})
    return out


def han_attention(explainer: Any, text: str, inp: AttributionInputs) -> dict[str, np.ndarray]:
    """HAN's two levels: a word's sentence weight × its word weight, the word weight alone, the sentence weight
    alone (ties inside a sentence keep reading order)."""
    maps = attention_like(inp.slots, explainer.explain(text).maps)
    sentence_only = [m if s.level == "sentence" else None for m, s in zip(maps, inp.slots)]
    word_only = [m if s.level == "word" else None for m, s in zip(maps, inp.slots)]
    return {"attention: sentence × word": position_scores(maps, inp.slots, inp.rows, inp.positions),
            "attention: word": position_scores(word_only, inp.slots, inp.rows, inp.positions),
            "attention: sentence": position_scores(sentence_only, inp.slots, inp.rows, inp.positions)}


def classifier_rankings(explainer: Any, text: str, index: int, methods: tuple[str, ...] = ATTRIBUTION_METHODS,
                        options: dict[str, dict[str, Any]] | None = None) -> Ranked:
    """Every ranking for one classifier input (Lin, HAN, or the flat baseline without attention)."""
    inp = explainer.attribution_inputs(text)
    mechanism = explainer.spec.mechanism
    attention = (lin_attention(explainer, text, inp) if mechanism == "structured" else
                 han_attention(explainer, text, inp) if mechanism == "hierarchical" else {})
    return with_attributions(inp, attention, index, methods, options)


def minilm_rankings(model: Any, text: str, index: int, methods: tuple[str, ...] = ATTRIBUTION_METHODS,
                    options: dict[str, dict[str, Any]] | None = None, value_aware: bool = True) -> Ranked:
    """MiniLM + its sentiment head: raw last-layer attention (mean of heads), rollout and flow (≤ 32 pieces)
    for the mean-pooled output, the two value-aware readings (last layer's value norms; gradient-weighted
    rollout; left out with ``value_aware=False``) and the attribution methods."""
    inp = model.attribution_inputs(text)
    imp = model.attention_importance(text)
    attention = {"attention: raw layer 6 (head mean)": imp["raw"][-1][None],
                 "attention: rollout": imp["rollout"][-1][None]}
    if imp["flow"] is not None:
        attention["attention: flow"] = imp["flow"][-1][None]
    if value_aware:
        aware = model.value_aware_importance(text)
        attention["value-norm: layer 6 (Kobayashi)"] = aware["value-norm"][-1][None]
        attention["grad-weighted rollout (Chefer)"] = aware["grad-rollout"][None]
    return with_attributions(inp, attention, index, methods, options)


def reference_inputs(explainer: Any, source: str, reference: str) -> AttributionInputs:
    """A translator teacher-forced on the *reference*: row t explains p(reference token t | source, reference<t)."""
    from ..models.special_tokens import EOS
    ids, _ = explainer.encode(source)
    target = explainer.tok.encode(reference).ids[:119] + [EOS]
    return translation_inputs(explainer.model_id, explainer.model, ids, target, [explainer.label(t) for t in ids],
                              [explainer.label(t) for t in target], explainer.spec.mechanism, explainer.device)


@torch.no_grad()
def translation_attention(explainer: Any, inp: AttributionInputs) -> np.ndarray:
    """The translator's attention teacher-forced like ``inp``: one row per reference token ``[R, S]``."""
    from ..models.special_tokens import BOS
    src = inp.ids
    tgt_in = torch.tensor([[BOS] + inp.targets[:-1]], device=src.device)
    weights = explainer.model(src, torch.tensor([src.shape[1]]), tgt_in)[1]
    return weights[0].double().cpu().numpy()


def translation_rankings(explainer: Any, source: str, reference: str, index: int,
                         methods: tuple[str, ...] = ATTRIBUTION_METHODS,
                         options: dict[str, dict[str, Any]] | None = None) -> Ranked:
    """Every ranking for one translated sentence, per reference token (teacher-forced)."""
    inp = reference_inputs(explainer, source, reference)
    return with_attributions(inp, {"attention": translation_attention(explainer, inp)}, index, methods, options)
