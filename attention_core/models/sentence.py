"""Structured self-attentive sentence classifier (Lin et al. 2017) for Rotten Tomatoes snippets."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..checkpoint import WEIGHTS_DIR
from ..explanation import Explanation
from ..mechanisms import StructuredSelfAttention, frobenius_penalty
from ..outputs import ClassDistribution
from ..record import AttentionMap
from ..capabilities import Attribution, Capabilities, Family, MapKind, Produces, Target
from ..tasks import Task
from .base import ShippedExplainer, read_json, register
from .document import make_embedding, saved_inputs
from .recurrent import packed_rnn
from .registry import ModelSpec
from .special_tokens import PAD, UNK

if TYPE_CHECKING:   # attribution (and Captum) load only when asked for
    from ..attribution.inputs import AttributionInputs

MAX_TOKENS = 80


class SelfAttentiveClassifier(nn.Module):
    """Embedding → BiLSTM → r hops of structured self-attention → MLP."""

    def __init__(self, vocab_size: int, classes: int = 2, emb: int = 100, hidden: int = 64,
                 attn: int = 64, hops: int = 4, mlp: int = 128, inputs: str = "word-vocab") -> None:
        super().__init__()
        self.embed = make_embedding(inputs, vocab_size, emb)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.attention = StructuredSelfAttention(2 * hidden, attn, hops)
        self.mlp = nn.Sequential(nn.Linear(hops * 2 * hidden, mlp), nn.ReLU(), nn.Dropout(0.3),
                                 nn.Linear(mlp, classes))
        self.drop = nn.Dropout(0.3)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``ids [B, T]`` → logits ``[B, C]`` and hop weights A ``[B, hops, T]``."""
        mask = ids != PAD
        states = packed_rnn(self.lstm, self.drop(self.embed(ids)), mask)
        M, A = self.attention(states, mask)
        return self.mlp(M.flatten(1)), A


class SentenceClassifier(ShippedExplainer):
    """A loaded self-attentive classifier: text → fresh/rotten, hop maps and the penalty."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        super().__init__(spec, device)

        def build(cfg: dict[str, Any]) -> nn.Module:
            self.inputs, size = saved_inputs(self.folder, cfg)
            return SelfAttentiveClassifier(size, len(cfg["labels"]), **cfg["model"])

        self.model = self.load_module(build)
        self.labels: list[str] = self.config["labels"]
        self.coef = self.config.get("penalty_coef")

    @torch.no_grad()
    def explain(self, inp: str, **_: Any) -> Explanation:
        """Classify ``inp``; one map with a row per hop over the tokens."""
        token_ids, ws = self.inputs.tokens(inp)
        cut = len(token_ids) > MAX_TOKENS
        token_ids, ws = token_ids[:MAX_TOKENS], ws[:MAX_TOKENS]
        if not token_ids:
            token_ids, ws = self.inputs.tokens("<empty>")
        ids = torch.tensor([token_ids], device=self.device)
        logits, A = self.model(ids)
        probs = torch.softmax(logits[0], -1).cpu()
        penalty = float(frobenius_penalty(A))
        output = ClassDistribution(self.labels[int(probs.argmax())],
                                   {l: float(p) for l, p in zip(self.labels, probs.tolist())}, penalty=penalty)
        label = f"Self-attentive (penalty ×{self.coef:g})" if self.coef else "Self-attentive (no penalty)"
        amap = AttentionMap("structured-self-attention", [f"hop {i + 1}" for i in range(A.shape[1])], ws,
                            A[0].cpu().numpy(), meta={"model": self.model_id, "label": label,
                                                      "penalty": penalty, "hops": int(A.shape[1]),
                                                      "penalty_coef": self.coef})
        notices = [f"The text was cut to its first {MAX_TOKENS} tokens."] if cut else []
        return Explanation(self.model_id, output, [amap], notices)

    def attribution_inputs(self, inp: str, **_: Any) -> "AttributionInputs":
        """What attribution needs for ``inp``: the embedding layer, the class probabilities as a function of its
        output, and one map (the decision × tokens) on the hop map's columns.

        With word-piece inputs the layer's output is one vector per piece that depends on that piece alone, so
        leave-one-out (a piece swapped for the inputs' unknown word, MiniLM's ``[UNK]``) removes that word
        and nothing else."""
        from ..attribution.inputs import MapSlot, classifier_inputs
        token_ids, ws = self.inputs.tokens(inp)
        token_ids, ws = token_ids[:MAX_TOKENS], ws[:MAX_TOKENS]
        if not token_ids:
            token_ids, ws = self.inputs.tokens("<empty>")
        ids = torch.tensor([token_ids], device=self.device)
        return classifier_inputs(self.model_id, self.model.embed, ids, lambda x: self.model(x)[0],
                                 self.labels, lambda target: [MapSlot([f"→ {target}"], ws, [0], [[j] for j in range(len(ws))],
                                                                      meta={"label": "tokens"})],
                                 blank_id=getattr(self.inputs, "blank_id", UNK))


def _samples() -> tuple[str, ...]:
    path = WEIGHTS_DIR / "sentence" / "lin" / "samples.json"
    return tuple(read_json(path)) if path.exists() else ()


FAMILY = Family("sentence", label="Rotten Tomatoes · self-attentive hops",
                wording="Lin et al.'s structured self-attentive sentence embedding on Rotten Tomatoes snippets "
                        "(fresh / rotten), split by movie", heldout="rotten-tomatoes",
                card="3. Document classifier")
CAPABILITIES = Capabilities(input="text", produces=Produces.LABEL, maps=frozenset({MapKind.HOPS}), family=FAMILY,
                            attribution=Attribution("word embeddings", Target.DECISION))

for _id, _desc in [
    ("sentence/lin", "Structured self-attention, 4 hops, trained with the ‖AAᵀ−I‖²_F penalty (×0.3) — Rotten Tomatoes"),
    ("sentence/lin-nopenalty", "The same model trained without the penalty — Rotten Tomatoes"),
]:
    register(SentenceClassifier, id=_id, task=Task.SENTENCE_CLASSIFICATION, mechanism="structured",
             capabilities=CAPABILITIES, description=_desc, samples=_samples)
