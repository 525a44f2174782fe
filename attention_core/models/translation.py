"""Registered translation models: one per attention mechanism, for Bible verses and for dates (En→Fr)."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import torch
from tokenizers import Tokenizer

from ..checkpoint import WEIGHTS_DIR, load_checkpoint
from ..device import resolve_device
from ..explanation import Explanation
from ..record import AttentionMap
from .decoding import Hypothesis, beam_search, greedy_batch
from .registry import ModelSpec, register_model
from .seq2seq import EOS, MECHANISM_LABELS, Seq2Seq

MAX_SOURCE_TOKENS = 100   # longer inputs are cut (with a notice): the models were trained on ≤ 20-word verses
MAX_TARGET_TOKENS = 120
FAMILIES = {
    "bible-en-fr": "Bible verses English→French (World English Bible → Louis Segond 1910)",
    "dates-en-fr": "Dates English→French written by Babel/CLDR (gold alignment known)",
}


@lru_cache(maxsize=None)
def tokenizer(family: str) -> Tokenizer:
    """The family's joint source/target tokenizer (loaded once)."""
    return Tokenizer.from_file(str(WEIGHTS_DIR / family / "tokenizer.json"))


def piece_label(piece: str) -> str:
    """A readable label for a subword: word-initial pieces plain, word-internal ones prefixed with '·'."""
    if piece == "</s>":
        return piece
    if piece.startswith("▁"):
        return piece[1:] or "▁"
    return piece if not piece[:1].isalnum() else "·" + piece


class Translator:
    """A loaded translation model: text in, translation and its source × target attention out."""

    def __init__(self, model_id: str, family: str, mechanism: str, device: str = "auto") -> None:
        self.model_id, self.family, self.mechanism = model_id, family, mechanism
        self.device = resolve_device(device)
        self.tok = tokenizer(family)
        # the Bible vocabulary is SentencePiece-style (▁ marks a word start); the dates one is whole words
        self.subword = any(piece.startswith("▁") for piece in self.tok.get_vocab())
        state, config = load_checkpoint(WEIGHTS_DIR / family / mechanism, device=self.device)
        self.config = config
        self.model = Seq2Seq(self.tok.get_vocab_size(), mechanism, **config["model"]).to(self.device)
        self.model.load_state_dict(state)
        self.model.eval()

    def label(self, token_id: int) -> str:
        """A token's row/column label: subword pieces marked as word-initial or not; whole words as they are."""
        token = self.tok.id_to_token(token_id)
        return piece_label(token) if self.subword else token

    def encode(self, text: str) -> tuple[list[int], bool]:
        """Source ids ending with EOS, and whether the text was cut to :data:`MAX_SOURCE_TOKENS`."""
        ids = self.tok.encode(text).ids
        cut = len(ids) > MAX_SOURCE_TOKENS
        return ids[:MAX_SOURCE_TOKENS] + [EOS], cut

    def translate_ids(self, ids: list[int], beam: int = 1) -> Hypothesis:
        """Decode one source → the hypothesis with one attention row per generated token."""
        src = torch.tensor([ids], device=self.device)
        lengths = torch.tensor([len(ids)])
        if beam > 1:
            return beam_search(self.model, src, lengths, beam=beam, max_len=MAX_TARGET_TOKENS)
        return greedy_batch(self.model, src, lengths, max_len=MAX_TARGET_TOKENS)[0]

    def explain(self, inp: str, beam: int = 1, **_: Any) -> Explanation:
        """Translate ``inp``; the map's rows are generated tokens (with the end token), columns source tokens."""
        ids, cut = self.encode(inp)
        hyp = self.translate_ids(ids, beam=int(beam))
        out_ids = [t for t in hyp.tokens if t != EOS]
        text = self.tok.decode(out_ids)
        weights = torch.stack(hyp.weights).numpy()
        meta: dict[str, Any] = {"model": self.model_id, "label": MECHANISM_LABELS[self.mechanism],
                                "family": self.family, "decoding": "greedy" if beam <= 1 else f"beam-{beam}",
                                "score": getattr(self.model.attention, "score_name", "concat")}
        centers = None
        if self.model.is_local:
            attn = self.model.attention
            centers = hyp.centers
            meta.update(width=attn.width, alignment=attn.alignment)
            meta["label"] += f" (D={attn.width})"
            if attn.alignment == "predictive":
                meta["rows_sum_at_most_one"] = True
                meta["content_weights"] = self._content_weights(weights, centers).tolist()
            if attn.alignment == "predictive-topk":
                meta["topk"] = True
                meta["top_k"] = attn.top_k
        amap = AttentionMap(
            mechanism=self.mechanism, queries=[self.label(t) for t in hyp.tokens],
            keys=[self.label(t) for t in ids], weights=weights, centers=centers, meta=meta)
        notices = [f"The input was cut to its first {MAX_SOURCE_TOKENS} subword tokens."] if cut else []
        return Explanation(self.model_id, text, [amap], notices)

    def _content_weights(self, weights: Any, centers: list[float]) -> Any:
        """Local-p's window softmax before the Gaussian: the final weights divided by the mechanism's Gaussian."""
        w = torch.as_tensor(weights)
        s = torch.arange(w.shape[1], dtype=w.dtype)
        gauss = self.model.attention.gaussian(s[None, :], torch.tensor(centers, dtype=w.dtype)[:, None])
        return torch.where(w > 0, w / gauss, torch.zeros_like(w)).numpy()


def heldout(family: str) -> list[dict[str, Any]]:
    """The small held-out slice shipped beside the family's weights (for samples and regression tests)."""
    path = WEIGHTS_DIR / family / "heldout.json"
    return json.loads(path.read_text()) if path.exists() else []


def _register() -> None:
    for family, blurb in FAMILIES.items():
        samples = tuple(item["source"] for item in heldout(family)[:6])
        for mechanism, label in MECHANISM_LABELS.items():
            model_id = f"{family}/{mechanism}"
            path = WEIGHTS_DIR / family / mechanism / "model.safetensors"
            register_model(ModelSpec(
                id=model_id, task="translation", mechanism=mechanism, family=family, input_kind="text",
                description=f"{label} — {blurb}",
                loader=lambda m=model_id, f=family, k=mechanism: Translator(m, f, k),
                available=path.exists, samples=samples))


_register()
