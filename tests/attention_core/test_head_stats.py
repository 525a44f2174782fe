"""Per-head statistics: each one checked on maps whose answer is known by construction."""
import numpy as np
import pytest

from attention_core import AttentionMap
from attention_core.head_stats import (
    distance_profile,
    distance_profiles,
    head_statistics,
    head_table,
    is_punctuation,
    offset_labels,
    token_profile,
)

TOKENS = ["[CLS]", "the", "cat", ",", "sat", ".", "[SEP]"]


def _map(w, layer=0, head=0, tokens=TOKENS):
    return AttentionMap("multi-head", tokens, tokens, np.asarray(w, dtype=np.float32), layer=layer, head=head)


def test_a_head_on_cls_and_one_on_the_previous_token():
    n = len(TOKENS)
    cls = np.zeros((n, n)); cls[:, 0] = 1
    prev = np.eye(n, k=-1); prev[0, 0] = 1                       # row 0 has no previous token: itself
    s_cls, s_prev = head_statistics(_map(cls)), head_statistics(_map(prev))
    assert s_cls["to [CLS]"] == pytest.approx(1) and s_cls["to [SEP]"] == 0 and s_cls["entropy (0–1)"] == 0
    assert s_cls["mean distance"] == pytest.approx(np.arange(n).mean())   # row i looks i tokens back
    assert s_prev["to previous"] == pytest.approx((n - 1) / n) and s_prev["to itself"] == pytest.approx(1 / n)
    assert s_prev["to next"] == 0 and s_prev["mean distance"] == pytest.approx((n - 1) / n)


def test_uniform_head_has_entropy_one_and_counts_punctuation_and_sep():
    n = len(TOKENS)
    stats = head_statistics(_map(np.full((n, n), 1 / n)))
    assert stats["entropy (0–1)"] == pytest.approx(1, abs=1e-6)
    assert stats["to punctuation"] == pytest.approx(2 / n)       # "," and "."
    assert stats["to [SEP]"] == pytest.approx(1 / n)
    assert is_punctuation("—") and is_punctuation("...") and not is_punctuation("a.") and not is_punctuation("")


def test_missing_cls_column_gives_nan_and_non_square_maps_are_refused():
    tokens = ["a", "b"]
    stats = head_statistics(_map(np.eye(2), tokens=tokens))
    assert np.isnan(stats["to [CLS]"])
    with pytest.raises(ValueError, match="self-attention"):
        head_statistics(AttentionMap("x", ["a"], ["a", "b"], [[0.5, 0.5]]))


def test_head_table_has_one_row_per_head():
    rng = np.random.default_rng(0)
    maps = [_map(rng.dirichlet(np.ones(7), 7), layer=l, head=h) for l in range(2) for h in range(3)]
    table = head_table(maps)
    assert list(table["layer"]) == [0, 0, 0, 1, 1, 1] and list(table["head"]) == [0, 1, 2] * 2
    assert table["entropy (0–1)"].between(0, 1).all()


def test_distance_profile_bins_offsets_and_sums_to_one():
    rng = np.random.default_rng(1)
    n, d = 12, 3
    w = rng.dirichlet(np.ones(n), n)
    profile = distance_profile(_map(w, tokens=[str(i) for i in range(n)]), max_offset=d)
    assert len(profile) == len(offset_labels(d)) == 2 * d + 3 and profile.sum() == pytest.approx(1)
    offsets = np.arange(n)[None, :] - np.arange(n)[:, None]            # j − i
    assert profile[0] == pytest.approx(w[offsets < -d].sum() / n)
    assert profile[-1] == pytest.approx(w[offsets > d].sum() / n)
    assert profile[1 + d + 2] == pytest.approx(w[offsets == 2].sum() / n)
    both = distance_profiles([_map(w, tokens=[str(i) for i in range(n)])] * 2, max_offset=d)
    assert both.queries == ["L0 H0", "L0 H0"] and np.allclose(both.weights.sum(1), 1)


def test_token_profile_is_the_tokens_row_and_column_in_every_head():
    rng = np.random.default_rng(2)
    maps = [_map(rng.dirichlet(np.ones(7), 7), layer=0, head=h) for h in range(4)]
    out, inc = token_profile(maps, 2)
    assert out.shape == inc.shape == (4, 7) and out.queries[3] == "L0 H3"
    np.testing.assert_allclose(out.weights[1], maps[1].weights[2])
    np.testing.assert_allclose(inc.weights[3], maps[3].weights[:, 2])
    np.testing.assert_allclose(out.weights.sum(1), 1, atol=1e-6)
    with pytest.raises(ValueError):
        token_profile(maps, 7)
