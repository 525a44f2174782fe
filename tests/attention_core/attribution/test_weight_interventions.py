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


def test_bahdanau_step_hooks_touch_step_t_and_its_gradient_is_its_own():
    """Bahdanau calls its attention once per step: the hook's columns are consumed step by step, so zeroing a
    weight of row t leaves the earlier tokens exactly alone and moves token t; row t of the gradient is
    ∂p_t/∂α_t (checked by a central finite difference through the same hook)."""
    from attention_core.attribution.weight_interventions import (Recorder, _row_outputs, token_gradients,
                                                                 translation_run)
    from attention_core.mechanisms import replaced_weights
    tr = load_model("dates-en-fr/bahdanau")
    ids, _ = tr.encode("Monday, November 23, 2026")
    generated = tr.translate_ids(ids).tokens
    run = translation_run(tr, ids, generated)
    seen = Recorder()
    with torch.enable_grad(), replaced_weights(tr.model, seen, EVERY):
        probs = run(1)[0]
        chosen = probs.argmax(-1)
        grad = token_gradients(probs, chosen, seen).double().numpy()
    rows, width = len(generated), len(ids)
    assert len(seen.leaves) == rows and grad.shape == (rows, width)
    weights = seen.flat(seen.leaves).reshape(rows, width)
    own = probs.detach().numpy()
    t = 2
    top = int(np.argmax(weights[t]))
    got = _row_outputs(tr.model, run, EVERY, [[t * width + top]], rows * width)[0]
    np.testing.assert_array_equal(got[:t], own[:t])                        # earlier steps: untouched
    assert np.abs(got[t] - own[t]).max() > 1e-3                             # token t moved

    direction = torch.zeros(rows, width, dtype=torch.float64)
    direction[t] = torch.linspace(-1, 1, width, dtype=torch.float64)
    eps = 1e-3

    def p_t(sign: float) -> float:
        calls = iter(range(rows))

        def nudge(w, mask):
            return w + sign * eps * direction[next(calls)].to(w.dtype).view_as(w)
        with torch.no_grad(), replaced_weights(tr.model, nudge, EVERY):
            return float(run(1)[0, t, chosen[t]])
    numeric = (p_t(1) - p_t(-1)) / (2 * eps)
    assert numeric == pytest.approx(float(grad[t] @ direction[t].numpy()), rel=2e-2, abs=1e-4)


def test_zeroing_keeps_a_rows_mass_below_one():
    """Local-p's rows sum to less than 1 by design: a removal rescales what is left to the row's own mass."""
    from attention_core.attribution.weight_interventions import without
    w = torch.tensor([[[0.1, 0.2, 0.3, 0.0]]])                               # one row, mass 0.6
    masks = torch.tensor([[False, True, False, False]])
    out = without(masks)(w, None)
    np.testing.assert_allclose(out.numpy(), [[[0.15, 0.0, 0.45, 0.0]]], rtol=1e-6)


@pytest.mark.parametrize("model_id", ["dates-en-fr/local-m", "dates-en-fr/local-p-topk"])
def test_a_local_translators_interventions_stay_inside_the_window(model_id):
    from attention_core.attribution.weight_interventions import intervene_per_token
    tr = load_model(model_id)
    source = "Monday, November 23, 2026"
    window = 2 * tr.model.attention.width + 1                                # also local-p-topk's k here
    rec = intervene_per_token(tr, source, [0, 1])
    assert rec["row_weights"] <= window < rec["sources"]
    assert all(v is None or 0 < v < 1 for vs in rec["to_flip"].values() for v in vs)


def test_js_of_equal_distributions_is_zero_not_nan():
    from attention_core.attribution.weight_interventions import js
    p = np.array([0.1, 0.2, 0.3, 0.4]) / 1.0000000000000002
    assert js(p, p) == 0.0 and js(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
