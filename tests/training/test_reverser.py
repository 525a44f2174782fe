"""The reverser's data: distinct sequences, disjoint splits, baselines computed on the same test split."""
from __future__ import annotations

from training.reverser import copy_exact_match, diagonal_aer, example, make_data, split_of


def test_splits_are_disjoint_and_deterministic():
    data = make_data(2000, seed=3)
    sources = {k: {e["source"] for e in v} for k, v in data.items()}
    assert sum(len(v) for v in sources.values()) == 2000
    assert not (sources["train"] & sources["test"]) and not (sources["valid"] & sources["test"])
    assert all(split_of(s) == "test" for s in sources["test"])
    assert make_data(2000, seed=3) == data


def test_baselines():
    pal, other = example(list("12321")), example(list("1234"))
    assert copy_exact_match([pal, other]) == 0.5
    # the monotonic aligner hits only the middle digit of an odd-length sequence
    assert diagonal_aer([pal]) == 1 - 1 / 5 and diagonal_aer([other]) == 1.0
