"""Registered translation models: one per attention mechanism, for Bible verses and for dates (En→Fr)."""
from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import torch
from tokenizers import Tokenizer

from ..capabilities import Attribution, Capabilities, Family, MapKind, Produces, Target
from ..checkpoint import WEIGHTS_DIR
from ..explanation import Explanation
from ..outputs import Translation
from ..record import AttentionMap
from ..tasks import Task
from .base import ShippedExplainer, files_problem, read_json, register
from .decoding import LOOP_REPEATS, Hypothesis, beam_search, greedy_batch, loop_block
from .known_words import FILE as KNOWN_WORDS_FILE, load_known_words
from .rare_words import load_rule, supplied_notice
from .registry import ModelSpec
from .seq2seq import EOS, MECHANISM_LABELS, Seq2Seq
from .special_tokens import UNK

if TYPE_CHECKING:   # attribution (and Captum) load only when asked for
    from ..attribution.inputs import AttributionInputs

MAX_SOURCE_TOKENS = 100   # a safety cap (decoding time, memory), far beyond the trained lengths below
MAX_TARGET_TOKENS = 120


def target_budget(source_tokens: int) -> int:
    """The most tokens decoding may generate for a source of ``source_tokens`` (with its end token):
    3 × the source + 10, at most :data:`MAX_TARGET_TOKENS`.

    Measured on the training pairs: 2 of 12,995 Bible references and 0 of 24,000 dates are longer than this,
    while a model that has lost its way (before the dates models learnt more formats, "3 Dec 2026" ran to the
    120-token cap) stops after a few tokens more than a real translation.
    """
    return min(MAX_TARGET_TOKENS, 3 * source_tokens + 10)
# What each family was trained on (``trained_lengths``: how an input's length is counted, the longest training
# input, what it was): longer inputs are still translated, with a notice that they are out of distribution.
FAMILIES = {
    "bible-en-fr": Family(
        "bible-en-fr", label="Bible verses, English → French",
        wording="Bible verses English→French (World English Bible → Louis Segond 1910)",
        trained_lengths=("words", 20, "Bible verses of at most 20 English words"),
        heldout="bible-en-fr", card="1. Translation family"),
    "dates-en-fr": Family(
        "dates-en-fr", label="Dates, English → French (alignment known)",
        wording="Dates English→French written by Babel/CLDR (gold alignment known)",
        trained_lengths=("tokens", 6, "single dates of at most 6 tokens, years 1900–2099, written as "
                                      "“Sunday, June 16, 1991”, “Jun 16, 1991”, “16 June 1991”, “16th June 1991”, "
                                      "“June 16th, 1991” or “06/16/1991”, also in lower case"),
        heldout="dates-en-fr", card="1. Translation family"),
}
LOCAL = {"local-m", "local-p"}   # mechanisms whose maps carry Luong's window (top-k keeps no window)


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


