"""Test splits shipped with the package, so a README install (no training-data packages) can score on them.

Each is the training scripts' own test split, read once from the data package and written gzipped beside the
family's weights; the readers use the package when it is installed and this copy otherwise (tests check both
agree).
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
SLICES = {"rotten-tomatoes-test": WEIGHTS / "sentence" / "heldout-test.json.gz",
          "bbc-test": WEIGHTS / "document" / "heldout-test.json.gz"}


def read_slice(name: str) -> list[tuple[str, str]]:
    """The shipped ``(text, label)`` pairs of the named test split."""
    with gzip.open(SLICES[name], "rt", encoding="utf-8") as f:
        return [(text, label) for text, label in json.load(f)]


def write_slice(name: str, items: list[tuple[str, str]]) -> int:
    """Write ``(text, label)`` pairs as the named shipped split (after a change of its split rule) → count."""
    with gzip.open(SLICES[name], "wt", encoding="utf-8") as f:
        json.dump([list(item[:2]) for item in items], f, ensure_ascii=False, separators=(",", ":"))
    return len(items)
