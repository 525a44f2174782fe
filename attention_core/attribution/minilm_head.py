"""MiniLM with a small sentiment head trained here, so its attention has a decision to be compared against.

all-MiniLM-L6-v2 stays frozen; its sentence embedding (mean of the last layer over the tokens, L2-normalised —
how the model was trained to be used) feeds a logistic-regression head trained on Rotten Tomatoes snippets
(split by movie; ``python -m training.minilm_head``). The head ships as ``model.safetensors`` (two tensors,
≈ 3 KB) with ``config.json`` in ``attention_core/weights/transformer/minilm-l6/rt-head/``.

Because the output is a mean over tokens, the attention-based importance of input token j is the mean over
output positions i of ``A[i, j]`` (raw), of the rollout, and the flow from a source feeding every top-layer
token with 1/T (see :mod:`.flow`).
"""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn

from ..checkpoint import WEIGHTS_DIR, load_checkpoint
from ..outputs import ClassDistribution
from ..record import AttentionMap
from .flow import FLOW_MAX_TOKENS, flow_per_layer, raw_per_layer, rollout_per_layer
from .inputs import AttributionInputs, MapSlot

ENCODER_ID = "transformer/minilm-l6"
HEAD_DIR = WEIGHTS_DIR / "transformer" / "minilm-l6" / "rt-head"
MAX_TOKENS = 128        # as the Transformers page (its maps are drawn on these tokens)
SPECIAL = ("[CLS]", "[SEP]")
_LOCK = threading.Lock()


class SentenceHead(nn.Module):
    """Mean pooling over real tokens → L2 normalisation → linear layer (logistic regression)."""

    def __init__(self, dim: int = 384, classes: int = 2) -> None:
        super().__init__()
        self.linear = nn.Linear(dim, classes)

    @staticmethod
    def pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``hidden [B, T, d]``, ``mask [B, T]`` → unit-length sentence embeddings ``[B, d]``."""
        m = mask[..., None].to(hidden.dtype)
        mean = (hidden * m).sum(1) / m.sum(1).clamp_min(1.0)
        return nn.functional.normalize(mean, dim=-1)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, C]``."""
        return self.linear(self.pool(hidden, mask))


def head_problem() -> str | None:
    """Why the head cannot load here (one line), or None."""
    from ..models.base import files_problem
    return files_problem(HEAD_DIR)


