"""Reducing large maps: pooling keeps row sums, windows keep what falls outside, edges are the strongest."""
import numpy as np
import pytest

from attention_core import AttentionMap
from attention_core.large_maps import focus_window, pool_spans, span_starts, token_edges, top_edges


def _random_map(n=10, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    tokens = [f"t{i}" for i in range(n)]
    return AttentionMap("multi-head", tokens, tokens, rng.dirichlet(np.ones(n), n).astype(dtype), layer=1, head=2,
                        meta={"label": "M"})


def test_pooled_rows_keep_their_sums_and_cells_are_span_sums_and_means():
    amap = _random_map(10)
    pooled = pool_spans(amap, 4)                                   # spans of 3: 0–2, 3–5, 6–8, 9
    assert pooled.shape == (4, 4) and pooled.weights.dtype == np.float32
    np.testing.assert_allclose(pooled.weights.sum(1), 1, atol=1e-6)
    w = amap.weights.astype(np.float64)
    np.testing.assert_allclose(pooled.weights[1, 2], w[3:6, 6:9].sum(1).mean(), rtol=1e-5)
    np.testing.assert_allclose(pooled.weights[3, 0], w[9, 0:3].sum(), rtol=1e-5)
    assert pooled.queries[0] == "0–2 t0…t2" and pooled.keys[3] == "9 t9"
    assert "3×3 tokens per cell" in pooled.label and "rows keep their sums" in pooled.meta["pooled"]
    assert (pooled.layer, pooled.head) == (1, 2)


def test_pooling_a_map_that_fits_returns_it_unchanged_and_spans_cover_everything():
    amap = _random_map(6)
    assert pool_spans(amap, 6) is amap
    for n, k in [(512, 128), (513, 128), (7, 3), (1, 5)]:
        starts = span_starts(n, k)
        assert len(starts) <= k and starts[0] == 0 and starts[-1] < n


def test_sub_stochastic_rows_keep_their_own_sums_when_pooled():
    amap = _random_map(8, dtype=np.float64)
    half = AttentionMap("local-p", amap.queries, amap.keys, amap.weights * np.linspace(0.2, 1, 8)[:, None],
                        sub_stochastic=True)
    pooled = pool_spans(half, 4)
    expected = half.weights.sum(1).reshape(4, 2).mean(1)
    np.testing.assert_allclose(pooled.weights.sum(1), expected)
    assert pooled.sub_stochastic


def test_focus_window_keeps_the_outside_weight_in_two_columns():
    amap = _random_map(10)
    win = focus_window(amap, 3, 7)
    assert win.queries == ["t3", "t4", "t5", "t6"] and win.keys == ["◂ 0–2", "t3", "t4", "t5", "t6", "7–9 ▸"]
    np.testing.assert_allclose(win.weights.sum(1), 1, atol=1e-6)
    np.testing.assert_allclose(win.weights[0, 0], amap.weights[3, :3].sum(), rtol=1e-5)
    np.testing.assert_allclose(win.weights[:, 1:5], amap.weights[3:7, 3:7])
    assert focus_window(amap, 0, 10).keys == amap.keys             # the whole map: no extra columns
    with pytest.raises(ValueError):
        focus_window(amap, 5, 11)


def test_top_edges_keeps_the_k_largest_per_row_above_the_threshold():
    w = np.array([[0.5, 0.3, 0.2, 0.0],
                  [0.1, 0.1, 0.1, 0.7],
                  [0.25, 0.25, 0.25, 0.25]])
    rows, cols, vals = top_edges(w, k=2, threshold=0.2)
    got = {(int(r), int(c)): float(v) for r, c, v in zip(rows, cols, vals)}
    assert {k: v for k, v in got.items() if k[0] == 0} == {(0, 0): 0.5, (0, 1): 0.3}
    assert {k for k in got if k[0] == 1} == {(1, 3)}              # 0.1 is below the threshold
    assert len([k for k in got if k[0] == 2]) == 2                 # ties: two of the four equal weights
    assert len(top_edges(w, k=10)[0]) == 12 and len(top_edges(w, k=0)[0]) == 0


def test_token_edges_are_the_tokens_strongest_outgoing_and_incoming():
    w = np.array([[0.6, 0.4, 0.0],
                  [0.9, 0.05, 0.05],
                  [0.2, 0.1, 0.7]])
    rows, cols, vals = token_edges(w, 0, k=2, threshold=0.15)
    pairs = set(zip(rows.tolist(), cols.tolist()))
    assert pairs == {(0, 0), (0, 1), (1, 0), (2, 0)}             # self once; 0.9 and 0.2 come in


def test_column_window_keeps_every_row_and_window_around_contains_the_token():
    from attention_core.large_maps import column_window, window_around
    amap = _random_map(10)
    win = column_window(amap, 4, 6)
    assert win.queries == amap.queries and win.keys == ["◂ 0–3", "t4", "t5", "6–9 ▸"]
    np.testing.assert_allclose(win.weights.sum(1), 1, atol=1e-6)
    for index, n, width in [(0, 10, 4), (9, 10, 4), (5, 10, 4), (1, 2, 5), (250, 494, 96)]:
        start, stop = window_around(index, n, width)
        assert 0 <= start <= index < stop <= n and stop - start == min(width, n)
