"""Per-map statistics on small hand-made maps whose answers are known."""
import math

import numpy as np
import pytest

from attention_core import AttentionMap, Explanation
from attention_core.outputs import ClassDistribution, TokenSequence, Translation
from attention_core.atlas.datasets import Example
from attention_core.atlas.rows import (
    alignment_error,
    diagonal_distance,
    explanation_rows,
    head_distances,
    map_statistics,
    punctuation_mass,
    relative_profile,
    row_to_map,
    rows_table,
    special_mass,
)


def _map(weights, queries=None, keys=None, **kw):
    w = np.asarray(weights, dtype=float)
    return AttentionMap("test", queries or [f"q{i}" for i in range(w.shape[0])],
                        keys or [f"k{j}" for j in range(w.shape[1])], w, **kw)


def test_entropy_of_uniform_and_one_hot_rows():
    stats = map_statistics(_map([[0.25] * 4, [1, 0, 0, 0]]), positional=False)
    assert stats["entropy"] == pytest.approx(math.log(4) / 2)          # mean of log 4 and 0
    assert stats["entropy_norm"] == pytest.approx(0.5)
    assert stats["max_weight"] == 1.0
    assert stats["diag_distance"] is None and stats["rel_profile"] is None


def test_punctuation_and_special_token_mass():
    amap = _map([[0.1, 0.2, 0.3, 0.4]], keys=["[CLS]", "dog", ",", "--"])
    assert punctuation_mass(amap) == pytest.approx(0.7)
    assert special_mass(amap) == pytest.approx(0.1)
    assert punctuation_mass(_map([[0.5, 0.5]], keys=["·'s", "it's"])) == 0.0   # words with a mark are words


def test_diagonal_distance_and_profile_on_a_square_map():
    identity = _map(np.eye(4))
    assert diagonal_distance(identity) == 0.0
    prof = relative_profile(identity)
    assert prof[5] == pytest.approx(1.0) and sum(prof) == pytest.approx(1.0)
    previous = _map([[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])    # look one token back
    assert diagonal_distance(previous) == pytest.approx(0.75)
    prof = relative_profile(previous)
    assert prof[4] == pytest.approx(0.75) and prof[5] == pytest.approx(0.25)
    far = _map([[0] * 9 + [1]] + [[1] + [0] * 9] * 9)   # offsets beyond ±5 are pooled at the ends
    prof = relative_profile(far)
    assert prof[-1] == pytest.approx(0.1) and prof[0] == pytest.approx(0.5)   # rows 5–9 look ≥ 5 back


def test_rectangular_maps_use_the_corner_to_corner_diagonal():
    # 2 target rows over 5 source columns: the diagonal runs from column 0 to column 4
    on_diag = _map([[1, 0, 0, 0, 0], [0, 0, 0, 0, 1]])
    assert diagonal_distance(on_diag) == 0.0
    assert diagonal_distance(_map([[0, 0, 0, 0, 1], [1, 0, 0, 0, 0]])) == pytest.approx(4.0)


def test_alignment_error_follows_the_reference_tokens():
    ex = Example(0, "d", "June 19 , 2016", target="19 juin 2016", links=((0, 1), (1, 0), (2, 3)))
    keys = ["June", "19", ",", "2016", "</s>"]
    perfect = _map(np.eye(5)[[1, 0, 3, 4]], queries=["19", "juin", "2016", "</s>"], keys=keys)
    assert alignment_error(perfect, ex) == 0.0
    # every row one column to the right: no linked row hits its source word
    shifted = _map(np.eye(5)[[2, 1, 4, 4]], queries=["19", "juin", "2016", "</s>"], keys=keys)
    assert alignment_error(shifted, ex) == 1.0
    # a wrong word has no gold link; the two right ones are scored
    wrong = _map(np.eye(5)[[1, 0, 2, 4]], queries=["19", "mai", "2016", "</s>"], keys=keys)
    assert alignment_error(wrong, ex) == pytest.approx(1 - 2 * 1 / 4)
    assert alignment_error(perfect, Example(0, "d", "June 19 , 2016")) is None


def test_head_distances_are_zero_for_equal_heads_and_one_for_disjoint_heads():
    a = _map([[1.0, 0.0], [1.0, 0.0]], layer=0, head=0)
    b = _map([[1.0, 0.0], [1.0, 0.0]], layer=0, head=1)
    c = _map([[0.0, 1.0], [0.0, 1.0]], layer=1, head=0)
    d = head_distances([a, b, c])
    assert d.shape == (3, 3) and np.allclose(d, d.T)
    assert d[0, 1] == pytest.approx(0.0, abs=1e-7) and d[0, 2] == pytest.approx(1.0)
    assert head_distances([a, _map([[1.0, 0.0]])]) is None      # not every map is a head


def test_rows_round_trip_through_arrow():
    amap = _map([[0.2, 0.8], [0.6, 0.4]], queries=["a", "b"], keys=["a", "b"], layer=0, head=0,
                meta={"model": "m", "content_weights": [[1, 2]]})
    twin = _map([[0.5, 0.5], [0.5, 0.5]], queries=["a", "b"], keys=["a", "b"], layer=0, head=1)
    ex = Example(3, "x", "a b", label="pos")
    rows = explanation_rows(Explanation("m", ClassDistribution("pos", {"pos": 1.0}), [amap, twin]), ex, task="encoder", dataset="t")
    table = rows_table(rows)
    assert table.num_rows == 2
    back = table.to_pylist()[0]
    assert back["correct"] is True and back["prediction"] == "pos"
    assert back["head_js"][0] == 0.0 and back["head_js"][1] > 0
    rebuilt = row_to_map(back)
    np.testing.assert_allclose(rebuilt.weights, amap.weights, atol=1e-7)
    assert rebuilt.layer == 0 and rebuilt.head == 0 and "content_weights" not in rebuilt.meta
    light = explanation_rows(Explanation("m", TokenSequence(list(amap.queries), 1, 2), [amap, twin]), ex, task="encoder", dataset="t", keep_weights=False)
    assert light[0]["weights"] is None and row_to_map(rows_table(light).to_pylist()[0]) is None