class MiniLMSentiment:
    """MiniLM + the Rotten Tomatoes head: text → fresh/rotten, its attribution inputs and attention per layer.

    The attention maps come from the shared eager-attention explainer; gradients run through a second copy
    of the encoder with PyTorch's fused attention (faster, and attention weights are not needed there).
    """

    def __init__(self, device: str = "auto") -> None:
        from ..models import load_model
        from transformers import AutoModel
        self.encoder = load_model(ENCODER_ID)
        self.tokenizer = self.encoder.tokenizer
        self.device = self.encoder.device
        state, self.config = load_checkpoint(HEAD_DIR, device=self.device)
        self.labels: list[str] = self.config["labels"]
        self.head = SentenceHead(int(self.config["dim"]), len(self.labels))
        self.head.load_state_dict(state)
        self.head.to(self.device).eval().requires_grad_(False)
        from ..models.hf_models import minilm_path
        self.fast = AutoModel.from_pretrained(minilm_path(), attn_implementation="sdpa", local_files_only=True)
        self.fast.to(self.device).eval().requires_grad_(False)   # gradients flow to the inputs only

    def tokens(self, text: str, max_tokens: int = MAX_TOKENS) -> dict[str, torch.Tensor]:
        """The tokenizer's ids for ``text`` (cut to ``max_tokens``), on the device."""
        enc = self.tokenizer(text, return_tensors="pt", truncation=True, max_length=max_tokens)
        return {k: v.to(self.device) for k, v in enc.items()}

    @torch.no_grad()
    def classify(self, text: str, max_tokens: int = MAX_TOKENS) -> ClassDistribution:
        """fresh / rotten with probabilities."""
        enc = self.tokens(text, max_tokens)
        hidden = self.fast(**enc).last_hidden_state
        probs = torch.softmax(self.head(hidden, enc["attention_mask"]), -1)[0].cpu()
        return ClassDistribution(self.labels[int(probs.argmax())], dict(zip(self.labels, probs.tolist())))

    def attribution_inputs(self, text: str, max_tokens: int = MAX_TOKENS, **_: Any) -> AttributionInputs:
        """Word-piece embeddings of ``text`` (the layer attributed to: ``embeddings.word_embeddings``) and the
        head's probabilities as their function; [CLS]/[SEP] are never blanked or attributed."""
        enc = self.tokens(text, max_tokens)
        ids, mask = enc["input_ids"], enc["attention_mask"]
        words = self.fast.embeddings.word_embeddings
        tokens = self.tokenizer.convert_ids_to_tokens(ids[0])
        real = torch.tensor([t not in SPECIAL for t in tokens], device=self.device)
        with torch.no_grad():
            emb = words(ids)
            base = words(torch.full_like(ids, self.tokenizer.pad_token_id))
            blank = words(torch.full_like(ids, self.tokenizer.unk_token_id))
            probs = self.probabilities(emb, mask)[0, 0]
        where = real[None, :, None]

        def probabilities(e: torch.Tensor) -> torch.Tensor:
            return self.probabilities(e, mask.expand(e.shape[0], -1))

        def deleted(positions: list[list[int]]) -> torch.Tensor:
            # the kept pieces close up behind [CLS], so positions stay contiguous as in a shorter text
            keep = [[j for j in range(ids.shape[1]) if j not in set(pos)] for pos in positions]
            width = max(len(k) for k in keep)
            vectors = torch.zeros(len(keep), width, emb.shape[-1], device=self.device)
            kept_mask = torch.zeros(len(keep), width, dtype=mask.dtype, device=self.device)
            for i, k in enumerate(keep):
                vectors[i, :len(k)] = emb[0, k]
                kept_mask[i, :len(k)] = 1
            with torch.no_grad():
                return self.probabilities(vectors, kept_mask)

        target = int(probs.argmax())
        slot = MapSlot([f"→ {self.labels[target]}"], tokens, [0], [[j] for j in range(len(tokens))],
                       meta={"label": "word pieces"})
        full = len(self.tokenizer(text, verbose=False)["input_ids"])
        notices = ([f"Attribution reads the first {ids.shape[1]} of the text's {full} word pieces (the head's "
                    "input limit here): the rest is not explained."] if full > ids.shape[1] else [])
        return AttributionInputs(ENCODER_ID, ids, emb, torch.where(where, base, emb), torch.where(where, blank, emb),
                                 real, probabilities, [target], [self.labels[target]], [slot], list(self.labels),
                                 classes=len(self.labels), notices=notices, deleted=deleted)

    def probabilities(self, emb: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Head probabilities ``[N, 1, C]`` from word-piece embeddings ``[N, T, d]``."""
        hidden = self.fast(inputs_embeds=emb, attention_mask=mask).last_hidden_state
        return torch.softmax(self.head(hidden, mask), -1)[:, None, :]

    @torch.no_grad()
    def layer_attention(self, text: str, max_tokens: int = MAX_TOKENS) -> tuple[list[str], np.ndarray]:
        """Tokens and every layer's attention averaged over heads ``[L, T, T]`` (from the eager encoder)."""
        enc = self.tokens(text, max_tokens)
        out = self.encoder.model(**enc, output_attentions=True)
        layers = torch.stack([a[0].mean(0) for a in out.attentions]).double().cpu().numpy()
        return self.tokenizer.convert_ids_to_tokens(enc["input_ids"][0]), layers

    def value_aware_importance(self, text: str, max_tokens: int = MAX_TOKENS) -> dict[str, np.ndarray]:
        """For the pooled output (q = 1/T): value-norm importance per layer ``[L, T]`` (q · N_l, Kobayashi et al.)
        and the gradient-weighted rollout ``[T]`` (q · R, Chefer et al.; gradients of the decided class's logit),
        from the eager encoder (see :mod:`.value_aware`)."""
        from .value_aware import value_aware_maps
        enc = self.tokens(text, max_tokens)
        model = self.encoder.model

        def run() -> tuple[Any, torch.Tensor]:
            emb = model.embeddings.word_embeddings(enc["input_ids"]).detach().requires_grad_(True)
            out = model(inputs_embeds=emb, attention_mask=enc["attention_mask"], output_attentions=True)
            logits = self.head(out.last_hidden_state, enc["attention_mask"])[0]
            return out, logits[int(logits.argmax())]
        norms, rollout = value_aware_maps(model, run)
        query = np.full(norms.shape[-1], 1.0 / norms.shape[-1])
        return {"value-norm": np.einsum("t,lts->ls", query, norms), "grad-rollout": query @ rollout}

    def attention_importance(self, text: str, max_tokens: int = MAX_TOKENS, flow: bool = True,
                             flow_max_tokens: int = FLOW_MAX_TOKENS) -> dict[str, Any]:
        """Per layer, raw / rollout / flow importance of each token for the pooled output, each ``[L, T]``
        (flow None when skipped: more than ``flow_max_tokens`` tokens)."""
        tokens, layers = self.layer_attention(text, max_tokens)
        query = np.full(len(tokens), 1.0 / len(tokens))
        return {"tokens": tokens, "raw": raw_per_layer(layers, query), "rollout": rollout_per_layer(layers, query),
                "flow": flow_per_layer(layers, query, max_tokens=flow_max_tokens) if flow else None}


def pooled_maps(importance: dict[str, Any], layer: int | None = None) -> dict[str, AttentionMap]:
    """Records ``[1, T]`` of raw attention (``layer``, default the last), rollout and flow (when computed)
    over the word pieces, for the pooled output — the attention side of the comparison."""
    tokens = importance["tokens"]
    last = importance["raw"].shape[0] - 1 if layer is None else int(layer)
    out = {"raw": AttentionMap("multi-head", ["pooled output"], tokens, importance["raw"][last], layer=last,
                               meta={"model": ENCODER_ID, "label": f"raw attention, layer {last + 1} (mean of heads)"}),
           "rollout": AttentionMap("multi-head", ["pooled output"], tokens, importance["rollout"][-1],
                                   meta={"model": ENCODER_ID, "label": "rollout over all layers"})}
    if importance["flow"] is not None:
        flow = importance["flow"][-1]
        out["flow"] = AttentionMap("multi-head", ["pooled output"], tokens, flow / max(flow.sum(), 1e-12),
                                   meta={"model": ENCODER_ID, "label": "attention flow (max-flow, share)",
                                         "note": "each token's max-flow divided by their sum"})
    return out


@lru_cache(maxsize=1)
def _shared() -> MiniLMSentiment:
    return MiniLMSentiment()


def minilm_sentiment() -> MiniLMSentiment:
    """The MiniLM + head model, loaded once per process (thread-safe)."""
    with _LOCK:
        return _shared()
