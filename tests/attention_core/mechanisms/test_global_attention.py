import numpy as np
import pytest
import torch

from attention_core.mechanisms import SCORES, GlobalAttention

from .reference import np64, score, softmax

torch.manual_seed(0)


@pytest.mark.parametrize("name", ["dot", "general", "concat", "scaled_dot"])
def test_matches_float64_reference_with_mask(name):
    B, Tq, Tk, d = 2, 3, 6, 4
    attn = GlobalAttention(d, d, score=name).double()
    q, k = torch.randn(B, Tq, d, dtype=torch.float64), torch.randn(B, Tk, d, dtype=torch.float64)
    mask = torch.tensor([[1] * 6, [1, 1, 1, 1, 0, 0]], dtype=torch.bool)
    ctx, w = attn(q, k, mask)
    assert w.shape == (B, Tq, Tk) and ctx.shape == (B, Tq, d)
    for b in range(B):
        real = np.flatnonzero(mask[b].numpy())
        for t in range(Tq):
            s = np.array([score(name, attn.score, np64(q[b, t]), np64(k[b, j])) for j in real])
            ref = np.zeros(Tk)
            ref[real] = softmax(s)
            np.testing.assert_allclose(np64(w[b, t]), ref, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(np64(ctx[b, t]), ref @ np64(k[b]), rtol=1e-10, atol=1e-12)
    assert torch.all(w[1, :, 4:] == 0)


def test_concat_handles_different_query_and_key_sizes():
    attn = GlobalAttention(3, 5, score="concat", hidden=7)
    ctx, w = attn(torch.randn(2, 4, 3), torch.randn(2, 6, 5))
    assert ctx.shape == (2, 4, 5) and w.shape == (2, 4, 6)


def test_dot_refuses_mismatched_sizes():
    with pytest.raises(ValueError, match="query_dim == key_dim"):
        GlobalAttention(3, 5, score="dot")


def test_unknown_score_names_the_choices():
    with pytest.raises(ValueError, match="choose from"):
        GlobalAttention(3, 3, score="location")


@pytest.mark.parametrize("name", sorted(SCORES))
def test_gradients_reach_every_parameter_and_the_inputs(name):
    attn = GlobalAttention(4, 4, score=name)
    q = torch.randn(2, 3, 4, requires_grad=True)
    k = torch.randn(2, 5, 4, requires_grad=True)
    ctx, w = attn(q, k, torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], dtype=torch.bool))
    (ctx.square().sum() + (w * torch.arange(5.0)).sum()).backward()
    for pname, p in attn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, pname
    assert q.grad.abs().sum() > 0 and k.grad.abs().sum() > 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_same_call_on_cuda():
    attn = GlobalAttention(4, 4, score="general")
    q, k = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    _, w_cpu = attn(q, k)
    _, w_gpu = attn.cuda()(q.cuda(), k.cuda())
    torch.testing.assert_close(w_gpu.cpu(), w_cpu, rtol=1e-4, atol=1e-5)
