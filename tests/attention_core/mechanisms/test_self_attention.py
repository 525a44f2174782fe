import numpy as np
import torch

from attention_core.mechanisms import StructuredSelfAttention, frobenius_penalty

from .reference import np64, softmax


def test_matches_float64_reference_with_mask():
    torch.manual_seed(0)
    attn = StructuredSelfAttention(dim=5, hidden=6, hops=3).double()
    H = torch.randn(2, 7, 5, dtype=torch.float64)
    mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3], dtype=torch.bool)
    M, A = attn(H, mask)
    assert M.shape == (2, 3, 5) and A.shape == (2, 3, 7)
    Ws1, Ws2 = np64(attn.W_s1.weight), np64(attn.W_s2.weight)
    for b in range(2):
        n = int(mask[b].sum())
        Hb = np64(H[b, :n])                                 # [n, dim]
        logits = Ws2 @ np.tanh(Ws1 @ Hb.T)                  # [hops, n]: W_s2 tanh(W_s1 Hᵀ)
        ref = np.stack([softmax(row) for row in logits])    # softmax over tokens
        np.testing.assert_allclose(np64(A[b, :, :n]), ref, rtol=1e-10)
        np.testing.assert_allclose(np64(M[b]), ref @ Hb, rtol=1e-10)
    assert torch.all(A[1, :, 4:] == 0)


def test_penalty_is_squared_frobenius_norm():
    one_hot = torch.eye(4)[:3][None].repeat(2, 1, 1)        # 3 orthogonal one-hot hops
    assert frobenius_penalty(one_hot).item() == 0.0
    repeated = torch.tensor([[[1.0, 0, 0, 0], [1.0, 0, 0, 0]]])
    # AAᵀ = [[1,1],[1,1]]; minus I leaves two off-diagonal 1s → squared norm 2 (unsquared would be √2)
    assert abs(frobenius_penalty(repeated).item() - 2.0) < 1e-6
    uniform = torch.full((1, 2, 4), 0.25)
    ref = ((np.full((2, 2), 0.25) - np.eye(2)) ** 2).sum()
    assert abs(StructuredSelfAttention.penalty(uniform).item() - ref) < 1e-6


def test_penalty_is_batch_mean():
    a = torch.stack([torch.eye(3), torch.tensor([[1.0, 0, 0]] * 3)])
    assert abs(frobenius_penalty(a).item() - 6.0 / 2) < 1e-6


def test_gradients_reach_every_parameter():
    attn = StructuredSelfAttention(4, 5, 2)
    H = torch.randn(2, 6, 4, requires_grad=True)
    M, A = attn(H)
    (M.square().sum() + attn.penalty(A)).backward()
    for name, p in attn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert H.grad.abs().sum() > 0
