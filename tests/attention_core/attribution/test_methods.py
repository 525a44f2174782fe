"""Attribution on the shipped models: completeness, the embedding hook, records laid out like the attention."""
import numpy as np
import pytest
import torch

from attention_core.attribution import attribute, raw_scores
from attention_core.attribution.baselines import ig_start
from attention_core.attribution.methods import completeness_tolerance
from attention_core.models import load_model

CLASSIFIERS = ["document/han", "document/flat", "sentence/lin"]
DOC = ("The striker scored twice as United won the cup final. The manager praised the defence. "
       "Fans sang in the rain.")
SNIPPET = "A dull, lifeless film that wastes a fine cast."


def _text(model_id):
    return DOC if model_id.startswith("document") else SNIPPET


@pytest.mark.parametrize("model_id", CLASSIFIERS)
def test_embedding_hook_reproduces_the_model(model_id):
    """Running on the hooked embeddings gives the model's own probabilities (guards the hook after retraining)."""
    explainer = load_model(model_id)
    inp = explainer.attribution_inputs(_text(model_id))
    with torch.no_grad():
        hooked = inp.probabilities(inp.embeddings)[0, 0]
    own = explainer.explain(_text(model_id)).output.probabilities
    np.testing.assert_allclose(hooked.numpy(), [own[l] for l in explainer.labels], atol=1e-5)


# dates: Bahdanau's integrand is smooth enough for 64 points; the Luong dates models trained on the extra formats are
# so sure of their first token that from the padding baseline p jumps within a sliver of the path, and 256 points
# leave a gap (concat 0.13 on "June 19, 2016") that the method reports in info["delta"] rather than hides
@pytest.mark.parametrize("model_id", ["document/han", "sentence/lin", "dates-en-fr/bahdanau"])
def test_integrated_gradients_add_up_to_the_output_change(model_id):
    explainer = load_model(model_id)
    text = _text(model_id) if "/" in model_id and not model_id.startswith("dates") else "June 19, 2016"
    inp = explainer.attribution_inputs(text)
    scores, info = raw_scores(inp, "integrated-gradients")
    start, _ = ig_start(inp)       # the classifiers' neutral baseline, the translators' padding
    with torch.no_grad():
        change = inp.explained(inp.embeddings)[0] - inp.explained(start)[0]     # [R]
    slot = inp.slots[-1] if model_id.startswith("document") else inp.slots[0]
    # every real position sits in exactly one word-level (or the only) slot column: sum over those slots
    word_slots = [s for s, sl in zip(scores, inp.slots) if sl.level in ("word", None)]
    total = np.concatenate(word_slots, 1).sum(1)
    allowed = completeness_tolerance(change).numpy()
    assert np.all(np.abs(total - change.numpy()) <= allowed), (total, change, info)
    assert info["steps"] >= 32 and slot.keys


def test_leave_one_out_matches_replacing_the_token_by_hand():
    explainer = load_model("sentence/lin")
    if explainer.inputs.name == "minilm-encoder":
        # contextual inputs: leave-one-out erases a token's *state* (the BiLSTM's input), while replacing the
        # id by hand also changes every other token's MiniLM context — two different erasures (see the card)
        pytest.skip("sentence/lin reads frozen MiniLM encoder states: erasure acts on states, not ids")
    inp = explainer.attribution_inputs(SNIPPET)
    loo = raw_scores(inp, "leave-one-out")[0][0][0]
    with torch.no_grad():
        p = torch.softmax(explainer.model(inp.ids)[0], -1)[0, inp.targets[0]]
        for j in (0, 3, len(loo) - 1):
            ids = inp.ids.clone()
            ids[0, j] = explainer.inputs.blank_id      # MiniLM's [UNK] for word-piece inputs
            q = torch.softmax(explainer.model(ids)[0], -1)[0, inp.targets[0]]
            assert abs(float(p - q) - loo[j]) < 1e-5


def test_records_are_attribution_laid_out_like_the_attention():
    han = load_model("document/han")
    attention = han.explain(DOC).maps
    maps = attribute(han, DOC, "grad×input")
    assert [m.kind for m in maps] == ["attribution"] * len(attention)
    assert [(m.queries, m.keys, m.level) for m in maps] == [(a.queries, a.keys, a.level) for a in attention]
    for m in maps:
        assert np.isclose(np.abs(m.weights).sum(1), 1).all() and m.is_attribution
        assert m.meta["targets"] == [han.explain(DOC).output.label]
    lin = load_model("sentence/lin")
    (hop_map,) = lin.explain(SNIPPET).maps
    (amap,) = attribute(lin, SNIPPET, "leave-one-out")
    assert amap.keys == hop_map.keys and amap.shape == (1, len(hop_map.keys))


def test_translation_rows_are_the_generated_tokens():
    tr = load_model("dates-en-fr/luong-dot")
    att = tr.explain("Monday, November 23, 2026").maps[0]
    (amap,) = attribute(tr, "Monday, November 23, 2026", "grad×input")
    assert amap.queries == att.queries and amap.keys == att.keys and amap.kind == "attribution"
    assert amap.shape == att.shape


def test_erasure_removes_the_top_ranked_tokens_and_reruns_the_model():
    from attention_core.attribution.erasure import erase_top, position_scores
    from attention_core.attribution.pairing import attention_like
    han = load_model("document/han")
    inp = han.attribution_inputs(DOC)
    att = attention_like(inp.slots, han.explain(DOC).maps)
    scores = position_scores(att, inp.slots, inp.rows, inp.positions)
    sentence, words = att[0].weights[0], [m.weights[0] for m in att[1:]]
    width = inp.ids.shape[-1]
    # a word's score is its sentence's weight times its own (HAN's two levels)
    assert np.isclose(scores[0, 1 * width + 2], sentence[1] * words[1][2])
    result = erase_top(inp, scores, 2, "attention")
    top2 = sorted(np.argsort(-scores[0])[:2].tolist())
    assert sorted(result.removed[0]) == top2
    ids = inp.ids.clone().reshape(-1)
    ids[top2] = han.inputs.blank_id          # MiniLM's real [UNK] (id 100), not our UNK = 1 ([unused0])
    assert han.inputs.blank_id == 100
    with torch.no_grad():
        p = torch.softmax(han.model(ids.reshape(inp.ids.shape))[0], -1)[0, inp.targets[0]]
    assert abs(float(p) - result.after[0]) < 1e-5
