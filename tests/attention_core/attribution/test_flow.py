"""Rollout and attention flow per layer on hand-made attention."""
import numpy as np

from attention_core.attribution.flow import flow_per_layer, raw_per_layer, rollout_per_layer, with_residual


def test_flow_on_a_two_token_layer_by_hand():
    # both tokens attend to token 1; with the residual, token 0 keeps half of itself
    layers = np.array([[[0.0, 1.0], [0.0, 1.0]]])
    flow = flow_per_layer(layers, np.array([0.5, 0.5]))
    # to token 1: 0.5 through (1,0)→(0,1) plus 0.5 through (1,1)→(0,1); to token 0: only (1,0)→(0,0), capacity 0.5
    np.testing.assert_allclose(flow[0], [0.5, 1.0])


def test_flow_is_bounded_by_the_narrowest_layer():
    identity = np.eye(2)
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    layers = np.stack([identity, swap])
    flow = flow_per_layer(layers, np.array([1.0, 0.0]))         # explain token 0's output only
    # layer 2 (½I + ½swap) splits token 0 half to itself, half to token 1; layer 1 is the identity
    np.testing.assert_allclose(flow[1], [0.5, 0.5])
    np.testing.assert_allclose(flow[0], [1.0, 0.0])


def test_rollout_multiplies_the_residual_layers():
    rng = np.random.default_rng(0)
    layers = rng.random((3, 4, 4))
    layers /= layers.sum(-1, keepdims=True)
    q = np.full(4, 0.25)
    mixed = with_residual(layers)
    expected = q @ mixed[2] @ mixed[1] @ mixed[0]
    rollout = rollout_per_layer(layers, q)
    np.testing.assert_allclose(rollout[2], expected)
    np.testing.assert_allclose(rollout.sum(1), 1.0)
    np.testing.assert_allclose(raw_per_layer(layers, q)[1], q @ layers[1])


def test_flow_is_skipped_beyond_the_token_limit():
    layers = np.tile(np.eye(5), (2, 1, 1))
    assert flow_per_layer(layers, np.full(5, 0.2), max_tokens=4) is None


def test_flows_equal_up_to_float_rounding_are_exact_ties():
    # peaked random attention over 12 tokens: several tokens saturate at the source's Σq = 1, which the max-flow
    # computes ~1e-16 apart in a CPU-dependent order; rounded, they are one value, so rankings agree everywhere
    rng = np.random.default_rng(3)
    layers = rng.random((4, 12, 12)) ** 4
    layers /= layers.sum(-1, keepdims=True)
    flow = flow_per_layer(layers, np.full(12, 1 / 12))
    top = flow[-1]
    saturated = top[np.isclose(top, 1.0, rtol=0, atol=1e-6)]
    assert len(saturated) >= 2 and np.all(saturated == 1.0)
    assert np.all(np.round(flow, 9) == flow)
