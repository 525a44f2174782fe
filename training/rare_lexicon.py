"""Write the Bible family's word lexicon for rare source words (``bible-en-fr/rare_lexicon.json``).

    python -m training.rare_lexicon

Word-level IBM Model 1 on the training pairs only (the word-by-word baseline's words and EM iterations,
:mod:`training.baselines`): for every English word that occurs in the training sources at most as often as the
largest ``rare_words.max_count`` a shipped model declares, its most probable French word, t(french | english) and
the English word's count — only entries the shipped rules can use (a French word, not a punctuation mark or an
elision, with t at least the smallest declared ``min_prob``; no numerals). Each entry also carries what IBM-1 trained
the other way (French → English, same pairs and iterations) says of it — t(english | french) and the English word's
rank among the French word's translations — for the rule's bidirectional guard. Read by
:mod:`attention_core.models.rare_words`.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.rare_words import FILE, FRENCH_WORD
from attention_core.models.seq2seq import MECHANISM_LABELS
from training.lexical import best_translations, ibm1, words

FAMILY = "bible-en-fr"
IBM1_ITERATIONS = 5   # the word-by-word baseline's, chosen on validation BLEU (baselines.json)
FREQUENT = 200        # the training French's most frequent words listed for the rule's defer_frequent guard


def build(train: list[dict], max_count: int, min_prob: float = 0.0) -> dict:
    """The file's content from the training pairs: ``{"entries": {english: {french, count, prob, french_count,
    reverse_prob, reverse_rank}}, "frequent_french": [...], ...}`` (``french_count``: the French word's count in the training French;
    ``reverse_*``: t(english | french) and its rank, from IBM-1 trained French → English) for the
    English words seen at most ``max_count`` times whose best translation is a French word with t ≥ ``min_prob``."""
    counts = Counter(w for e in train for w in words(e["source"]))
    french_counts = Counter(w for e in train for w in words(e["target"], french=True))
    pairs = [(words(e["source"]), words(e["target"], french=True)) for e in train]
    table = ibm1(pairs, IBM1_ITERATIONS)
    reverse = ibm1([(f, e) for e, f in pairs], IBM1_ITERATIONS)   # t(english | french): the other direction
    best = best_translations(table)
    entries = {}
    for english in sorted(best):
        french = best[english]
        prob = table[english][french]
        # a numeral's IBM-1 "translation" is whatever shared its verses (the French writes numbers in words)
        numeral = any(ch.isdigit() for ch in english)
        both_words = FRENCH_WORD.fullmatch(english) and FRENCH_WORD.fullmatch(french)   # no marks on either side
        if counts[english] <= max_count and both_words and prob >= min_prob and not numeral:
            back = reverse.get(french, {})
            mine = back.get(english, 0.0)
            # rank as best_translations orders (probability, then spelling); an unseen pair ranks after every word
            rank = (1 + sum(1 for w, p in back.items() if (-p, w) < (-mine, english)) if english in back
                    else len(back) + 1)
            entries[english] = {"french": french, "count": counts[english], "prob": round(prob, 6),
                                "french_count": french_counts[french], "reverse_prob": round(mine, 6),
                                "reverse_rank": rank}
    # words only (no marks, no elided "l'"), most frequent first, ties by spelling so the file is reproducible
    frequent = sorted((w for w in french_counts if FRENCH_WORD.fullmatch(w)), key=lambda w: (-french_counts[w], w))
    return {"trained_on": "training pairs", "model": "IBM-1 word level", "em_iterations": IBM1_ITERATIONS,
            "max_count": max_count, "min_prob": min_prob, "train_items": len(train),
            "frequent_french": frequent[:FREQUENT], "entries": entries}


def declared(family_dir: Path) -> tuple[int, float] | None:
    """The largest ``max_count`` and smallest ``min_prob`` the family's models declare (None: no model uses it)."""
    rules = [json.loads((family_dir / m / "config.json").read_text()).get("rare_words") for m in MECHANISM_LABELS]
    rules = [r for r in rules if r]
    if not rules:
        return None
    return max(r["max_count"] for r in rules), min(r.get("min_prob", 0.0) for r in rules)


def shipped_content(out_root: Path = WEIGHTS_DIR) -> dict | None:
    """What the shipped file should hold, given the shipped configs (None: no model declares a rule)."""
    from training.translation import load_task
    limits = declared(out_root / FAMILY)
    return build(load_task("bible", seed=1)["train"], *limits) if limits else None


def write(content: dict, path: Path) -> None:
    """Write ``content`` as the file's JSON (UTF-8, one entry a line)."""
    path.write_text(json.dumps(content, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    args = parser.parse_args()
    content = shipped_content(args.out)
    if content is None:
        raise SystemExit("no shipped Bible model declares rare_words: nothing to write")
    write(content, args.out / FAMILY / FILE)
    print(f"{len(content['entries'])} entries (count ≤ {content['max_count']}, t ≥ {content['min_prob']}) → "
          f"{args.out / FAMILY / FILE}")


if __name__ == "__main__":
    main()
