import math

import numpy as np
import pytest
import torch

from attention_core.mechanisms import LocalAttention, band_to_dense, window_bounds

from .reference import np64, score, softmax

B, TQ, TK, D, DIM = 2, 7, 9, 2, 4
MASK = torch.tensor([[1] * 9, [1] * 6 + [0] * 3], dtype=torch.bool)


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(B, TQ, DIM, generator=g, dtype=torch.float64),
            torch.randn(B, TK, DIM, generator=g, dtype=torch.float64))


def _reference(attn, q, k, mask):
    """Luong local attention written directly from the paper, one query at a time."""
    out_w = np.zeros((B, TQ, TK))
    out_p = np.zeros((B, TQ))
    sigma = attn.width / 2
    for b in range(B):
        S = int(mask[b].sum())
        for t in range(TQ):
            qt = np64(q[b, t])
            if attn.alignment == "monotonic":
                p = min(t, S - 1)
            else:
                Wp, vp = np64(attn.W_p.weight), np64(attn.v_p.weight)[0]
                p = S / (1 + math.exp(-(vp @ np.tanh(Wp @ qt))))
            out_p[b, t] = p
            scores = {s: score(attn.score_name, attn.score, qt, np64(k[b, s])) for s in range(S)}
            if attn.alignment == "predictive-topk":
                content = softmax(np.array(list(scores.values())))
                prod = content * np.exp(-(np.arange(S) - p) ** 2 / (2 * sigma ** 2))
                keep = np.argsort(-prod)[: attn.top_k]
                out_w[b, t, keep] = prod[keep] / prod[keep].sum()
                continue
            window = [s for s in range(S) if abs(s - p) <= attn.width]
            if not window:
                continue
            a = softmax(np.array([scores[s] for s in window]))
            if attn.alignment == "predictive":
                a = a * np.exp(-(np.array(window) - p) ** 2 / (2 * sigma ** 2))
            out_w[b, t, window] = a
    return out_w, out_p


@pytest.mark.parametrize("alignment", ["monotonic", "predictive", "predictive-topk"])
@pytest.mark.parametrize("score_name", ["general", "dot", "concat"])
def test_matches_float64_reference(alignment, score_name):
    torch.manual_seed(1)
    attn = LocalAttention(DIM, DIM, width=D, alignment=alignment, score=score_name, top_k=3).double()
    q, k = _inputs()
    ctx, w, p = attn(q, k, MASK, return_centers=True)
    ref_w, ref_p = _reference(attn, q, k, MASK)
    np.testing.assert_allclose(np64(p), ref_p, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np64(w), ref_w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np64(ctx), np.einsum("bqk,bkd->bqd", ref_w, np64(k)), rtol=1e-9, atol=1e-12)
    assert torch.all(w[1, :, 6:] == 0), "masked keys must get exactly 0"


def test_monotonic_window_is_clipped_at_both_ends():
    attn = LocalAttention(DIM, DIM, width=3, alignment="monotonic").double()
    q, k = _inputs()
    _, w = attn(q[:1], k[:1])
    nonzero = [set(np.flatnonzero(np64(w[0, t]))) for t in range(TQ)]
    assert nonzero[0] == {0, 1, 2, 3}            # [0-3, 0+3] clipped at the start
    assert nonzero[6] == {3, 4, 5, 6, 7, 8}      # [6-3, 6+3] = [3, 9] clipped at the end (S = 9)
    torch.testing.assert_close(w.sum(-1), torch.ones(1, TQ, dtype=torch.float64))


def test_monotonic_centres_follow_explicit_positions_and_clip_to_the_source():
    attn = LocalAttention(DIM, DIM, width=1, alignment="monotonic").double()
    q, k = _inputs()
    pos = torch.tensor([[0, 3, 8, 8, 20, 1, 2], [0, 1, 2, 3, 4, 5, 30]])
    _, w, p = attn(q, k, MASK, positions=pos, return_centers=True)
    assert p[0].tolist() == [0, 3, 8, 8, 8, 1, 2]
    assert p[1, -1].item() == 5                  # clipped to the last real position of row 1 (S = 6)
    assert set(np.flatnonzero(np64(w[1, 6]))) == {4, 5}


def test_local_p_is_content_softmax_times_gaussian_not_renormalised():
    torch.manual_seed(3)
    attn = LocalAttention(DIM, DIM, width=D, alignment="predictive").double()
    q, k = _inputs(4)
    band = attn.banded(q, k, MASK)
    w = band_to_dense(band, TK)
    sigma = D / 2
    s = torch.arange(TK, dtype=torch.float64)
    gauss = torch.exp(-(s[None, None] - band.centers[..., None]) ** 2 / (2 * sigma ** 2))
    ratio = torch.where(w > 0, w / gauss, torch.zeros_like(w))
    # dividing out the Gaussian leaves a softmax over the window: each live row sums to 1
    live = w.sum(-1) > 0
    torch.testing.assert_close(ratio.sum(-1)[live], torch.ones_like(ratio.sum(-1)[live]))
    assert torch.all(w.sum(-1) <= 1 + 1e-12) and torch.any(w.sum(-1) < 0.999)
    renorm = LocalAttention(DIM, DIM, width=D, alignment="predictive", renormalize=True).double()
    renorm.load_state_dict(attn.state_dict())
    torch.testing.assert_close(renorm(q, k, MASK)[1].sum(-1)[live], torch.ones_like(w.sum(-1)[live]))


