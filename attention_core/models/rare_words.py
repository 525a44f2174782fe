"""Attention-guided translation of rare source words from a word-level lexicon, while decoding.

A subword translator learns little about a word it saw once or twice; a word-level IBM Model 1 lexicon trained on
the same pairs often knows it (the NMT rare-word problem; Luong et al. 2015, Jean et al. 2015, who also let the
attention pick the source word to look up). The rule, applied by greedy and beam decoding alike
(:mod:`attention_core.models.decoding`) when a model's ``config.json`` declares ``"rare_words"``:

* at a step where the model's own best token begins a new word, the source word holding the most attention mass
  (a word's mass is the sum over its subword pieces) is looked up;
* if that word occurred at most ``max_count`` times in the training sources, its lexicon translation has
  t(french | english) ≥ ``min_prob``, its mass is ≥ ``min_mass`` and it has not been used yet, the lexicon
  word's pieces are emitted over the next steps (``when="always"``), or only if the model's best token is not the
  lexicon word's first piece (``when="disagree"``; when it is, the model is left to spell the word itself);
* each rare source word is used at most once per hypothesis;
* beam search applies the rule too unless the config says ``"beam": false`` (for a model whose beam-4 validation
  scores it did not raise).

Optional guards against IBM-1's "garbage collection" (a rare English word aligned to an unrelated word that
happened to share its few verses) and against overriding a model that knows better (run 14; chosen per model on
validation):

* ``min_joint_prob`` — an entry is used only if t(french | english) · t(english | french) reaches it, the second
  factor from IBM-1 trained the other way (French → English) on the same pairs: a translation both directions
  agree on, as symmetrised word alignment keeps; ``max_reverse_rank`` — only if the English word is among the
  French word's ``n`` most probable English words (1: the intersection of the two directions' best words);
* ``max_model_prob`` — at a step where the model's own best token has at least this probability, the model keeps
  its turn (nothing is forced, and the source word counts as used, so it is not forced at a later word either);
* ``min_lexicon_prob`` — the lexicon word is forced only where the model gives its first piece at least this
  probability (the lexicon proposes, the model must not find the word absurd here); the source word stays unused,
  so a later step where the word fits may still take it.

Two more (run 16), against replacing a word the model had right: IBM-1 knows one form per English word ("created →
créé"), so it overwrote a correct inflection ("dieu créa" → "dieu créé") or the auxiliary before it ("dieu a créé"
→ "dieu créé"):

* ``keep_inflection`` — where the model's best piece begins with the same ``n`` letters as the lexicon word (another
  form of that word), the model keeps its turn and the source word counts as used;
* ``defer_frequent`` — where the model's best piece is a whole word among the ``n`` most frequent words of the
  training French (an article, an auxiliary, a preposition: the lexicon file's ``frequent_french``), the model writes
  it and the source word stays unused, so the next word may still be the lexicon's.

A config without these keys decodes exactly as before them.

The decoder runs every step as usual (forced pieces are fed back as its previous tokens), so every attention row
is the model's own; a forced piece adds to its hypothesis's score either the model's log-probability of it
(``score="model"``) or the step's best log-probability (``score="best"``: the rule replaces the model's choice at no
cost, so beam search does not prefer hypotheses that avoid looking at rare words). Without the key,
decoding is exactly as before.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .base import read_json
from .special_tokens import SPECIALS

if TYPE_CHECKING:
    from tokenizers import Tokenizer

FILE = "rare_lexicon.json"
WHEN = ("always", "disagree")
# How a forced piece counts in a hypothesis's score: the model's own log-prob of it, or the step's best log-prob (the
# lexicon word replaces the model's choice at no cost, so beam search does not steer around the rule)
SCORES = ("model", "best")
FRENCH_WORD = re.compile(r"\w+")   # a lexicon word must be a word (no punctuation, no elided "l'")


@dataclass(frozen=True)
class Entry:
    """One rare English word's lexicon translation: the French word, its subword ids, the English word's training
    count and t(french | english)."""

    french: str
    pieces: tuple[int, ...]
    count: int
    prob: float
    french_count: int = 0     # the French word's count in the training French
    reverse_prob: float = 1.0  # t(english | french) from IBM-1 trained French → English (1: not recorded)
    reverse_rank: int = 1      # the English word's rank among the French word's reverse translations (1: best)


@dataclass(frozen=True)
class SourceWords:
    """A source's words: each piece's word index (−1: a piece in no word) and the words the rule may translate."""

    of_piece: torch.Tensor           # [S] long
    texts: tuple[str, ...]
    rare: dict[int, Entry]           # word index → its entry, only the words that pass the rule's filters


@dataclass(frozen=True)
class Forcing:
    """One hypothesis's state: lexicon pieces still to emit, source words already used, the words supplied."""

    pending: tuple[int, ...] = ()
    used: frozenset[int] = frozenset()
    supplied: tuple[tuple[str, str], ...] = ()    # (English word, French word) in order of emission
    closing: bool = False    # the lexicon word's last piece was just emitted: the next token must not extend it


