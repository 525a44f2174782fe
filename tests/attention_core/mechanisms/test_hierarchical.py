import numpy as np
import torch
from torch import nn

from attention_core.mechanisms import HierarchicalAttention

from .reference import np64, softmax


def _context_attention_ref(module, states):
    W, b, u = np64(module.proj.weight), np64(module.proj.bias), np64(module.context)
    a = softmax(np.array([np.tanh(W @ h + b) @ u for h in states]))
    return a @ states, a


def test_matches_float64_reference_with_word_mask_and_empty_sentence():
    torch.manual_seed(0)
    attn = HierarchicalAttention(word_dim=4, attn_dim=3).double()
    x = torch.randn(2, 3, 5, 4, dtype=torch.float64)
    mask = torch.ones(2, 3, 5, dtype=torch.bool)
    mask[0, 1, 2:] = False   # a short sentence
    mask[1, 2] = False       # an empty sentence (padding)
    doc, ww, sw = attn(x, mask)
    assert doc.shape == (2, 4) and ww.shape == (2, 3, 5) and sw.shape == (2, 3)
    for b in range(2):
        sent_vecs, real = [], []
        for s in range(3):
            n = int(mask[b, s].sum())
            if n == 0:
                assert torch.all(ww[b, s] == 0)
                continue
            vec, a = _context_attention_ref(attn.word_attention, np64(x[b, s, :n]))
            np.testing.assert_allclose(np64(ww[b, s, :n]), a, rtol=1e-10)
            assert torch.all(ww[b, s, n:] == 0)
            sent_vecs.append(vec)
            real.append(s)
        dvec, sa = _context_attention_ref(attn.sentence_attention, np.stack(sent_vecs))
        np.testing.assert_allclose(np64(sw[b, real]), sa, rtol=1e-10)
        np.testing.assert_allclose(np64(doc[b]), dvec, rtol=1e-10)
    assert sw[1, 2].item() == 0.0


class _SentenceGRU(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.gru = nn.GRU(d_in, d_out // 2, batch_first=True, bidirectional=True)

    def forward(self, x, mask):
        return self.gru(x)[0] * mask[..., None]


def test_sentence_encoder_runs_between_levels_and_gradients_flow():
    enc = _SentenceGRU(4, 6)
    attn = HierarchicalAttention(word_dim=4, sentence_dim=6, sentence_encoder=enc)
    x = torch.randn(2, 3, 5, 4, requires_grad=True)
    doc, ww, sw = attn(x)
    assert doc.shape == (2, 6)
    torch.testing.assert_close(sw.sum(-1), torch.ones(2))
    torch.testing.assert_close(ww.sum(-1), torch.ones(2, 3))
    doc.square().sum().backward()
    for name, p in attn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
