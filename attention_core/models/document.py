"""Hierarchical attention network (Yang et al. 2016) and a flat baseline for BBC News topics."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..checkpoint import WEIGHTS_DIR
from ..explanation import Explanation
from ..mechanisms import HierarchicalAttention
from ..outputs import ClassDistribution
from ..record import AttentionMap
from ..tasks import InputKind, Task
from .base import ShippedExplainer, read_json, register
from .recurrent import left_align, packed_rnn
from .registry import ModelSpec
from .text_inputs import TextInput, WordVocabInput, text_input
from .text_vocab import PAD, sentences

MAX_SENTENCES, MAX_WORDS = 30, 40   # documents are cut to this (with a notice); "words" = the inputs' tokens


def make_embedding(inputs: str, vocab_size: int, dim: int) -> nn.Module:
    """The embedding layer for a config's ``inputs``: a trained table, or MiniLM's frozen table/encoder + projection."""
    if inputs == "word-vocab":
        return nn.Embedding(vocab_size, dim, padding_idx=PAD)
    return text_input(inputs).embedding(dim)


class SentenceEncoder(nn.Module):
    """Bidirectional GRU over the sentence vectors, masked (used between HAN's two attention levels)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x [B, S, d]``, ``mask [B, S]`` → ``[B, S, 2·hidden]``."""
        return packed_rnn(self.gru, x, mask)


class HANClassifier(nn.Module):
    """Word BiGRU → word attention → sentence BiGRU → sentence attention → linear classifier."""

    def __init__(self, vocab_size: int, classes: int, emb: int = 64, hidden: int = 48, attn: int = 64,
                 inputs: str = "word-vocab") -> None:
        super().__init__()
        self.embed = make_embedding(inputs, vocab_size, emb)
        self.word_gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.han = HierarchicalAttention(2 * hidden, 2 * hidden, attn, SentenceEncoder(2 * hidden, hidden))
        self.classifier = nn.Linear(2 * hidden, classes)
        self.drop = nn.Dropout(0.3)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``ids [B, S, W]`` → logits ``[B, C]``, word weights ``[B, S, W]``, sentence weights ``[B, S]``."""
        batch, sents, wlen = ids.shape
        mask = ids != PAD
        flat = ids.reshape(batch * sents, wlen)
        states = packed_rnn(self.word_gru, self.drop(self.embed(flat)), mask.reshape(batch * sents, wlen))
        doc, word_w, sent_w = self.han(states.reshape(batch, sents, wlen, -1), mask)
        return self.classifier(self.drop(doc)), word_w, sent_w


class FlatClassifier(nn.Module):
    """Baseline without attention: one BiGRU over the whole document, mean-pooled."""

    def __init__(self, vocab_size: int, classes: int, emb: int = 64, hidden: int = 48,
                 inputs: str = "word-vocab") -> None:
        super().__init__()
        self.embed = make_embedding(inputs, vocab_size, emb)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * hidden, classes)
        self.drop = nn.Dropout(0.3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """``ids [B, S, W]`` (read as one sequence in reading order, padding skipped) → logits ``[B, C]``.

        The grid's PAD sits between sentences, so the real tokens are moved to the front first; the
        logits of a document do not depend on the other documents in the batch.
        """
        flat = left_align(ids.reshape(ids.shape[0], -1), PAD)
        mask = flat != PAD
        states = packed_rnn(self.gru, self.drop(self.embed(flat)), mask)
        pooled = states.sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return self.classifier(self.drop(pooled))


def document_ids(text: str, inputs: TextInput) -> tuple[torch.Tensor, list[list[str]], list[str], bool]:
    """Split and cap a document → ids ``[1, S, W]``, shown tokens per sentence, sentence texts, whether cut."""
    sents = sentences(text)
    cut = len(sents) > MAX_SENTENCES
    shown, rows, kept = [], [], []
    for s in sents[:MAX_SENTENCES]:
        ids, labels = inputs.tokens(s)
        if not ids:
            continue
        cut |= len(ids) > MAX_WORDS
        rows.append(ids[:MAX_WORDS])
        shown.append(labels[:MAX_WORDS])
        kept.append(s)
    if not shown:
        ids, labels = inputs.tokens("<empty>")
        rows, shown, kept = [ids], [labels], [""]
    width = max(len(r) for r in rows)
    out = torch.full((1, len(rows), width), PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        out[0, i, :len(r)] = torch.tensor(r)
    return out, shown, kept, cut


def classifier_inputs(folder, config: dict[str, Any]) -> tuple[TextInput, int]:
    """The text inputs a saved classifier's config names (default: its own ``vocab.json``) and the vocabulary
    size its embedding table needs (0 when the table comes from MiniLM)."""
    inputs = text_input(config["model"].get("inputs", "word-vocab"), folder)
    return inputs, len(inputs.vocab) if isinstance(inputs, WordVocabInput) else 0


class DocumentClassifier(ShippedExplainer):
    """A loaded HAN (or flat baseline): document text → topic and attention maps."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        super().__init__(spec, device)
        cls = HANClassifier if spec.mechanism == "hierarchical" else FlatClassifier

        def build(cfg: dict[str, Any]) -> nn.Module:
            self.inputs, size = classifier_inputs(self.folder, cfg)
            return cls(size, len(cfg["labels"]), **cfg["model"])

        self.model = self.load_module(build)
        self.labels: list[str] = self.config["labels"]

    @torch.no_grad()
    def explain(self, inp: str, **_: Any) -> Explanation:
        """Classify ``inp``; HAN adds one sentence-level map and one word-level map per sentence."""
        ids, shown, kept, cut = document_ids(inp, self.inputs)
        ids = ids.to(self.device)
        out = self.model(ids)
        logits = out[0] if isinstance(out, tuple) else out
        probs = torch.softmax(logits[0], -1).cpu()
        output = ClassDistribution(self.labels[int(probs.argmax())],
                                   {l: float(p) for l, p in zip(self.labels, probs.tolist())})
        notices = [f"The document was cut to {MAX_SENTENCES} sentences of at most {MAX_WORDS} tokens."] if cut else []
        if not isinstance(self.model, HANClassifier):
            return Explanation(self.model_id, output, [], notices + ["This baseline has no attention to show."])
        _, word_w, sent_w = out
        base = {"model": self.model_id}
        maps = [AttentionMap("hierarchical", ["document"],
                             [s if len(s) <= 60 else s[:59] + "…" for s in kept], sent_w[0].cpu().numpy(),
                             level="sentence", meta={**base, "label": "HAN sentence attention", "sentences": kept})]
        for i, ws in enumerate(shown):
            maps.append(AttentionMap("hierarchical", [f"sentence {i + 1}"], ws, word_w[0, i, :len(ws)].cpu().numpy(),
                                     level="word", meta={**base, "label": f"HAN word attention · sentence {i + 1}",
                                                         "sentence": i}))
        return Explanation(self.model_id, output, maps, notices)


def _samples() -> tuple[str, ...]:
    path = WEIGHTS_DIR / "document" / "han" / "samples.json"
    return tuple(read_json(path)) if path.exists() else ()


for _kind, _mech, _desc in [
    ("han", "hierarchical", "Hierarchical attention network (word + sentence attention) — BBC News topics"),
    ("flat", "none (mean-pooled BiGRU)", "Baseline without attention (BiGRU, mean-pooled) — BBC News topics"),
]:
    register(DocumentClassifier, id=f"document/{_kind}", task=Task.DOCUMENT_CLASSIFICATION, mechanism=_mech,
             family="bbc-news", input_kind=InputKind.TEXT, description=_desc, samples=_samples)
