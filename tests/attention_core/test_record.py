import json

import numpy as np
import pytest

from attention_core import AttentionMap, Explanation
from attention_core.stats import row_entropy, sanity_checks, summary_table, window_share


def _map(**kw):
    args = dict(mechanism="local-p", queries=["le", "chat"], keys=["the", "cat", "</s>"],
                weights=np.array([[0.7, 0.3, 0.0], [0.1, 0.8, 0.1]]))
    args.update(kw)
    return AttentionMap(**args)


def test_json_round_trip_keeps_every_field():
    m = _map(layer=2, head=5, hop=1, level="word", centers=[0.0, 1.2],
             meta={"model": "x", "width": 1, "arr": np.arange(2), "f": np.float32(0.5)})
    back = AttentionMap.from_json(m.to_json())
    assert back.queries == m.queries and back.keys == m.keys
    np.testing.assert_array_equal(back.weights, m.weights)
    assert (back.layer, back.head, back.hop, back.level, back.centers) == (2, 5, 1, "word", [0.0, 1.2])
    assert back.meta == {"model": "x", "width": 1, "arr": [0, 1], "f": 0.5}


def test_grid_round_trip_and_validation():
    m = AttentionMap("soft", ["a"], [f"r{i}" for i in range(6)], np.full((1, 6), 1 / 6), grid=(2, 3))
    assert AttentionMap.from_dict(json.loads(m.to_json())).grid == (2, 3)
    with pytest.raises(ValueError, match="grid"):
        AttentionMap("soft", ["a"], ["r0", "r1"], np.ones((1, 2)) / 2, grid=(2, 2))


def test_frames_have_labels_and_duplicate_tokens_survive():
    m = _map(keys=["the", "the", "</s>"])
    frame = m.to_frame()
    assert list(frame.columns) == ["the", "the", "</s>"] and list(frame.index) == ["le", "chat"]
    long = m.to_long_frame()
    assert len(long) == 6 and long.loc[4, "key"] == "the" and long.loc[4, "weight"] == 0.8


@pytest.mark.parametrize("bad", [
    dict(weights=np.ones((3, 3))),
    dict(weights=np.array([[np.nan, 0, 1], [0, 1, 0]])),
    dict(level="paragraph"),
    dict(centers=[1.0]),
])
def test_inconsistent_records_are_refused(bad):
    with pytest.raises(ValueError):
        _map(**bad)


def test_unknown_json_fields_are_refused():
    data = _map().to_dict() | {"colour": "red"}
    with pytest.raises(ValueError, match="unknown"):
        AttentionMap.from_dict(data)


def test_stats_and_sanity_checks():
    m = _map(centers=[0.0, 1.0], meta={"width": 0})
    np.testing.assert_allclose(row_entropy(m)[0], -(0.7 * np.log(0.7) + 0.3 * np.log(0.3)))
    np.testing.assert_allclose(window_share(m, 0), [0.7, 0.8])
    checks = sanity_checks(m)
    assert checks["rows sum to 1"] and not checks["all weight inside window"]
    assert sanity_checks(_map(centers=[0.0, 1.0], meta={"width": 1}))["all weight inside window"]
    sub = _map(weights=np.array([[0.5, 0.2, 0], [0.1, 0.3, 0.1]]), meta={"rows_sum_at_most_one": True})
    assert sanity_checks(sub) == {"weights ≥ 0": True, "rows sum ≤ 1 (Gaussian-scaled)": True}
    assert not sanity_checks(_map(weights=np.array([[0.5, 0.2, 0], [0.1, 0.3, 0.1]])))["rows sum to 1"]
    assert list(summary_table([m, m])["max weight"]) == [0.8, 0.8]


def test_explanation_json():
    exp = Explanation("m", {"label": "sport", "p": np.float64(0.9)}, [_map()], ["cut"])
    data = json.loads(exp.to_json())
    assert data["output"] == {"label": "sport", "p": 0.9} and data["maps"][0]["keys"][2] == "</s>"
