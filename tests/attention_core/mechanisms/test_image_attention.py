import numpy as np
import torch

from attention_core.mechanisms import HardImageAttention, SoftImageAttention

from .reference import np64, softmax


def _ref_alpha(scorer, feats, h):
    Wa, ba, Wh, v = (np64(scorer.W_a.weight), np64(scorer.W_a.bias), np64(scorer.W_h.weight),
                     np64(scorer.v.weight)[0])
    return softmax(np.array([v @ np.tanh(Wa @ a + ba + Wh @ h) for a in feats]))


def test_soft_attention_matches_reference():
    torch.manual_seed(0)
    attn = SoftImageAttention(feature_dim=6, state_dim=3, hidden=5).double()
    feats, h = torch.randn(2, 9, 6, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64)
    ctx, alpha = attn(feats, h)
    assert ctx.shape == (2, 6) and alpha.shape == (2, 9)
    for b in range(2):
        ref = _ref_alpha(attn.scorer, np64(feats[b]), np64(h[b]))
        np.testing.assert_allclose(np64(alpha[b]), ref, rtol=1e-10)
        np.testing.assert_allclose(np64(ctx[b]), ref @ np64(feats[b]), rtol=1e-10)
    ctx_seq, alpha_seq = attn(feats, h[:, None, :].repeat(1, 4, 1))
    assert alpha_seq.shape == (2, 4, 9)
    torch.testing.assert_close(alpha_seq[:, 2], alpha)


def test_hard_attention_returns_one_region_and_its_distribution():
    torch.manual_seed(0)
    attn = HardImageAttention(6, 3, 5).double()
    feats, h = torch.randn(2, 9, 6, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64)
    attn.eval()
    ctx, alpha, choice = attn(feats, h, return_choice=True)
    torch.testing.assert_close(choice, alpha.argmax(-1))
    for b in range(2):
        torch.testing.assert_close(ctx[b], feats[b, choice[b]])
        ref = _ref_alpha(attn.scorer, np64(feats[b]), np64(h[b]))
        np.testing.assert_allclose(np64(alpha[b]), ref, rtol=1e-10)


def test_hard_attention_samples_in_training_and_reproducibly_with_a_seed():
    attn = HardImageAttention(4, 3, 5)
    with torch.no_grad():
        attn.scorer.v.weight.zero_()             # uniform α: sampling must spread over regions
    feats, h = torch.randn(1, 9, 4), torch.randn(1, 3)
    attn.train()
    picks = {int(attn(feats, h, return_choice=True)[2]) for _ in range(60)}
    assert len(picks) > 3
    attn.eval()
    a = attn(feats, h, sample=True, generator=torch.Generator().manual_seed(7), return_choice=True)[2]
    b = attn(feats, h, sample=True, generator=torch.Generator().manual_seed(7), return_choice=True)[2]
    assert a.item() == b.item()


def test_masked_regions_are_never_attended_or_sampled():
    attn = HardImageAttention(4, 3, 5).train()
    feats, h = torch.randn(1, 6, 4), torch.randn(1, 3)
    mask = torch.tensor([[1, 1, 0, 0, 0, 0]], dtype=torch.bool)
    for _ in range(30):
        _, alpha, choice = attn(feats, h, mask, return_choice=True)
        assert choice.item() in (0, 1) and torch.all(alpha[0, 2:] == 0)


def test_gradients_reach_every_parameter_of_soft_attention():
    attn = SoftImageAttention(4, 3, 5)
    ctx, alpha = attn(torch.randn(2, 6, 4), torch.randn(2, 3))
    ctx.square().sum().backward()
    for name, p in attn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_hard_attention_parameters_learn_through_the_log_probability_of_the_choice():
    attn = HardImageAttention(4, 3, 5).train()
    _, alpha, choice = attn(torch.randn(2, 6, 4), torch.randn(2, 3), return_choice=True)
    torch.log(alpha.gather(1, choice[:, None])).sum().backward()   # the REINFORCE term
    for name, p in attn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
