"""Integrated gradients starts where the model is undecided, and removal uses the tokenizer's real [UNK]."""
import numpy as np
import torch

from attention_core.attribution import attribute
from attention_core.attribution.baselines import ig_start, neutral_baseline
from attention_core.models import load_model
from attention_core.models.text_inputs import minilm_tokenizer



def _sport() -> str:
    """The shipped sport sample (Arsenal through on penalties): HAN reads it as sport with p > 0.99."""
    return load_model("document/han").spec.samples()[0]


def test_hans_padding_baseline_is_not_neutral_but_the_chosen_one_is():
    han = load_model("document/han")
    inp = han.attribution_inputs(_sport())
    assert inp.target_labels == ["sport"]
    with torch.no_grad():
        padding = inp.probabilities(inp.baseline)[0, 0]
    assert float(padding.max()) > 0.9                  # the old start: all [PAD] is read as confident evidence
    start, probs = ig_start(inp)
    assert float(probs.max()) < 0.5 and float(probs[0, inp.targets[0]]) < 0.5
    with torch.no_grad():                              # the reported f(baseline) is what the model says about it
        np.testing.assert_allclose(inp.probabilities(start)[0].numpy(), probs.numpy(), atol=1e-5)
    # the baseline differs from the input only where tokens are: one vector at every real position
    real = inp.attributable
    assert torch.equal(start[0][~real], inp.embeddings[0][~real])
    assert torch.allclose(start[0][real], start[0][real][:1].expand_as(start[0][real]))


def test_sport_articles_now_have_attributions_that_add_up_to_their_decision():
    han = load_model("document/han")
    maps = attribute(han, _sport(), "integrated-gradients")
    word = [m for m in maps if m.level == "word"]
    total = sum(float((m.weights * np.asarray(m.meta["scale"])[:, None]).sum()) for m in word)
    p = han.explain(_sport()).output.probabilities["sport"]
    assert word[0].meta["baseline"] == "neutral"
    # completeness against the reported f(baseline) for the decision (the old all-[PAD] start left ≈ 0)
    assert abs(total - (p - word[0].meta["baseline_p"][0])) < 0.05 and total > 0.4


def test_the_search_moves_a_biased_start_towards_uniform():
    lin = load_model("sentence/lin")
    inp = lin.attribution_inputs("A dull, lifeless film that wastes a fine cast.")
    unk = lin.model.embed(torch.tensor([minilm_tokenizer().token_to_id("[UNK]")]))[0].detach()
    with torch.no_grad():   # MiniLM's [UNK] everywhere reads as "fresh" with p > 0.9 for this model
        biased = inp.probabilities(torch.where(inp.attributable[None, :, None], unk, inp.embeddings))[0, 0]
    assert float(biased.max()) > 0.9
    _, probs = neutral_baseline(inp, unk, steps=200)
    assert float(probs.max()) < 0.6


def test_documents_blank_with_minilms_unk_not_unused0():
    han = load_model("document/han")
    inp = han.attribution_inputs(_sport())
    unk = han.model.embed(torch.tensor([minilm_tokenizer().token_to_id("[UNK]")]))[0]
    real = inp.attributable
    assert torch.allclose(inp.blank[0][real], unk.detach().expand_as(inp.blank[0][real]), atol=1e-6)
