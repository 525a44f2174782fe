"""ERASER comprehensiveness / sufficiency: a ranking that finds the decisive token beats one that does not,
and both removal operators do what they say on the shipped models."""
import numpy as np
import pytest
import torch

from attention_core.attribution.eraser import BINS, RankJob, eraser_curves, rationale, top_count
from attention_core.attribution.inputs import AttributionInputs, MapSlot
from attention_core.models import load_model
from attention_core.models.special_tokens import BOS

P, DECISIVE = 10, 6          # ten tokens; only token 6 carries the class


def _tiny() -> AttributionInputs:
    """A classifier whose class-1 logit is 8 × (largest first coordinate over the tokens) − 4: token 6 (first
    coordinate 1) decides it, every other token is noise in the second coordinate."""
    emb = torch.zeros(1, P, 2)
    emb[0, :, 1] = torch.linspace(-1, 1, P)
    emb[0, DECISIVE, 0] = 1.0

    def probs_of(e: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        score = torch.where(real, e[..., 0], torch.full_like(e[..., 0], -1e9)).max(-1).values   # [N]
        logits = torch.stack([torch.zeros_like(score), 8 * score - 4], -1)
        return torch.softmax(logits, -1)[:, None, :]

    def probabilities(e: torch.Tensor) -> torch.Tensor:
        return probs_of(e, torch.ones(e.shape[:2], dtype=torch.bool))

    def deleted(positions):
        real = torch.ones(len(positions), P, dtype=torch.bool)
        for i, pos in enumerate(positions):
            real[i, pos] = False
        return probs_of(emb.expand(len(positions), -1, -1), real)

    return AttributionInputs("tiny", torch.arange(P)[None], emb, torch.zeros_like(emb), torch.zeros_like(emb),
                             torch.ones(P, dtype=torch.bool), probabilities, [1], ["one"],
                             [MapSlot(["→ one"], [str(i) for i in range(P)], [0], [[i] for i in range(P)])],
                             ["zero", "one"], classes=2, deleted=deleted)


@pytest.mark.parametrize("operator", ["delete", "unk"])
def test_the_ranking_that_finds_the_decisive_token_is_the_most_comprehensive_and_sufficient(operator):
    inp = _tiny()
    right = np.zeros(P)
    right[DECISIVE] = 1.0
    wrong = -right                                     # the decisive token last
    rand = np.random.default_rng(0).random(P)
    good, bad, chance = eraser_curves(inp, [RankJob(0, right), RankJob(0, wrong), RankJob(0, rand)], operator)
    p = good.full
    assert p > 0.95
    np.testing.assert_allclose(good.comprehensiveness, p - 1 / (1 + np.exp(4)), atol=1e-6)   # decision gone
    np.testing.assert_allclose(good.sufficiency, 0.0, atol=1e-6)                             # decision kept
    assert bad.aopc_comprehensiveness == pytest.approx(0.0, abs=1e-6)
    assert bad.aopc_sufficiency > 0.9
    assert good.aopc_comprehensiveness > chance.aopc_comprehensiveness >= bad.aopc_comprehensiveness
    assert good.aopc_sufficiency < chance.aopc_sufficiency <= bad.aopc_sufficiency
    assert len(good.comprehensiveness) == len(BINS)


def test_top_k_percent_counts_and_never_empties_the_input():
    assert [top_count(10, k) for k in BINS] == [1, 1, 1, 2, 5]
    assert [top_count(200, k) for k in BINS] == [2, 10, 20, 40, 100]
    assert top_count(2, 0.5) == 1 and top_count(1, 0.5) == 1 and top_count(3, 1.0) == 2
    removable = np.array([False, True, True, True, False])
    assert rationale(np.array([9.0, 1.0, 3.0, 2.0, 8.0]), removable, 0.5) == [2, 3]   # [CLS]-like ends skipped


def test_deleting_a_token_from_lin_is_running_it_on_the_shorter_text():
    lin = load_model("sentence/lin")
    inp = lin.attribution_inputs("A dull, lifeless film that wastes a fine cast.")
    drop = [1, 4]
    with torch.no_grad():
        got = inp.deleted([[], drop])[:, 0, inp.targets[0]]
        keep = [j for j in range(inp.ids.shape[1]) if j not in drop]
        by_hand = torch.softmax(lin.model(inp.ids[:, keep])[0], -1)[0, inp.targets[0]]
        own = torch.softmax(lin.model(inp.ids)[0], -1)[0, inp.targets[0]]
    assert float(got[0]) == pytest.approx(float(own), abs=1e-5)
    assert float(got[1]) == pytest.approx(float(by_hand), abs=1e-5)
    assert abs(float(got[1]) - float(own)) > 1e-3          # the deletion changed something


def test_deleting_a_whole_sentence_from_han_is_running_it_without_that_sentence():
    han = load_model("document/han")
    doc = han.spec.samples()[1]
    inp = han.attribution_inputs(doc)
    sents, width = inp.ids.shape[1], inp.ids.shape[2]
    second = [1 * width + j for j in range(width) if int(inp.ids[0, 1, j]) != 0]
    rows = [r for r in range(sents) if r != 1]
    with torch.no_grad():
        got = inp.deleted([second])[0, 0]
        by_hand = torch.softmax(han.model(inp.ids[:, rows])[0], -1)[0]
    np.testing.assert_allclose(got.numpy(), by_hand.numpy(), atol=1e-5)


def test_deleting_a_source_token_from_a_translator_is_translating_the_shorter_source():
    from attention_core.attribution.rankings import reference_inputs
    tr = load_model("dates-en-fr/luong-dot")
    inp = reference_inputs(tr, "Monday, November 23, 2026", "lundi 23 novembre 2026")
    with torch.no_grad():
        got = inp.deleted([[2]])[0]                                            # [R, V]
        keep = [j for j in range(inp.ids.shape[1]) if j != 2]
        src = inp.ids[:, keep]
        tgt_in = torch.tensor([[BOS] + inp.targets[:-1]])
        by_hand = tr.model(src, torch.tensor([len(keep)]), tgt_in)[0][0].exp()
    np.testing.assert_allclose(got.numpy(), by_hand.numpy(), atol=1e-5)


def test_a_ranking_only_some_examples_have_is_summarised_over_those():
    """MiniLM's flow exists only for inputs of ≤ 32 pieces: the table keeps it, over the examples that have it."""
    from attention_core.attribution.heldout_eraser import eraser_table
    curve = {"c": [[0.1] * 5], "s": [[0.2] * 5]}
    doc = {"examples": [{"curves": {"delete": {"random": curve}}},
                        {"curves": {"delete": {"random": curve, "attention: flow": {"c": [[0.5] * 5], "s": [[0.0] * 5]}}}}]}
    rows = {r["ranking"]: r for r in eraser_table(doc)}
    assert rows["random"]["n"] == 2 and rows["attention: flow"]["n"] == 1
    assert rows["attention: flow"]["comprehensiveness"]["mean"] == pytest.approx(0.5)
