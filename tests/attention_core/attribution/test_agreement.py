"""Agreement statistics on hand-made rankings."""
import math

import numpy as np

from attention_core.attribution.agreement import agreement, reading, top_k_overlap


def test_identical_and_reversed_rankings():
    a = np.array([0.4, 0.3, 0.1, 0.05, 0.05, 0.04, 0.03, 0.03])
    same = agreement(a, a * 7, k=3)
    assert same.tau == 1.0 and same.rho == 1.0 and same.overlap == 1.0 and same.significant
    rev = agreement(np.arange(8.0), -np.arange(8.0) - 10, k=3, signed=True)
    assert math.isclose(rev.tau, -1.0) and rev.overlap == 0.0
    assert "opposite" in reading(rev)


def test_magnitudes_rank_attributions():
    att = np.array([0.5, 0.3, 0.2])
    attr = np.array([-0.9, 0.5, 0.1])            # strongest against the decision is still the most important
    assert agreement(att, attr).tau == 1.0
    assert agreement(att, attr, signed=True).tau < 1.0


def test_top_k_overlap_by_hand():
    a = np.array([5, 4, 3, 2, 1.0])
    b = np.array([1, 4, 5, 2, 3.0])              # top-2: {0,1} vs {2,1}
    assert top_k_overlap(a, b, 2) == 0.5
    assert top_k_overlap(a, b, 9) == 1.0         # k cut to the number of items


def test_one_swap_gives_the_textbook_tau():
    a = np.array([4, 3, 2, 1.0])
    b = np.array([4, 2, 3, 1.0])                 # one discordant pair of six
    assert math.isclose(agreement(a, b).tau, (5 - 1) / 6)


def test_flat_and_short_rankings_are_said_so():
    flat = agreement(np.ones(5), np.arange(5.0))
    assert math.isnan(flat.tau) and "flat" in reading(flat)
    assert "too few" in reading(agreement(np.array([1.0, 2.0]), np.array([2.0, 1.0])))
