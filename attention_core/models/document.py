"""Hierarchical attention network (Yang et al. 2016) and a flat baseline for BBC News topics."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import torch
from torch import nn

from ..checkpoint import WEIGHTS_DIR
from ..explanation import Explanation
from ..inputs import MAX_DOCUMENT_CHARS
from ..mechanisms import HierarchicalAttention
from ..outputs import ClassDistribution
from ..record import AttentionMap
from ..capabilities import Attribution, Capabilities, Family, MapKind, Produces, Target
from ..tasks import Task
from .base import ShippedExplainer, read_json, register
from .recurrent import left_align, packed_rnn
from .registry import ModelSpec
from .text_inputs import TextInput, WordVocabInput, text_input
from .sentence_split import split_text
from .text_vocab import PAD, UNK

if TYPE_CHECKING:   # attribution (and Captum) load only when asked for
    from ..attribution.inputs import AttributionInputs

# Whole documents go through: the character cap (``MAX_DOCUMENT_CHARS``) bounds their length, not a sentence
# count. A sentence longer than MAX_WORDS words (a list, a text without full stops) is read as consecutive
# pieces of MAX_WORDS words, so the padded batch stays ``sentences × MAX_WORDS`` and no word is dropped.
MAX_SENTENCES: int | None = None
MAX_WORDS = 100          # 99 % of BBC sentences have fewer words; the longest has 242 ("words" = input tokens)


def make_embedding(inputs: str, vocab_size: int, dim: int) -> nn.Module:
    """The embedding layer for a config's ``inputs``: a trained table, or MiniLM's frozen table/encoder + projection."""
    if inputs == "word-vocab":
        return nn.Embedding(vocab_size, dim, padding_idx=PAD)
    return text_input(inputs).embedding(dim)


def saved_inputs(folder, config: dict[str, Any]) -> tuple[TextInput, int]:
    """The text inputs a saved classifier's config names (default: its own ``vocab.json``) and the vocabulary
    size its embedding table needs (0 when the table comes from MiniLM)."""
    inputs = text_input(config["model"].get("inputs", "word-vocab"), folder)
    return inputs, len(inputs.vocab) if isinstance(inputs, WordVocabInput) else 0


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


class DocumentIds(NamedTuple):
    """A document split for HAN: ids ``[1, S, W]``, the words and text of each (piece of a) sentence."""

    ids: torch.Tensor
    words: list[list[str]]
    texts: list[str]
    cut: bool          # sentences beyond ``max_sentences`` were dropped
    split: int         # sentences read as several pieces of ``max_words`` words
    joined: int = 0    # line breaks read as hard wrapping and joined
    wrap_width: int | None = None   # the width the text looked wrapped at


def document_ids(text: str, inputs: TextInput, max_sentences: int | None = MAX_SENTENCES,
                 max_words: int = MAX_WORDS) -> DocumentIds:
    """Split a document into sentences of at most ``max_words`` words (longer ones become consecutive
    pieces) and keep the first ``max_sentences`` (None: all) → :class:`DocumentIds`."""
    shown: list[list[str]] = []
    rows: list[list[int]] = []
    kept: list[str] = []
    split = 0
    parts = split_text(text)
    for s in parts.sentences:
        tok_ids, ws = inputs.tokens(s)
        if not tok_ids:
            continue
        if len(tok_ids) <= max_words:
            rows.append(tok_ids)
            shown.append(ws)
            kept.append(s)
            continue
        split += 1
        for start in range(0, len(tok_ids), max_words):
            rows.append(tok_ids[start:start + max_words])
            shown.append(ws[start:start + max_words])
            kept.append(" ".join(shown[-1]))
    cut = max_sentences is not None and len(shown) > max_sentences
    if cut:
        rows, shown, kept = rows[:max_sentences], shown[:max_sentences], kept[:max_sentences]
    if not shown:
        tok_ids, ws = inputs.tokens("<empty>")
        rows, shown, kept = [tok_ids], [ws], [""]
    width = max(len(r) for r in rows)
    ids = torch.full((1, len(rows), width), PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[0, i, :len(r)] = torch.tensor(r)
    return DocumentIds(ids, shown, kept, cut, split, parts.joined_breaks, parts.wrap_width)


def training_notice(doc: DocumentIds, caps: dict[str, Any] | None) -> str | None:
    """A notice when the document is longer than what the weights saw in training (``config["training_caps"]``)."""
    if not caps:
        return None
    sents, wlen = caps.get("max_sentences"), caps.get("max_words")
    longest = max(len(ws) for ws in doc.words)
    if (sents is None or len(doc.words) <= sents) and (wlen is None or longest <= wlen):
        return None
    return (f"Longer than the training documents: this model was trained on the first {sents} sentences "
            f"(of at most {wlen} words) of each BBC article; this document has {len(doc.words)} sentences, the "
            f"longest of {longest} words, so it is outside the training distribution (the weights still sum "
            "to 1; how well they transfer to longer documents is untested).")


class DocumentClassifier(ShippedExplainer):
    """A loaded HAN (or flat baseline): document text → topic and attention maps."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        super().__init__(spec, device)
        cls = HANClassifier if spec.mechanism == "hierarchical" else FlatClassifier

        def build(cfg: dict[str, Any]) -> nn.Module:
            self.inputs, size = saved_inputs(self.folder, cfg)
            return cls(size, len(cfg["labels"]), **cfg["model"])

        self.model = self.load_module(build)
        self.labels: list[str] = self.config["labels"]

    @torch.no_grad()
    def explain(self, inp: str, **_: Any) -> Explanation:
        """Classify ``inp``; HAN adds one sentence-level map and one word-level map per sentence."""
        doc = document_ids(inp, self.inputs)
        ids, shown, kept = doc.ids.to(self.device), doc.words, doc.texts
        out = self.model(ids)
        logits = out[0] if isinstance(out, tuple) else out
        probs = torch.softmax(logits[0], -1).cpu()
        output = ClassDistribution(self.labels[int(probs.argmax())],
                                   {l: float(p) for l, p in zip(self.labels, probs.tolist())})
        notices = [f"The document was cut to its first {MAX_SENTENCES} sentences."] if doc.cut else []
        if doc.joined:
            notices.append(f"{doc.joined:,} line break(s) inside paragraphs were read as hard wrapping (lines about "
                           f"{doc.wrap_width} characters wide) and joined before splitting into sentences.")
        if doc.split:
            notices.append(f"{doc.split} sentence(s) longer than {MAX_WORDS} words were read as consecutive "
                           f"pieces of {MAX_WORDS} words.")
        notices += [n for n in [training_notice(doc, self.config.get("training_caps"))] if n]
        if not isinstance(self.model, HANClassifier):
            return Explanation(self.model_id, output, [], notices + ["This baseline has no attention to show."])
        _, word_w, sent_w = out
        base = {"model": self.model_id}
        maps = [AttentionMap("hierarchical", ["document"], [sentence_label(s) for s in kept], sent_w[0].cpu().numpy(),
                             level="sentence", meta={**base, "label": "HAN sentence attention", "sentences": kept})]
        for i, ws in enumerate(shown):
            maps.append(AttentionMap("hierarchical", [f"sentence {i + 1}"], ws, word_w[0, i, :len(ws)].cpu().numpy(),
                                     level="word", meta={**base, "label": f"HAN word attention · sentence {i + 1}",
                                                         "sentence": i}))
        return Explanation(self.model_id, output, maps, notices)

    def attribution_inputs(self, inp: str, **_: Any) -> "AttributionInputs":
        """What attribution needs for ``inp`` (HAN and the flat baseline alike): the embedding layer, the class
        probabilities as a function of its output, and maps laid out as HAN's (document × sentences, one
        sentence × words per sentence)."""
        from ..attribution.inputs import MapSlot, classifier_inputs
        doc = document_ids(inp, self.inputs)
        ids, shown, kept = doc.ids.to(self.device), doc.words, doc.texts
        width = ids.shape[-1]

        def logits(x: torch.Tensor) -> torch.Tensor:
            out = self.model(x)
            return out[0] if isinstance(out, tuple) else out

        def slots(_target: str) -> list[MapSlot]:
            out = [MapSlot(["document"], [sentence_label(s) for s in kept], [0],
                           [[i * width + j for j in range(len(ws))] for i, ws in enumerate(shown)], level="sentence",
                           meta={"label": "sentence level", "sentences": kept})]
            out += [MapSlot([f"sentence {i + 1}"], ws, [0], [[i * width + j] for j in range(len(ws))], level="word",
                            meta={"label": f"sentence {i + 1}", "sentence": i}) for i, ws in enumerate(shown)]
            return out

        return classifier_inputs(self.model_id, self.model.embed, ids, logits, self.labels, slots,
                                 blank_id=getattr(self.inputs, "blank_id", UNK))


