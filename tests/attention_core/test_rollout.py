"""Attention rollout against a float64 hand computation, on raw tensors and on AttentionMap records."""
import numpy as np
import pytest
import torch

from attention_core import AttentionMap
from attention_core.aggregate import rollout
from attention_core.rollout import attention_rollout, residual_attention


def _random_attention(layers=3, heads=2, tokens=5, seed=0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(layers):
        scores = rng.normal(size=(heads, tokens, tokens)) * 2
        e = np.exp(scores)
        out.append(e / e.sum(-1, keepdims=True))
    return out


def _by_hand(layers: list[np.ndarray], residual: float) -> np.ndarray:
    """Loops only: mean over heads, (1 − r)·A + r·I, renormalise rows, R = Ã_L ⋯ Ã_1."""
    t = layers[0].shape[-1]
    result = np.eye(t)
    for att in layers:
        a = np.zeros((t, t))
        for i in range(t):
            for j in range(t):
                a[i, j] = (1 - residual) * sum(att[h, i, j] for h in range(att.shape[0])) / att.shape[0] \
                    + (residual if i == j else 0.0)
            a[i] /= a[i].sum()
        result = a @ result
    return result


@pytest.mark.parametrize("residual", [0.5, 0.2])
def test_rollout_matches_a_hand_computation(residual):
    layers = _random_attention()
    expected = _by_hand(layers, residual)
    full = attention_rollout(layers, residual)
    np.testing.assert_allclose(full, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(full.sum(1), 1.0, atol=1e-12)            # rows of a product of stochastic rows
    rows = attention_rollout([torch.from_numpy(a) for a in layers], residual, rows=[0, 3])
    np.testing.assert_allclose(rows, expected[[0, 3]], rtol=1e-12, atol=1e-12)


def test_rows_path_renormalises_rows_that_do_not_sum_to_one():
    layers = [a * np.random.default_rng(i).uniform(0.5, 1.0, size=(1, a.shape[1], 1))   # rows scaled: ≠ 1
              for i, a in enumerate(_random_attention(seed=3))]
    np.testing.assert_allclose(attention_rollout(layers, rows=[1]), _by_hand(layers, 0.5)[[1]], atol=1e-12)


def test_single_layer_and_bad_shapes():
    a = _random_attention(layers=1, heads=1)[0]
    np.testing.assert_allclose(attention_rollout([a]), residual_attention(a).numpy())
    np.testing.assert_allclose(residual_attention(a).numpy(), (0.5 * a[0] + 0.5 * np.eye(5)), atol=1e-12)
    with pytest.raises(ValueError):
        attention_rollout([])
    with pytest.raises(ValueError):
        attention_rollout([np.ones((2, 3, 4))])


def test_record_rollout_uses_the_same_computation():
    layers = _random_attention(layers=2, heads=3, tokens=4, seed=7)
    labels = list("abcd")
    maps = [AttentionMap("mh", labels, labels, layers[l][h], layer=l, head=h) for l in range(2) for h in range(3)]
    np.testing.assert_allclose(rollout(maps).weights, _by_hand(layers, 0.5), atol=1e-12)
