"""Word-level lexical baselines learned from parallel training pairs: a Dice co-occurrence lexicon (for aligning
dates) and IBM Model 1 (for word-by-word translation of Bible verses).

Both read pairs of token lists; nothing here looks at test data.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable, Sequence

import numpy as np

NULL = "<null>"
ENGLISH_WORD = re.compile(r"\w+|[^\w\s]")
FRENCH_WORD = re.compile(r"\w+'|\w+|[^\w\s]")   # keeps French elisions whole: "l'", "qu'", "d'"


def words(text: str, french: bool = False) -> list[str]:
    """Lower-cased words and punctuation marks of ``text`` (French elisions such as "l'" stay one token)."""
    return (FRENCH_WORD if french else ENGLISH_WORD).findall(text.lower().replace("’", "'"))


def detokenize(tokens: Sequence[str]) -> str:
    """Tokens joined by spaces, an elided French word ("l'") joined to the next one and closing punctuation to the
    word before it, as the references are written."""
    return re.sub(r" ([.,;:!?)])", r"\1", re.sub(r"' ", "'", " ".join(tokens)))


def dice_lexicon(pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> dict[tuple[str, str], float]:
    """Dice coefficient 2·c(s, t) / (c(s) + c(t)) of every source/target token pair that co-occurs in a pair,
    counting each token once per pair."""
    src_count: Counter[str] = Counter()
    tgt_count: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for source, target in pairs:
        s_set, t_set = set(source), set(target)
        src_count.update(s_set)
        tgt_count.update(t_set)
        both.update((s, t) for s in s_set for t in t_set)
    return {(s, t): 2 * c / (src_count[s] + tgt_count[t]) for (s, t), c in both.items()}


def ibm1(pairs: Sequence[tuple[Sequence[str], Sequence[str]]], iterations: int = 5) -> dict[str, dict[str, float]]:
    """IBM Model 1 translation probabilities t(target word | source word), by EM from a uniform start, with a
    NULL source word; returns ``{source word: {target word: t}}`` over the word pairs that co-occur.

    Vectorised over every (pair, source position, target position) link: one E-step is a ``bincount`` for each
    target word's normaliser and one for the expected counts."""
    src_vocab: dict[str, int] = {NULL: 0}
    tgt_vocab: dict[str, int] = {}
    link_src, link_tgt, link_word = [], [], []     # per possible link: source word, target word, (pair, target position)
    position = 0
    for source, target in pairs:
        s_ids = [0] + [src_vocab.setdefault(w, len(src_vocab)) for w in source]
        for w in target:
            t_id = tgt_vocab.setdefault(w, len(tgt_vocab))
            link_src += s_ids
            link_tgt += [t_id] * len(s_ids)
            link_word += [position] * len(s_ids)
            position += 1
    link_src, link_tgt, link_word = np.array(link_src), np.array(link_tgt), np.array(link_word)
    # one entry per co-occurring (source word, target word)
    keys, entry = np.unique(link_src * len(tgt_vocab) + link_tgt, return_inverse=True)
    entry_src = keys // len(tgt_vocab)
    prob = 1.0 / np.bincount(entry_src)[entry_src]          # uniform over the words seen with each source word
    for _ in range(iterations):
        weight = prob[entry]
        posterior = weight / np.bincount(link_word, weight)[link_word]
        counts = np.bincount(entry, posterior, minlength=len(keys))
        prob = counts / np.bincount(entry_src, counts)[entry_src]
    src_words, tgt_words = list(src_vocab), list(tgt_vocab)
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for key, p in zip(keys.tolist(), prob.tolist()):
        s, w = divmod(key, len(tgt_vocab))
        table[src_words[s]][tgt_words[w]] = p
    return dict(table)


def best_translations(table: dict[str, dict[str, float]]) -> dict[str, str]:
    """Each source word's most probable target word under an IBM-1 table (ties: the alphabetically first)."""
    return {s: min(row, key=lambda w: (-row[w], w)) for s, row in table.items() if s != NULL and row}


def word_by_word(source: Sequence[str], lexicon: dict[str, str]) -> list[str]:
    """Each source word replaced by its lexicon translation; a word never seen in training is copied."""
    return [lexicon.get(w, w) for w in source]


def top_k_table(table: dict, vocab_size: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """An IBM-1 table over token ids → ``(index [vocab_size, k] int32, prob [vocab_size, k] float32)``: each source
    id's ``k`` most probable target ids (ties: the lower id), zero-padded; the NULL row is left out."""
    index = np.zeros((vocab_size, k), dtype=np.int32)
    prob = np.zeros((vocab_size, k), dtype=np.float32)
    for s, row in table.items():
        if s == NULL:
            continue
        best = sorted(row.items(), key=lambda item: (-item[1], item[0]))[:k]
        index[s, :len(best)] = [t for t, _ in best]
        prob[s, :len(best)] = [p for _, p in best]
    return index, prob