def sentence_label(text: str) -> str:
    """A sentence as a column label (cut to 60 characters)."""
    return text if len(text) <= 60 else text[:59] + "…"


def _samples() -> tuple[str, ...]:
    path = WEIGHTS_DIR / "document" / "han" / "samples.json"
    return tuple(read_json(path)) if path.exists() else ()


FAMILY = Family("document", label="BBC News · HAN",
                 wording="BBC News articles, five topics (deduplicated split)", heldout="bbc-news",
                 card="3. Document classifier")
ATTRIBUTION = Attribution("word embeddings", Target.DECISION)
CAPABILITIES = {
    "han": Capabilities(input="text", produces=Produces.LABEL, maps=frozenset({MapKind.HIERARCHY}), family=FAMILY,
                        attribution=ATTRIBUTION),
    # the flat baseline has no attention: it is attributed beside HAN, but draws no maps
    "flat": Capabilities(input="text", produces=Produces.LABEL, maps=frozenset(), family=FAMILY,
                         attribution=ATTRIBUTION),
}

for _kind, _mech, _desc in [
    ("han", "hierarchical", "Hierarchical attention network (word + sentence attention) — BBC News topics"),
    ("flat", "none (mean-pooled BiGRU)", "Baseline without attention (BiGRU, mean-pooled) — BBC News topics"),
]:
    register(DocumentClassifier, id=f"document/{_kind}", task=Task.DOCUMENT_CLASSIFICATION, mechanism=_mech,
             capabilities=CAPABILITIES[_kind], description=_desc, samples=_samples,
             max_chars=MAX_DOCUMENT_CHARS)
