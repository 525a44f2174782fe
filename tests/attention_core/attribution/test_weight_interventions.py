"""Serrano & Smith's interventions act on the attention weights inside the layer, exactly as stated."""
import numpy as np
import pytest
import torch

from attention_core.attribution.weight_interventions import (classifier_run, fraction_to_flip, intervene,
                                                             layer_weights, order_of, outputs_without)
from attention_core.models import load_model
from attention_core.models.recurrent import packed_rnn

SNIPPET = "A dull, lifeless film that wastes a fine cast."
EVERY = lambda name, m: True  # noqa: E731  (Lin has one attention module)


def _lin_by_hand(lin, ids: torch.Tensor, edit) -> tuple[torch.Tensor, torch.Tensor]:
    """Lin's forward written out, with ``edit(A)`` applied to the hop weights → (probabilities [C], A [hops, T])."""
    m = lin.model
    states = packed_rnn(m.lstm, m.embed(ids), ids != 0)
    scores = m.attention.W_s2(torch.tanh(m.attention.W_s1(states))).transpose(1, 2)
    A = edit(torch.softmax(scores, -1))
    return torch.softmax(m.mlp(torch.bmm(A, states).flatten(1)), -1)[0], A[0]


def test_zeroing_a_weight_is_the_renormalised_layer_and_nothing_else():
    lin = load_model("sentence/lin")
    ids = lin.attribution_inputs(SNIPPET).ids
    run = classifier_run(lin, ids)
    layer = layer_weights(lin.model, run, EVERY)
    top = int(np.argmax(layer.weights))
    hop, col = divmod(top, ids.shape[1])

    def edit(A):
        A = A.clone()
        A[0, hop, col] = 0
        return A / A.sum(-1, keepdim=True)
    with torch.no_grad():
        by_hand, _ = _lin_by_hand(lin, ids, edit)
        own, A = _lin_by_hand(lin, ids, lambda A: A)
    got = outputs_without(lin.model, run, EVERY, [[], [top]], len(layer.weights))
    np.testing.assert_allclose(got[0], own.numpy(), atol=1e-5)          # no removal = the model
    np.testing.assert_allclose(got[1], by_hand.numpy(), atol=1e-5)      # the weight went, the hop renormalised
    np.testing.assert_allclose(layer.weights.reshape(A.shape), A.numpy(), atol=1e-6)
    assert not np.allclose(got[0], got[1])


def test_the_gradient_order_is_the_gradient_with_respect_to_the_weights():
    lin = load_model("sentence/lin")
    ids = lin.attribution_inputs(SNIPPET).ids
    layer = layer_weights(lin.model, classifier_run(lin, ids), EVERY)
    with torch.no_grad():
        _, A0 = _lin_by_hand(lin, ids, lambda A: A)
    leaf = A0[None].clone().requires_grad_(True)
    probs, _ = _lin_by_hand(lin, ids, lambda A: leaf)
    (grad,) = torch.autograd.grad(probs[layer.decision], leaf)
    np.testing.assert_allclose(layer.gradient, grad.reshape(-1).numpy(), rtol=1e-4, atol=1e-7)
    order = order_of(layer, "gradient", [0])
    assert layer.gradient[order[0]] == layer.gradient[layer.real].max()


def test_han_word_layer_interventions_leave_the_sentence_layer_alone():
    han = load_model("document/han")
    ids = han.attribution_inputs(han.spec.samples()[1]).ids
    word = lambda name, m: name.endswith("word_attention")  # noqa: E731
    layer = layer_weights(han.model, classifier_run(han, ids), word)
    sents, width = ids.shape[1], ids.shape[2]
    assert layer.weights.shape == (sents * width,)
    np.testing.assert_allclose(layer.weights.reshape(sents, width).sum(-1), 1.0, atol=1e-5)   # one row per sentence
    rec = intervene(han, ids, word, [0, 1])
    assert rec["weights"] == int((ids != 0).sum())
    assert 0 <= rec["js_top"] <= 1 and 0 <= rec["js_random"] <= 1
    assert set(rec["to_flip"]) == {"attention", "gradient", "attention × gradient", "random"}


def test_a_layer_that_decides_alone_flips_after_its_top_weight_goes():
    """Remove hop weights in attention order until only one weight is left: a flip, when it comes, is found
    at the smallest grid point, and no fraction exceeds all-but-one."""
    lin = load_model("sentence/lin")
    ids = lin.attribution_inputs(SNIPPET).ids
    run = classifier_run(lin, ids)
    layer = layer_weights(lin.model, run, EVERY)
    first = fraction_to_flip(lin.model, run, EVERY, layer, [0])
    n = int(layer.real.sum())
    for order, frac in first.items():
        if frac is None:
            continue
        assert 0 < frac <= (n - 1) / n
        k = round(frac * n)
        ranked = order_of(layer, order, [0])
        probs = outputs_without(lin.model, run, EVERY, [ranked[:k]], len(layer.weights))
        assert probs[0].argmax() != layer.decision
    assert any(v is not None for v in first.values()), first


def test_a_translators_token_intervention_touches_that_tokens_row_only():
    from attention_core.attribution.weight_interventions import (_row_outputs, intervene_per_token,
                                                                 translation_run)
    tr = load_model("dates-en-fr/luong-general")
    source = "Monday, November 23, 2026"
    ids, _ = tr.encode(source)
    generated = tr.translate_ids(ids).tokens
    run = translation_run(tr, ids, generated)
    with torch.no_grad():
        own = run(1)[0].numpy()
        weights = tr.model(torch.tensor([ids]), torch.tensor([len(ids)]),
                           torch.tensor([[2] + generated[:-1]]))[1][0].numpy()
    t, width = 2, len(ids)
    top = int(np.argmax(weights[t]))
    got = _row_outputs(tr.model, run, EVERY, [[t * width + top]], len(generated) * width)[0]
    others = [r for r in range(len(generated)) if r != t]
    np.testing.assert_allclose(got[others], own[others], atol=1e-6)          # the other tokens did not move
    assert np.abs(got[t] - own[t]).max() > 1e-4                              # token t did
    rec = intervene_per_token(tr, source, [0, 1])
    assert rec["tokens"] == len(generated) and len(rec["flip_top"]) == len(generated)
    assert all(v is None or 0 < v < 1 for vs in rec["to_flip"].values() for v in vs)


def test_bahdanau_is_refused_in_one_line():
    from attention_core.attribution.weight_interventions import intervene_per_token
    with pytest.raises(ValueError, match="Bahdanau"):
        intervene_per_token(load_model("dates-en-fr/bahdanau"), "June 1, 2000", [0])


def test_js_of_equal_distributions_is_zero_not_nan():
    from attention_core.attribution.weight_interventions import js
    p = np.array([0.1, 0.2, 0.3, 0.4]) / 1.0000000000000002
    assert js(p, p) == 0.0 and js(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
