"""training.caption_name_loss: its "mean" is the shipped p_head, its gate hands each item mass to the right head, and
its decoder accuracies are the robustness scorer's."""
import math

import pytest
import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scene_kinds import make_kind_scenes
from attention_core.models.head_bias import gated_head_probabilities, head_probabilities, mean_head_probabilities
from training.caption_name_loss import COMBINES, kind_loss
from training.caption_robustness import captioner_counts, rate

FOLDER = WEIGHTS_DIR / "caption"


def test_the_mean_combination_is_the_p_head_the_decoders_read():
    torch.manual_seed(0)
    a, b = torch.randn(2, 49, 21), torch.randn(2, 49, 21)
    shipped = mean_head_probabilities([a, b])
    assert torch.allclose(COMBINES["mean"](head_probabilities(a), head_probabilities(b)), shipped)


def test_the_gate_is_the_one_the_captioners_may_declare():
    torch.manual_seed(1)
    a, b = torch.randn(2, 49, 21), torch.randn(2, 49, 21)
    declared = gated_head_probabilities([a], b)
    assert torch.allclose(COMBINES["gate"](head_probabilities(a), head_probabilities(b)), declared)


def test_the_gate_gives_the_reader_what_it_claims_and_the_encoder_the_rest():
    encoder = torch.tensor([[0.1, 0.6, 0.1]])          # item probabilities (background dropped)
    sure = torch.tensor([[0.0, 0.0, 1.0]])             # the reader sees a whole item: it alone speaks
    blank = torch.tensor([[0.0, 0.0, 0.0]])            # the reader sees background (a big item's part): the encoder
    assert torch.allclose(COMBINES["gate"](encoder, sure), sure)
    assert torch.allclose(COMBINES["gate"](encoder, blank), encoder)


def test_decoder_accuracies_match_the_robustness_scorer_on_the_same_scenes():
    scenes = make_kind_scenes("small (~30 px)", 6, "valid")
    loss = kind_loss(FOLDER, scenes)
    counts = captioner_counts(FOLDER, scenes)
    whole = loss["all"]
    assert whole["objects"] == loss["clothing"]["objects"] + loss["digits"]["objects"] == sum(
        c["objects"] for c in counts["soft"])
    for d in ("soft", "hard"):
        assert whole[d]["name_accuracy"] == pytest.approx(rate(counts[d], "right", "placed"), abs=1e-4)
        assert whole[d]["placed"] == sum(c["placed"] for c in counts[d])
        for name in COMBINES:
            assert 0 <= whole[d]["proposal_accuracy"][name] <= 1
            assert whole[d]["gold_nll"][name] >= 0 and math.isfinite(whole[d]["gold_nll"][name])