@dataclass(frozen=True)
class RareWordRule:
    """A declared rare-word setting with its lexicon and the tokenizer facts it needs."""

    entries: dict[str, Entry]
    max_count: int
    min_mass: float
    when: str
    min_prob: float
    score: str
    beam: bool                     # whether beam search applies it too (greedy decoding always does)
    max_french_count: int | None   # a lexicon word more frequent than this in the training French is not used
    pieces: tuple[str, ...] = field(repr=False)        # vocabulary id → piece text
    word_start: torch.Tensor = field(repr=False)       # [V] bool: a piece that begins a word ("▁" + letter/digit)
    # [V] bool: a piece that continues a word (letters/digits, no "▁"). After a lexicon word the decoder may still be
    # spelling its own word ("aient" + "ôt"); such a piece would glue onto the lexicon word, so it is ruled out there.
    continues: torch.Tensor = field(repr=False)
    min_joint_prob: float = 0.0          # guard: t(f | e) · t(e | f) below this → the entry is not used
    max_reverse_rank: int | None = None  # guard: e ranked below this among f's reverse translations → not used
    max_model_prob: float | None = None  # guard: the model's best token this probable → the model keeps its turn
    min_lexicon_prob: float | None = None  # guard: the model gives the lexicon word's first piece less → not forced
    keep_inflection: int | None = None   # guard: the model's best piece shares this many first letters → model's turn
    # guard: vocabulary ids of the word-start pieces that are whole frequent French words (the model writes them first)
    frequent: frozenset[int] = frozenset()

    def usable(self, entry: Entry) -> bool:
        """Whether the rule's filters on an entry (its counts and both directions' probabilities) let it be used."""
        return (entry.count <= self.max_count and entry.prob >= self.min_prob
                and (self.max_french_count is None or entry.french_count <= self.max_french_count)
                and entry.prob * entry.reverse_prob >= self.min_joint_prob
                and (self.max_reverse_rank is None or entry.reverse_rank <= self.max_reverse_rank))

    def source_words(self, ids: list[int]) -> SourceWords:
        """Group source ``ids`` into words as :func:`training.lexical.words` splits text (runs of letters/digits,
        each punctuation mark alone) and find the rare ones."""
        of_piece, texts, current = [], [], -1
        for token in ids:
            piece = self.pieces[token]
            body = piece.lstrip("▁")
            if piece in SPECIALS or not body:
                current = -1
            elif not body[0].isalnum():        # a punctuation mark is a word of its own, and ends the one before
                texts.append(body)
                of_piece.append(len(texts) - 1)
                current = -1
                continue
            elif piece.startswith("▁") or current < 0:
                texts.append(body)
                current = len(texts) - 1
            else:
                texts[current] += body
            of_piece.append(current)
        rare = {i: e for i, text in enumerate(texts) if (e := self.entries.get(text)) and self.usable(e)}
        return SourceWords(torch.tensor(of_piece, dtype=torch.long), tuple(texts), rare)

    def step(self, words: SourceWords, state: Forcing, logprobs: torch.Tensor, weights: torch.Tensor,
             ) -> tuple[int | None, Forcing]:
        """One step of one hypothesis: the token the rule imposes (None: the model chooses) and the state after it,
        from the step's log-probs ``[V]`` and attention row ``[S]``."""
        if state.pending:
            return state.pending[0], replace(state, pending=state.pending[1:], closing=len(state.pending) == 1)
        best = int(logprobs.argmax())
        if state.closing:
            state = replace(state, closing=False)
            if bool(self.continues[best]):
                # the model's best piece would extend the lexicon word: its best piece that does not
                return int(logprobs.masked_fill(self.continues, float("-inf")).argmax()), state
        if not words.rare:
            return None, state
        if not bool(self.word_start[best]):
            return None, state
        inside = words.of_piece >= 0
        mass = torch.zeros(len(words.texts)).index_add_(0, words.of_piece[inside], weights[: len(inside)][inside].float())
        word = int(mass.argmax())
        entry = words.rare.get(word)
        if entry is None or word in state.used or float(mass[word]) < self.min_mass:
            return None, state
        used = state.used | {word}
        if self.when == "disagree" and best == entry.pieces[0]:
            return None, replace(state, used=used)      # the model starts the word itself: it keeps the turn
        if self.max_model_prob is not None and float(logprobs[best]) >= math.log(self.max_model_prob):
            # the model is sure of its word ("créa" for "created"): it keeps the turn, and the source word is spent so
            # a later, less sure step does not write the lexicon word beside it ("créa créé")
            return None, replace(state, used=used)
        if self.min_lexicon_prob is not None and float(logprobs[entry.pieces[0]]) < math.log(self.min_lexicon_prob):
            return None, state
        if best in self.frequent:
            return None, state     # "a" before "créé": the model writes its little word, the lexicon may come next
        if self.keep_inflection is not None and shared_prefix(
                self.pieces[best].lstrip("▁").lower(), entry.french.lower()) >= self.keep_inflection:
            return None, replace(state, used=used)    # "créa" for "créé": the model's own form of the same word
        return entry.pieces[0], Forcing(entry.pieces[1:], used, state.supplied + ((words.texts[word], entry.french),),
                                        closing=len(entry.pieces) == 1)

    def forced_logprob(self, logprobs: torch.Tensor, token: int) -> torch.Tensor:
        """What a forced ``token`` adds to its hypothesis's score, from the step's log-probs ``[V]`` (see
        :data:`SCORES`)."""
        return logprobs.max() if self.score == "best" else logprobs[token]