class Translator(ShippedExplainer):
    """A loaded translation model: text in, translation and its source × target attention out."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        super().__init__(spec, device)
        self.mechanism = spec.mechanism
        self.tok = tokenizer(spec.family)
        # the Bible vocabulary is SentencePiece-style (▁ marks a word start); the dates one is whole words
        self.subword = any(piece.startswith("▁") for piece in self.tok.get_vocab())
        self.model = self.load_module(lambda cfg: Seq2Seq(self.tok.get_vocab_size(), self.mechanism, **cfg["model"]))
        self.model.rare_words = load_rule(self.config, WEIGHTS_DIR / spec.family, self.tok)   # None: none declared
        # a subword vocabulary has no unknown token: the family's training words say what the model never saw
        trained = spec.capabilities.family.trained_lengths
        self.known_words = load_known_words(WEIGHTS_DIR / spec.family / KNOWN_WORDS_FILE, trained[2] if trained else "")

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
            return beam_search(self.model, src, lengths, beam=beam, max_len=target_budget(len(ids)), stop_loops=True)
        return greedy_batch(self.model, src, lengths, max_len=target_budget(len(ids)), stop_loops=True)[0]

    def explain(self, inp: str, beam: int = 1, **_: Any) -> Explanation:
        """Translate ``inp``; the map's rows are generated tokens (with the end token), columns source tokens."""
        ids, cut = self.encode(inp)
        hyp = self.translate_ids(ids, beam=int(beam))
        text = self.tok.decode([t for t in hyp.tokens if t != EOS])
        meta: dict[str, Any] = {"model": self.model_id, "label": MECHANISM_LABELS[self.mechanism],
                                "family": self.spec.family,
                                "decoding": "greedy" if beam <= 1 else f"beam-{beam}",
                                "score": getattr(self.model.attention, "score_name", "concat")}
        if hyp.rare is not None:   # the hybrid says which words its lexicon wrote
            meta["lexicon_words"] = [list(pair) for pair in hyp.rare.supplied]
        local: dict[str, Any] = {}
        if self.model.is_local:
            attn = self.model.attention
            meta["label"] += f" (D={attn.width})"
            meta["alignment"] = attn.alignment
            local = {"centers": hyp.centers, "window": attn.width,
                     "sub_stochastic": attn.alignment == "predictive" and not attn.renormalize,
                     "top_k": attn.top_k if attn.alignment == "predictive-topk" else None,
                     "content_weights": torch.stack(hyp.content).numpy() if hyp.content else None}
        amap = AttentionMap(mechanism=self.mechanism, queries=[self.label(t) for t in hyp.tokens],
                            keys=[self.label(t) for t in ids], weights=torch.stack(hyp.weights).numpy(),
                            meta=meta, **local)
        notices = [n for n in [self.length_notice(inp), self.unknown_notice(ids),
                               self.known_words.notice(inp) if self.known_words else None,
                               supplied_notice(hyp.rare, self.model.rare_words),
                               self.confidence_notice(hyp)] if n]
        block = loop_block(hyp.tokens) if hyp.tokens and hyp.tokens[-1] != EOS else 0
        if block:
            said = self.tok.decode(hyp.tokens[-block:]).strip() or " ".join(self.label(t) for t in hyp.tokens[-block:])
            notices.append(f"Decoding stopped when the output began to repeat itself (“{said}” {LOOP_REPEATS[block]} "
                           "times in a row; no training translation does): a sign that the input is unlike what it "
                           "was trained on, so the translation and its attention say little.")
        elif not hyp.tokens or hyp.tokens[-1] != EOS:
            notices.append(f"Decoding stopped at {len(hyp.tokens)} tokens (3 × the source + 10) without the model "
                           "ending its output: a sign that the input is unlike what it was trained on, so the "
                           "translation and its attention say little.")
        if cut:
            notices.append(f"The input was cut to its first {MAX_SOURCE_TOKENS} subword tokens (a safety cap).")
        return Explanation(self.model_id, Translation(text), [amap], notices)

    def unknown_notice(self, ids: list[int]) -> str | None:
        """A notice when source tokens are outside the model's vocabulary (None when every token is known)."""
        unknown = [i for i, t in enumerate(ids) if t == UNK]
        if not unknown:
            return None
        trained = self.spec.capabilities.family.trained_lengths
        what = f" (it was trained on {trained[2]})" if trained else ""
        return (f"{len(unknown)} of {len(ids) - 1} source tokens are not in this model's vocabulary{what}: they "
                "reach it as one unknown-word token, so it cannot translate them.")

    def confidence_notice(self, hyp: Hypothesis) -> str | None:
        """A notice when the model is less sure of this translation (mean log-probability per generated token) than
        of all but a few of its validation items (the floor in its config.json; None when sure or uncalibrated)."""
        calibration = (self.config or {}).get("confidence")
        if not calibration or not hyp.tokens:
            return None
        mean = hyp.score / len(hyp.tokens)
        if mean >= calibration["floor"]:
            return None
        trained = self.spec.capabilities.family.trained_lengths
        what = f" (it was trained on {trained[2]})" if trained else ""
        return (f"The model is less sure of this translation than of {1 - calibration['quantile']:.0%} of its "
                f"validation items: mean probability per generated token {math.exp(mean):.2f}, below their "
                f"{calibration['quantile']:.0%} quantile {math.exp(calibration['floor']):.2f}. The input may be unlike "
                f"its training data{what}, so the translation and its attention may say little.")

    def length_notice(self, text: str) -> str | None:
        """A notice when ``text`` is longer than anything in the family's training data (None otherwise)."""
        trained = self.spec.capabilities.family.trained_lengths
        if trained is None:
            return None
        unit, limit, what = trained
        length = len(text.split()) if unit == "words" else len(self.tok.encode(text).ids)
        if length <= limit:
            return None
        return (f"Longer than the training data: these models were trained on {what}; this input has {length} "
                f"{unit}. It is translated anyway, but it is outside the training distribution, so expect the "
                "translation and its attention to be less reliable.")

    def attribution_inputs(self, inp: str, beam: int = 1, **_: Any) -> "AttributionInputs":
        """What attribution needs for ``inp``: the source embeddings and, teacher-forced on the model's own
        translation (as :meth:`explain` decodes it), p(y_t | source, y_<t) for every generated token."""
        from ..attribution.inputs import translation_inputs
        ids, _ = self.encode(inp)
        hyp = self.translate_ids(ids, beam=int(beam))
        return translation_inputs(self.model_id, self.model, ids, hyp.tokens, [self.label(t) for t in ids],
                                  [self.label(t) for t in hyp.tokens], MECHANISM_LABELS[self.mechanism], self.device)


def heldout(family: str) -> list[dict[str, Any]]:
    """The small held-out slice shipped beside the family's weights (for samples and regression tests)."""
    path = WEIGHTS_DIR / family / "heldout.json"
    return read_json(path) if path.exists() else []


def _samples(family: str) -> tuple[str, ...]:
    return tuple(item["source"] for item in heldout(family)[:6])


def capabilities(family: Family, mechanism: str) -> Capabilities:
    """A translator's declarations: text → translation, a target × source map, attributed per token."""
    maps = {MapKind.CROSS} | ({MapKind.LOCAL_WINDOW} if mechanism in LOCAL else set())
    return Capabilities(input="text", produces=Produces.TRANSLATION, maps=frozenset(maps), family=family,
                        attribution=Attribution("source token embeddings", Target.EACH_TOKEN,
                                                ("grad×input", "leave-one-out")),   # IG: seconds per sentence
                        decoding=("greedy", "beam"))


for _family, _facts in FAMILIES.items():
    for _mechanism, _label in MECHANISM_LABELS.items():
        register(Translator, id=f"{_family}/{_mechanism}", task=Task.TRANSLATION, mechanism=_mechanism,
                 capabilities=capabilities(_facts, _mechanism), description=f"{_label} — {_facts.wording}",
                 samples=lambda f=_family: _samples(f),
                 check=lambda f=_family: files_problem(WEIGHTS_DIR / f, ("tokenizer.json",)))
