"""The optional lexical bias of the translators (Arthur et al. 2016): log(Σ_j a_tj t(y | x_j) + ε) on the logits."""
import pytest
import torch

from attention_core.checkpoint import load_checkpoint, save_checkpoint
from attention_core.models.decoding import beam_search, greedy_batch
from attention_core.models.seq2seq import Seq2Seq

VOCAB, K = 12, 3


def _model(mechanism: str, lexicon_k: int = K) -> Seq2Seq:
    torch.manual_seed(0)
    model = Seq2Seq(VOCAB, mechanism, emb=8, hidden=8, width=1, lexicon_k=lexicon_k).eval()
    if lexicon_k:
        # source token s proposes target tokens s, s+1, s+2 (mod the vocabulary) with 0.6, 0.3, 0.1
        index = (torch.arange(VOCAB)[:, None] + torch.arange(K)[None]) % VOCAB
        model.set_lexicon(index.int(), torch.tensor([[0.6, 0.3, 0.1]]).expand(VOCAB, K))
    return model


SRC, LENGTHS = torch.tensor([[5, 7, 9, 1]]), torch.tensor([4])   # 1 = EOS


@pytest.mark.parametrize("mechanism", ["luong-concat", "bahdanau", "local-p"])
def test_the_bias_is_the_log_of_the_attention_weighted_lexicon(mechanism):
    model = _model(mechanism)
    tin = torch.tensor([[2, 6, 8]])
    with torch.no_grad():
        logp, w, _ = model(SRC, LENGTHS, tin)
        enc = model.encode(SRC, LENGTHS)
        plain = _model(mechanism, lexicon_k=0)
        plain.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("lexicon")})
        base, w_plain, _ = plain(SRC, LENGTHS, tin)
    torch.testing.assert_close(w, w_plain)   # the bias does not touch the attention itself
    # p_lex(6) at step 0 by hand: only source 5 proposes 6 (t = 0.3); 7, 9 and EOS propose other tokens
    assert float(enc.lexicon[0, 0, 6]) == pytest.approx(0.3) and float(enc.lexicon[0, 1, 6]) == 0.0
    p_lex = w[0, 0] @ enc.lexicon[0]
    assert float(p_lex[6]) == pytest.approx(0.3 * float(w[0, 0, 0]), abs=1e-6)
    assert float(p_lex.sum()) == pytest.approx(float(w[0, 0].sum()), abs=1e-5)   # each row of t sums to 1 here
    # base is already log-softmaxed; log_softmax is shift-invariant, so this is softmax(logits + bias)
    expected = torch.log_softmax(base[0, 0] + torch.log(p_lex + 1e-3), -1)
    torch.testing.assert_close(logp[0, 0], expected, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(logp, base)


@pytest.mark.parametrize("mechanism", ["luong-general", "bahdanau", "local-m"])
def test_step_by_step_decoding_and_beam_search_use_the_same_bias(mechanism):
    model = _model(mechanism)
    greedy = greedy_batch(model, SRC, LENGTHS, max_len=6)[0]
    tin = torch.tensor([[2] + greedy.tokens[:-1]])
    with torch.no_grad():
        logp, w, _ = model(SRC, LENGTHS, tin)
    assert greedy.tokens == logp[0].argmax(-1).tolist()
    torch.testing.assert_close(w[0], torch.stack(greedy.weights), rtol=1e-5, atol=1e-6)
    assert beam_search(model, SRC, LENGTHS, beam=1, max_len=6).tokens == greedy.tokens   # beams carry the lexicon


def test_the_lexicon_survives_float16_saving_and_a_model_without_one_has_no_buffers(tmp_path):
    model = _model("luong-dot")
    save_checkpoint(model, {"model": {"emb": 8, "hidden": 8, "width": 1, "lexicon_k": K}}, tmp_path)
    state, config = load_checkpoint(tmp_path)
    assert state["lexicon_index"].dtype == torch.int32
    loaded = Seq2Seq(VOCAB, "luong-dot", **config["model"]).eval()
    loaded.load_state_dict(state)
    assert torch.equal(loaded.lexicon_index, model.lexicon_index) and loaded.has_lexicon
    assert not any(k.startswith("lexicon") for k in _model("luong-dot", lexicon_k=0).state_dict())


def test_the_lexicon_weight_scales_the_bias_and_a_config_without_it_loads_as_before(tmp_path):
    model = _model("luong-general")
    save_checkpoint(model, {"model": {"emb": 8, "hidden": 8, "width": 1, "lexicon_k": K}}, tmp_path)
    state, config = load_checkpoint(tmp_path)
    old = Seq2Seq(VOCAB, "luong-general", **config["model"]).eval()   # a config written before λ existed
    old.load_state_dict(state)
    heavy = Seq2Seq(VOCAB, "luong-general", **config["model"], lexicon_weight=2.5).eval()
    heavy.load_state_dict(state)
    assert old.lexicon_weight == 1.0
    tin = torch.tensor([[2, 6, 8]])
    with torch.no_grad():
        logp_old, w, _ = old(SRC, LENGTHS, tin)
        logp_heavy, w_heavy, _ = heavy(SRC, LENGTHS, tin)
        enc = old.encode(SRC, LENGTHS)
        plain = _model("luong-general", lexicon_k=0)
        plain.load_state_dict({k: v for k, v in state.items() if not k.startswith("lexicon")})
        base, _, _ = plain(SRC, LENGTHS, tin)
    torch.testing.assert_close(w, w_heavy)   # λ weighs the bias, never the attention
    bias = torch.log(w[0] @ enc.lexicon[0] + 1e-3)
    torch.testing.assert_close(logp_old[0], torch.log_softmax(base[0] + bias, -1), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(logp_heavy[0], torch.log_softmax(base[0] + 2.5 * bias, -1), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(logp_old, logp_heavy)
    # decoding step by step and beam search go through the same weighted bias
    greedy = greedy_batch(heavy, SRC, LENGTHS, max_len=6)[0]
    with torch.no_grad():
        forced, _, _ = heavy(SRC, LENGTHS, torch.tensor([[2] + greedy.tokens[:-1]]))
    assert greedy.tokens == forced[0].argmax(-1).tolist()
    assert beam_search(heavy, SRC, LENGTHS, beam=1, max_len=6).tokens == greedy.tokens