def shared_prefix(a: str, b: str) -> int:
    """How many first characters ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def build_rule(settings: dict[str, Any], lexicon: dict[str, Any], tok: "Tokenizer") -> RareWordRule:
    """A rule from a config's ``"rare_words"`` settings and the lexicon file's content (:data:`FILE`)."""
    if settings.get("when", "always") not in WHEN:
        raise ValueError(f"rare_words.when must be one of {WHEN}, got {settings['when']!r}")
    if settings.get("score", "model") not in SCORES:
        raise ValueError(f"rare_words.score must be one of {SCORES}, got {settings['score']!r}")
    vocab = tok.get_vocab()
    pieces = [""] * len(vocab)
    for piece, index in vocab.items():
        pieces[index] = piece
    start = torch.tensor([p.startswith("▁") and len(p) > 1 and p[1].isalnum() for p in pieces])
    continues = torch.tensor([bool(p) and not p.startswith("▁") and p[0].isalnum() and p not in SPECIALS
                              for p in pieces])
    entries = {}
    for english, item in lexicon["entries"].items():
        ids = tuple(tok.encode(item["french"]).ids)
        if ids and bool(start[ids[0]]):
            entries[english] = Entry(item["french"], ids, int(item["count"]), float(item["prob"]),
                                     int(item.get("french_count", 0)), float(item.get("reverse_prob", 1.0)),
                                     int(item.get("reverse_rank", 1)))
    model_prob, lexicon_prob = settings.get("max_model_prob"), settings.get("min_lexicon_prob")
    inflection, defer = settings.get("keep_inflection"), settings.get("defer_frequent")
    for name, value in (("keep_inflection", inflection), ("defer_frequent", defer)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"rare_words.{name} must be a positive whole number, got {value!r}")
    if defer and len(lexicon.get("frequent_french", [])) < defer:
        raise ValueError(f"rare_words.defer_frequent is {defer}, but the lexicon lists "
                         f"{len(lexicon.get('frequent_french', []))} frequent French words (rebuild it)")
    frequent = frozenset(vocab[f"▁{w}"] for w in lexicon.get("frequent_french", [])[: defer or 0] if f"▁{w}" in vocab)
    for name, value in (("max_model_prob", model_prob), ("min_lexicon_prob", lexicon_prob)):
        if value is not None and not 0.0 < float(value) <= 1.0:
            raise ValueError(f"rare_words.{name} must be in (0, 1], got {value!r}")
    return RareWordRule(entries, int(settings["max_count"]), float(settings.get("min_mass", 0.0)),
                        settings.get("when", "always"), float(settings.get("min_prob", 0.0)),
                        settings.get("score", "model"), bool(settings.get("beam", True)),
                        settings.get("max_french_count"), tuple(pieces), start, continues,
                        float(settings.get("min_joint_prob", 0.0)), settings.get("max_reverse_rank"),
                        None if model_prob is None else float(model_prob),
                        None if lexicon_prob is None else float(lexicon_prob), inflection, frequent)


@lru_cache(maxsize=None)
def _lexicon(path: str) -> dict[str, Any]:
    return read_json(Path(path))


def load_rule(config: dict[str, Any] | None, family_dir: Path, tok: "Tokenizer") -> RareWordRule | None:
    """The rule a model's config declares (``"rare_words"``), with the family's lexicon; None when it declares none."""
    settings = (config or {}).get("rare_words")
    if not settings:
        return None
    return build_rule(settings, _lexicon(str(family_dir / settings.get("lexicon", FILE))), tok)


def supplied_notice(forcing: Forcing | None, rule: RareWordRule | None) -> str | None:
    """The notice naming the words the lexicon supplied in a translation (None when it supplied none)."""
    if forcing is None or rule is None or not forcing.supplied:
        return None
    said = ", ".join(f"{en} → {fr}" for en, fr in forcing.supplied)
    return (f"Supplied by a word lexicon, not chosen by the model: {said}. These source words occur at most "
            f"{rule.max_count} times in the training verses; where the model's attention pointed at one while it "
            "began a new word, the word-level IBM-1 translation was written instead.")