def test_gaussian_has_sigma_half_the_width():
    attn = LocalAttention(DIM, DIM, width=4, alignment="predictive")
    g = attn.gaussian(torch.tensor([2.0, 3.0, 5.0]), torch.tensor(3.0))
    torch.testing.assert_close(g, torch.tensor([math.exp(-1 / 8), 1.0, math.exp(-4 / 8)]))


def test_topk_keeps_exactly_k_and_renormalises():
    attn = LocalAttention(DIM, DIM, width=2, alignment="predictive-topk", top_k=3).double()
    q, k = _inputs(5)
    _, w = attn(q, k, MASK)
    assert torch.all((w > 0).sum(-1) == 3)
    torch.testing.assert_close(w.sum(-1), torch.ones(B, TQ, dtype=torch.float64))
    assert torch.all(w[1, :, 6:] == 0)


def test_topk_stays_normalised_when_the_centre_is_far_from_every_strong_key():
    attn = LocalAttention(DIM, DIM, width=1, alignment="predictive-topk", top_k=2).double()
    with torch.no_grad():
        attn.v_p.weight.fill_(50.0)          # p_t → S: the Gaussian is ~1e-30 at the start of the source
    q = torch.ones(1, 3, DIM, dtype=torch.float64)
    k = torch.zeros(1, 40, DIM, dtype=torch.float64)
    k[0, 0] = 20.0                            # content puts almost all weight on position 0
    _, w = attn(q, k)
    torch.testing.assert_close(w.sum(-1), torch.ones(1, 3, dtype=torch.float64))
    assert torch.all((w > 0).sum(-1) == 2)


def test_banded_path_equals_dense_and_has_window_width_slots():
    attn = LocalAttention(DIM, DIM, width=D, alignment="predictive").double()
    q, k = _inputs(6)
    band = attn.banded(q, k, MASK)
    assert band.weights.shape == (B, TQ, 2 * D + 2)
    _, dense = attn(q, k, MASK)
    torch.testing.assert_close(band_to_dense(band, TK), dense)
    lo, hi = window_bounds(band.centers, D, TK)
    cols = torch.arange(TK)
    outside = (cols < lo[..., None]) | (cols > hi[..., None])
    assert torch.all(dense[outside] == 0)


@pytest.mark.parametrize("alignment", ["monotonic", "predictive", "predictive-topk"])
def test_gradients_reach_every_parameter(alignment):
    attn = LocalAttention(DIM, DIM, width=D, alignment=alignment, score="concat")
    q = torch.randn(B, TQ, DIM, requires_grad=True)
    k = torch.randn(B, TK, DIM, requires_grad=True)
    ctx, w = attn(q, k, MASK)
    (ctx.square().sum() + (w * torch.arange(TK, dtype=torch.float32)).sum()).backward()
    for name, p in attn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert q.grad.abs().sum() > 0 and k.grad.abs().sum() > 0


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="alignment"):
        LocalAttention(4, 4, alignment="sideways")
    with pytest.raises(ValueError, match="banded"):
        LocalAttention(4, 4, alignment="predictive-topk").banded(torch.randn(1, 2, 4), torch.randn(1, 3, 4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_same_call_on_cuda():
    attn = LocalAttention(DIM, DIM, width=D, alignment="predictive")
    q, k = torch.randn(B, TQ, DIM), torch.randn(B, TK, DIM)
    _, w_cpu = attn(q, k, MASK)
    _, w_gpu = attn.cuda()(q.cuda(), k.cuda(), MASK.cuda())
    torch.testing.assert_close(w_gpu.cpu(), w_cpu, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("alignment", ["monotonic", "predictive", "predictive-topk"])
def test_a_weight_hook_sees_the_window_and_the_model_reads_its_replacement(alignment):
    """The hook gets the dense map with the window (top-k: the kept keys) as its mask; the context is the
    weighted sum of whatever it returns — checked against the float64 reference with one key zeroed."""
    from attention_core.mechanisms import replaced_weights
    torch.manual_seed(1)
    attn = LocalAttention(DIM, DIM, width=D, alignment=alignment, score="general", top_k=3).double()
    q, k = _inputs()
    ref_w, _ = _reference(attn, q, k, MASK)
    seen = {}

    def drop_first_real(weights, mask):
        seen["mask"] = mask
        first = mask.to(torch.int64).argmax(-1, keepdim=True)         # the first key each query may read
        return weights.scatter(-1, first, 0.0)
    with torch.no_grad(), replaced_weights(attn, drop_first_real) as names:
        ctx, w = attn(q, k, MASK)
    assert names == [""]
    np.testing.assert_array_equal(seen["mask"].numpy(), ref_w > 0)    # the window, exactly
    edited = ref_w.copy()
    for b in range(B):
        for t in range(TQ):
            real = np.flatnonzero(ref_w[b, t] > 0)
            if len(real):
                edited[b, t, real[0]] = 0.0
    np.testing.assert_allclose(w.numpy(), edited, atol=1e-12)
    np.testing.assert_allclose(ctx.numpy(), np.einsum("bts,bsd->btd", edited, np64(k)), atol=1e-12)
    with torch.no_grad():
        plain_ctx, _ = attn(q, k, MASK)                                 # the hook is gone: banded path again
    np.testing.assert_allclose(plain_ctx.numpy(), np.einsum("bts,bsd->btd", ref_w, np64(k)), atol=1e-12)
