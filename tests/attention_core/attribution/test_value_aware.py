"""Value norms (Kobayashi et al. 2020) and gradient-weighted rollout (Chefer et al. 2021) against a tiny random
BERT written out by hand, and a tiny DINOv2's value norms against values recomputed from its hidden states."""
import math

import numpy as np
import torch

from attention_core.attribution.value_aware import grad_rollout, value_aware_maps
from tests.tiny_hf import builders

IDS = torch.tensor([[2, 8, 9, 10, 11, 12, 3]])


def _eager(name):
    torch.manual_seed(0)
    model = builders()[name][0]()
    model.config._attn_implementation = "eager"
    return model.double().eval()


def _bert_by_hand(model, ids, direction):
    """BERT's forward written out (post-LayerNorm) → (y, A per layer, ∂y/∂A, x per layer). ∂y/∂A is the total
    derivative at the node A (later layers' scores depend on A too), as a backward hook on A receives it."""
    c = model.config
    heads, dh = c.num_attention_heads, c.hidden_size // c.num_attention_heads
    e = model.embeddings
    t = ids.shape[1]
    x = e.LayerNorm(e.word_embeddings(ids[0]) + e.position_embeddings.weight[:t] + e.token_type_embeddings.weight[0])
    leaves, inputs = [], []
    for layer in model.encoder.layer:
        s, o = layer.attention.self, layer.attention.output
        inputs.append(x)
        split = lambda z: z.view(t, heads, dh).transpose(0, 1)  # noqa: E731
        q, k, v = split(s.query(x)), split(s.key(x)), split(s.value(x))
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(dh), -1)
        leaves.append(a)
        ctx = (a @ v).transpose(0, 1).reshape(t, -1)
        mid = o.LayerNorm(o.dense(ctx) + x)
        x = layer.output.LayerNorm(layer.output.dense(layer.intermediate(mid)) + mid)
    y = x[0] @ direction
    grads = torch.autograd.grad(y, leaves)
    return y, leaves, grads, inputs


def test_value_norms_and_grad_rollout_equal_a_hand_computation_on_a_tiny_bert():
    model = _eager("bert")
    direction = torch.linspace(-1, 1, model.config.hidden_size, dtype=torch.float64)

    def run():
        out = model(input_ids=IDS, output_attentions=True)
        # make the graph reach the attention: the embeddings are the leaf that requires grad
        return out, out.last_hidden_state[0, 0] @ direction
    with torch.enable_grad():
        model.embeddings.word_embeddings.weight.requires_grad_(True)
        norms, rollout = value_aware_maps(model, run)
        _, leaves, grads, inputs = _bert_by_hand(model, IDS, direction)
    heads = model.config.num_attention_heads
    dh = model.config.hidden_size // heads
    t = IDS.shape[1]
    for l, layer in enumerate(model.encoder.layer):
        wv, bv = layer.attention.self.value.weight.detach().numpy(), layer.attention.self.value.bias.detach().numpy()
        wo = layer.attention.output.dense.weight.detach().numpy()
        x, a = inputs[l].detach().numpy(), leaves[l].detach().numpy()
        expected = np.zeros((t, t))
        for i in range(t):
            for j in range(t):
                total = np.zeros(model.config.hidden_size)
                for h in range(heads):
                    cols = slice(h * dh, (h + 1) * dh)
                    f = (x[j] @ wv[cols].T + bv[cols]) @ wo[:, cols].T          # f^h(x_j)
                    total += a[h, i, j] * f
                expected[i, j] = np.linalg.norm(total)
        np.testing.assert_allclose(norms[l], expected, rtol=1e-10, atol=1e-12)
    r = np.eye(t)
    for a, g in zip(leaves, grads):
        bar = np.maximum(a.detach().numpy() * g.numpy(), 0).mean(0)
        r = r + bar @ r
    np.testing.assert_allclose(rollout, r, rtol=1e-9, atol=1e-12)
    assert not np.allclose(rollout, np.eye(t))                   # the gradients did weigh in


def test_grad_rollout_of_zero_gradients_is_the_identity_and_negative_parts_are_dropped():
    a = np.array([[[0.5, 0.5], [0.2, 0.8]]])
    assert np.array_equal(grad_rollout([a], [np.zeros_like(a)]), np.eye(2))
    g = np.array([[[1.0, -1.0], [-2.0, 2.0]]])
    np.testing.assert_allclose(grad_rollout([a], [g]), np.eye(2) + np.array([[0.5, 0.0], [0.0, 1.6]]))


def test_a_vits_value_norms_use_the_layer_normed_input():
    """DINOv2 is pre-LayerNorm: the values come from norm1(hidden state), recomputed here independently."""
    model = _eager("dinov2")
    pixels = torch.randn(1, 3, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def run():
        out = model(pixel_values=pixels, output_attentions=True, output_hidden_states=True)
        run.out = out
        return out, out.pooler_output[0].sum()
    with torch.enable_grad():
        pixels.requires_grad_(True)
        norms, rollout = value_aware_maps(model, run)
    out = run.out
    for l, layer in enumerate(model.encoder.layer):
        x = layer.norm1(out.hidden_states[l][0]).detach()
        v = layer.attention.v_proj(x).detach().numpy()
        wo = layer.attention.o_proj.weight.detach().numpy()
        a = out.attentions[l][0].detach().numpy()
        heads = a.shape[0]
        dh = v.shape[-1] // heads
        f = np.stack([v[:, h * dh:(h + 1) * dh] @ wo[:, h * dh:(h + 1) * dh].T for h in range(heads)])
        expected = np.linalg.norm(np.einsum("hij,hjd->ijd", a, f), axis=-1)
        np.testing.assert_allclose(norms[l], expected, rtol=1e-10, atol=1e-12)
    assert rollout.shape == (a.shape[-1], a.shape[-1])
