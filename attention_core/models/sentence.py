"""Structured self-attentive sentence classifier (Lin et al. 2017) for Rotten Tomatoes snippets."""
from __future__ import annotations

import json
from typing import Any

import torch
from torch import nn

from ..checkpoint import WEIGHTS_DIR, load_checkpoint
from ..device import resolve_device
from ..explanation import Explanation
from ..mechanisms import StructuredSelfAttention, frobenius_penalty
from ..record import AttentionMap
from .document import make_embedding
from .recurrent import run_masked
from .registry import ModelSpec, register_model
from .text_vocab import PAD, Vocab, words

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
        states = run_masked(self.lstm, self.drop(self.embed(ids)), mask)
        M, A = self.attention(states, mask)
        return self.mlp(M.flatten(1)), A


class SentenceClassifier:
    """A loaded self-attentive classifier: text → fresh/rotten, hop maps and the penalty."""

    def __init__(self, model_id: str, folder: str, device: str = "auto") -> None:
        self.model_id = model_id
        self.device = resolve_device(device)
        state, config = load_checkpoint(WEIGHTS_DIR / folder, device=self.device)
        self.vocab = Vocab.load(WEIGHTS_DIR / folder / "vocab.json")
        self.labels: list[str] = config["labels"]
        self.coef = config.get("penalty_coef")
        self.model = SelfAttentiveClassifier(len(self.vocab), len(self.labels), **config["model"])
        self.model.load_state_dict(state)
        self.model.to(self.device).eval()

    @torch.no_grad()
    def explain(self, inp: str, **_: Any) -> Explanation:
        """Classify ``inp``; one map with a row per hop over the tokens."""
        ws = words(inp)
        cut = len(ws) > MAX_TOKENS
        ws = ws[:MAX_TOKENS] or ["<empty>"]
        ids = torch.tensor([self.vocab.ids(ws)], device=self.device)
        logits, A = self.model(ids)
        probs = torch.softmax(logits[0], -1).cpu()
        penalty = float(frobenius_penalty(A))
        output = {"label": self.labels[int(probs.argmax())],
                  "probabilities": {l: float(p) for l, p in zip(self.labels, probs)}, "penalty": penalty}
        label = f"Self-attentive (penalty ×{self.coef:g})" if self.coef else "Self-attentive (no penalty)"
        amap = AttentionMap("structured-self-attention", [f"hop {i + 1}" for i in range(A.shape[1])], ws,
                            A[0].cpu().numpy(), meta={"model": self.model_id, "label": label,
                                                      "penalty": penalty, "hops": int(A.shape[1]),
                                                      "penalty_coef": self.coef})
        notices = [f"The text was cut to its first {MAX_TOKENS} tokens."] if cut else []
        return Explanation(self.model_id, output, [amap], notices)


def _samples() -> tuple[str, ...]:
    path = WEIGHTS_DIR / "sentence/lin" / "samples.json"
    return tuple(json.loads(path.read_text())) if path.exists() else ()


for _id, _folder, _desc in [
    ("sentence/lin", "sentence/lin", "Structured self-attention, 4 hops, trained with the ‖AAᵀ−I‖²_F penalty (×0.3) — Rotten Tomatoes"),
    ("sentence/lin-nopenalty", "sentence/lin-nopenalty", "The same model trained without the penalty — Rotten Tomatoes"),
]:
    register_model(ModelSpec(
        id=_id, task="sentence-classification", mechanism="structured", family="rotten-tomatoes",
        description=_desc, input_kind="text", loader=lambda i=_id, f=_folder: SentenceClassifier(i, f),
        available=(WEIGHTS_DIR / _folder / "model.safetensors").exists, samples=_samples()))
