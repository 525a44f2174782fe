"""The Classroom's computations: the library's own mechanisms on a tiny, editable example.

Every function takes plain numbers (word vectors, a query) and returns plain arrays, so the lesson page
only draws. Learned matrices are stand-ins filled from a fixed seed — the lesson says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .mechanisms import (
    GlobalAttention,
    HierarchicalAttention,
    LocalAttention,
    StructuredSelfAttention,
    frobenius_penalty,
    masked_softmax,
)
from .record import AttentionMap

LOCAL_LENGTH = 14   # source length of the local-attention step's example


def seeded(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Fill a module's parameters from a fixed generator (a stand-in for learned weights), float64."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.8)
    return module.double()


def scores(vectors: np.ndarray, query: np.ndarray, score: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Score of the query against every word, ``[words]``, and the (stand-in) score parameters by name."""
    dim = vectors.shape[1]
    attn = seeded(GlobalAttention(dim, dim, score=score, hidden=3))
    with torch.no_grad():
        out = attn.scores(torch.tensor(query)[None, None], torch.tensor(vectors)[None])[0, 0].numpy()
    params = {name: p.detach().numpy() for name, p in attn.score.named_parameters()}
    return out, params


def softmax(values: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """The library's masked softmax of ``values / temperature`` (no mask)."""
    with torch.no_grad():
        return masked_softmax(torch.tensor(values / temperature), None).numpy()


@dataclass(frozen=True)
class LocalExample:
    """One local alignment on the lesson's example: content and final weights ``[S]``, p_t, D, σ."""

    alignment: str
    content: np.ndarray
    final: np.ndarray
    center: float
    width: int
    sigma: float | None


def local_examples(width: int, t: int, k: int, length: int = LOCAL_LENGTH) -> list[LocalExample]:
    """local-m, local-p and top-k on a fixed random source of ``length`` states, query near position t.

    Content weights come from the mechanism itself (``return_content=True``), never by dividing out the
    Gaussian.
    """
    g = torch.Generator().manual_seed(7)
    keys = torch.randn(1, length, 4, generator=g, dtype=torch.float64)
    query = keys[:, t:t + 1] + 0.3 * torch.randn(1, 1, 4, generator=g, dtype=torch.float64)
    out = []
    for alignment in ("monotonic", "predictive", "predictive-topk"):
        attn = seeded(LocalAttention(4, 4, width=width, alignment=alignment, score="dot", top_k=k), seed=3)
        with torch.no_grad():
            _, w, p, content = attn(query, keys, positions=torch.tensor([[t]]), return_centers=True,
                                    return_content=True)
        out.append(LocalExample(alignment, content[0, 0].numpy(), w[0, 0].numpy(), float(p[0, 0]), width,
                                None if alignment == "monotonic" else float(attn.sigma)))
    return out


def hops(vectors: np.ndarray, words: list[str], n_hops: int, sameness: float) -> tuple[AttentionMap, float]:
    """Structured self-attention with ``n_hops`` hops whose W_s2 rows are pulled together by ``sameness``
    (0 = as drawn, 1 = identical) → the hop map ``[hops, words]`` and the penalty ‖AAᵀ − I‖²_F."""
    attn = seeded(StructuredSelfAttention(vectors.shape[1], 4, n_hops), seed=5)
    with torch.no_grad():
        w2 = attn.W_s2.weight
        w2.copy_((1 - sameness) * w2 + sameness * w2[:1].expand_as(w2))
        _, A = attn(torch.tensor(vectors)[None])
    amap = AttentionMap("structured", [f"hop {i + 1}" for i in range(n_hops)], words, A[0].numpy())
    return amap, float(frobenius_penalty(A))


def hierarchy(sentences: list[list[str]]) -> list[AttentionMap]:
    """HAN's two levels on word vectors seeded by each word's spelling → one sentence-level map and one
    word-level map per sentence."""
    width = max(len(s) for s in sentences)
    states = torch.zeros(1, len(sentences), width, 4, dtype=torch.float64)
    mask = torch.zeros(1, len(sentences), width, dtype=torch.bool)
    for i, sent in enumerate(sentences):
        for j, word in enumerate(sent):
            seed = sum(ord(ch) * (k + 1) for k, ch in enumerate(word.lower())) % (2 ** 31)
            states[0, i, j] = torch.randn(4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
            mask[0, i, j] = True
    han = seeded(HierarchicalAttention(4, attn_dim=4), seed=11)
    with torch.no_grad():
        _, ww, sw = han(states, mask)
    maps = [AttentionMap("hierarchical", ["document"], [" ".join(s) for s in sentences], sw[0].numpy(),
                         level="sentence")]
    maps += [AttentionMap("hierarchical", [f"sentence {i + 1}"], s, ww[0, i, :len(s)].numpy(), level="word")
             for i, s in enumerate(sentences)]
    return maps


@dataclass(frozen=True)
class AttentionOrEvidence:
    """A real classifier's attention beside what its decision depends on (leave-one-out), for one sentence.

    ``attention`` is the hops' mean weight per token ``[T]``; ``removal`` is how much the probability of the
    decision drops when that token alone is replaced by the unknown-word token ``[T]``; the ``*_after`` pairs
    are (decision, its probability) once the most-attended / most-relied-on token is removed.
    """

    model: str
    tokens: list[str]
    decision: str
    probability: float
    attention: np.ndarray
    removal: np.ndarray
    tau: float
    tau_p: float
    attended_after: tuple[str, float]
    relied_after: tuple[str, float]


def attention_or_evidence(text: str, model_id: str = "sentence/lin-nopenalty",
                          maps: list[AttentionMap] | None = None) -> AttentionOrEvidence:
    """Attention vs leave-one-out (Captum) on ``model_id`` for ``text``, and the decision after removing the
    top token of each (``maps``: the model's maps for ``text`` when the caller already ran it)."""
    from .attribution.agreement import agreement
    from .attribution.erasure import erase
    from .attribution.pairing import attention_like
    from .attribution.records import raw_scores
    from .models import load_model
    explainer = load_model(model_id)
    inp = explainer.attribution_inputs(text)
    att = attention_like(inp.slots, maps if maps is not None else explainer.explain(text).maps)[0].weights[0]
    removal = raw_scores(inp, "leave-one-out")[0][0][0]
    with torch.no_grad():
        probability = float(inp.explained(inp.embeddings)[0, 0])
    after = {}
    for name, scores in (("attended", att), ("relied", removal)):
        kept, new = erase(inp, [[int(np.argmax(scores))]])
        label = inp.output_labels[new[0]]
        after[name] = (label, float(kept[0]) if label == inp.target_labels[0] else 1 - float(kept[0]))
    agr = agreement(att, removal)
    return AttentionOrEvidence(model_id, list(inp.slots[0].keys), inp.target_labels[0], probability, att, removal,
                               agr.tau, agr.tau_p, after["attended"], after["relied"])


@dataclass(frozen=True)
class Faithfulness:
    """ERASER on one input for the lesson: per ranking (attention, gradient × input, random), comprehensiveness
    and sufficiency per bin ``[K]`` under one removal ``operator``; ``full`` is p(decision) on the whole input."""

    model: str
    operator: str
    full: float
    bins: tuple[float, ...]
    curves: dict[str, tuple[np.ndarray, np.ndarray]]

    def aopc(self, ranking: str) -> tuple[float, float]:
        """(comprehensiveness, sufficiency) of ``ranking`` averaged over the bins."""
        comp, suff = self.curves[ranking]
        return float(np.mean(comp)), float(np.mean(suff))


LESSON_RANKINGS = {"attention: hop mean": "attention", "gradient × input": "gradient × input", "random": "random"}


def attention_faithfulness(text: str, model_id: str = "sentence/lin-nopenalty") -> Faithfulness:
    """Comprehensiveness and sufficiency (ERASER, :mod:`.attribution.eraser`) of attention (the hops' mean), of
    gradient × input and of a seeded random ranking for ``text`` on ``model_id``; tokens deleted when the model
    can delete them, else replaced by the unknown-word token."""
    from .attribution.eraser import BINS
    from .attribution.heldout_eraser import example_record
    from .attribution.rankings import Ranked, classifier_rankings
    from .models import load_model
    ranked = classifier_rankings(load_model(model_id), text, 0, methods=("grad×input",))
    scores = {LESSON_RANKINGS[name]: s for name, s in ranked.scores.items() if name in LESSON_RANKINGS}
    operator = "delete" if ranked.inputs.deleted is not None else "unk"
    rec = example_record(Ranked(ranked.inputs, scores, ranked.info), 0, (operator,))
    curves = {name: (np.asarray(c["c"][0], dtype=float), np.asarray(c["s"][0], dtype=float))
              for name, c in rec["curves"][operator].items()}
    return Faithfulness(model_id, operator, float(rec["full"]), tuple(BINS), curves)
