import json

import numpy as np
import pytest

from attention_core import AttentionMap, Explanation
from attention_core.outputs import ClassDistribution, output_from_dict
from attention_core.stats import row_entropy, sanity_checks, summary_table, window_share


def _map(**kw):
    args = dict(mechanism="local-p", queries=["le", "chat"], keys=["the", "cat", "</s>"],
                weights=np.array([[0.7, 0.3, 0.0], [0.1, 0.8, 0.1]]))
    args.update(kw)
    return AttentionMap(**args)


def test_json_round_trip_keeps_every_field():
    m = _map(layer=2, head=5, hop=1, level="word", centers=[0.0, 1.2], window=1, top_k=3, sub_stochastic=True,
             content_weights=np.full((2, 3), 1 / 3), meta={"model": "x", "arr": np.arange(2), "f": np.float32(0.5)})
    back = AttentionMap.from_json(m.to_json())
    assert back.queries == m.queries and back.keys == m.keys
    np.testing.assert_array_equal(back.weights, m.weights)
    np.testing.assert_array_equal(back.content_weights, m.content_weights)
    assert (back.layer, back.head, back.hop, back.level, back.centers) == (2, 5, 1, "word", [0.0, 1.2])
    assert (back.window, back.top_k, back.sub_stochastic, back.kind) == (1, 3, True, "attention")
    assert back.meta == {"model": "x", "arr": [0, 1], "f": 0.5}


def test_older_json_with_window_and_topk_in_meta_is_read_into_typed_fields():
    old = _map(centers=[0.0, 1.0]).to_dict()
    for name in ("window", "top_k", "sub_stochastic", "content_weights", "kind"):
        old.pop(name)
    old["meta"] = {"model": "x", "width": 2, "rows_sum_at_most_one": True, "topk": True, "top_k": 5}
    back = AttentionMap.from_dict(old)
    assert (back.window, back.top_k, back.sub_stochastic) == (2, 5, True)
    assert back.meta == {"model": "x"}


@pytest.mark.parametrize("bad, reason", [
    ([1, 2], "JSON object"),
    ({"mechanism": "x", "queries": [], "keys": [], "weights": []}, "no rows"),
    ({"mechanism": "x", "queries": ["a"], "keys": ["b"], "weights": [[1.0]], "meta": "s"}, "meta"),
    ({"mechanism": "x", "queries": ["a"], "keys": ["b"], "weights": [[1.0]], "meta": [1]}, "meta"),
    ({"mechanism": "x", "queries": ["a"], "keys": ["b"], "weights": [[1.0]], "meta": {"width": "wide"}}, "window"),
    ({"mechanism": "x", "queries": ["a"], "keys": ["b"], "weights": [["w"]]}, "could not convert|malformed"),
    ({"mechanism": "x", "queries": ["a"], "keys": ["b"], "weights": [[1.0]],
      "meta": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}}}, "nested"),
    ({"mechanism": "x", "queries": ["a"], "keys": ["b"]}, "missing"),
])
def test_malformed_json_is_a_one_line_value_error(bad, reason):
    with pytest.raises(ValueError, match=reason):
        AttentionMap.from_dict(bad)


def test_null_meta_reads_as_empty():
    m = AttentionMap.from_dict({"mechanism": "x", "queries": ["a"], "keys": ["b"], "weights": [[1.0]], "meta": None})
    assert m.meta == {}


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
    m = _map(centers=[0.0, 1.0], window=0)
    np.testing.assert_allclose(row_entropy(m)[0], -(0.7 * np.log(0.7) + 0.3 * np.log(0.3)))
    np.testing.assert_allclose(window_share(m, 0), [0.7, 0.8])
    checks = sanity_checks(m)
    assert checks["rows sum to 1"] and not checks["all weight inside window"]
    assert sanity_checks(_map(centers=[0.0, 1.0], window=1))["all weight inside window"]
    sub = _map(weights=np.array([[0.5, 0.2, 0], [0.1, 0.3, 0.1]]), sub_stochastic=True)
    assert sanity_checks(sub) == {"weights ≥ 0": True, "rows sum ≤ 1 (Gaussian-scaled)": True}
    assert not sanity_checks(_map(weights=np.array([[0.5, 0.2, 0], [0.1, 0.3, 0.1]])))["rows sum to 1"]
    assert list(summary_table([m, m])["max weight"]) == [0.8, 0.8]


def test_explanation_json():
    exp = Explanation("m", ClassDistribution("sport", {"sport": 0.9, "tech": 0.1}), [_map()], ["cut"])
    data = json.loads(exp.to_json())
    assert data["output"] == {"kind": "classes", "label": "sport", "probabilities": {"sport": 0.9, "tech": 0.1},
                              "penalty": None}
    assert output_from_dict(data["output"]) == exp.output and data["maps"][0]["keys"][2] == "</s>"


def test_float32_weights_stay_float32_and_other_types_become_float64():
    import numpy as np
    from attention_core import AttentionMap
    w32 = np.full((2, 2), 0.5, dtype=np.float32)
    amap = AttentionMap("x", ["a", "b"], ["a", "b"], w32)
    assert amap.weights.dtype == np.float32 and amap.weights is w32          # no copy of large maps
    assert AttentionMap("x", ["a"], ["a", "b"], [1, 0]).weights.dtype == np.float64
    assert AttentionMap("x", ["a"], ["a", "b"], np.array([[0.5, 0.5]], np.float16)).weights.dtype == np.float64
