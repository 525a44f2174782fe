"""Round 9: the bias encoder's fine-tune (training.scene_encoder_bias) and the selector's rule
(training.caption_bias_encoder_select.choose), both fixed before the runs."""
import random

import numpy as np
import pytest
import torch

from training.caption_bias_encoder_select import BASE, choose
from training.caption_head_bias_select import TOLERANCE
from training.scene_encoder_bias import DROP, bias_canvases, choose_step, small_kind

torch.set_num_threads(1)      # one core: the machine is shared



def _row(names: list[float], scores: list[float]) -> dict[str, dict]:
    return {f"set {k}": {"name": n, "score": s} for k, (n, s) in enumerate(zip(names, scores))}


def test_the_selector_keeps_round_7_unless_a_setting_beats_it_within_tolerance_on_every_set():
    rows = {"none": _row([0.99, 0.99], [0.99, 0.99]),                     # never a candidate
            BASE: _row([0.90, 0.90], [0.80, 0.80]),
            "better small": _row([0.90 - TOLERANCE + 0.001, 0.95], [0.80, 0.85]),
            "better but one set too far below": _row([0.90 - TOLERANCE - 0.001, 0.99], [0.80, 0.95])}
    assert choose(rows) == "better small"
    assert choose({BASE: rows[BASE], "equal": _row([0.90, 0.90], [0.80, 0.80])}) == BASE
    assert choose({BASE: rows[BASE], "worse": _row([0.91, 0.90], [0.79, 0.80])}) == BASE


def test_the_checkpoint_rule_takes_the_best_mean_with_no_set_far_below_the_start():
    history = [{"step": 0, "valid": {"small": 0.90, "clean": 0.93}},
               {"step": 100, "valid": {"small": 0.99, "clean": 0.93 - DROP - 0.001}},   # best mean, clean too low
               {"step": 200, "valid": {"small": 0.93, "clean": 0.93 - DROP + 0.001}},
               {"step": 300, "valid": {"small": 0.92, "clean": 0.93}}]
    assert choose_step(history)["step"] == 200
    assert choose_step(history[:2])["step"] == 0                     # nothing qualifies: the starting encoder


def test_training_canvases_are_labelled_like_the_encoders_and_often_small():
    from attention_core.data.scenes import load_sources
    sources = load_sources("train")
    images, labels, weights, classes = bias_canvases(sources, 40, random.Random(3), small_share=1.0)
    assert images.shape == (40, 224, 224) and images.dtype == np.uint8
    present = classes >= 0
    assert present.sum() >= 40 and ((classes >= 0) | (classes == -100)).all()
    np.testing.assert_allclose(weights.sum(-1)[present], 1.0, rtol=1e-5)   # each present item's cells share weight 1
    assert (weights.sum(-1)[~present] == 0).all()
    for n, k in zip(*np.nonzero(present)):                                 # an item's cells carry its class
        assert (labels[n][weights[n, k] > 0] == classes[n, k]).all()
    rng = random.Random(0)
    kinds = [small_kind(rng) for _ in range(200)]
    assert all(k.sides == (24, 40) for k in kinds)
    assert 0.1 < np.mean([k.invert for k in kinds]) < 0.3 and 0.2 < np.mean([k.noise > 0 for k in kinds]) < 0.5


def test_a_lone_224_read_gives_the_7_by_7_grid():
    from attention_core.models.scene_encoder import SceneEncoder
    net = SceneEncoder((8, 8, 8, 8), 20, True, (224,)).eval()
    assert net.regions(torch.zeros(2, 1, 224, 224)).shape == (2, 49, 8)
    assert SceneEncoder((8, 8, 8, 8), 20, True).eval()(torch.zeros(1, 1, 112, 112)).shape == (1, 8, 7, 7)


def test_the_selector_replays_its_recorded_validation_choice():
    """Fed the measures it recorded (docs/metrics_caption_round9_validation.json), the rule picks what it chose then."""
    import json
    from pathlib import Path
    docs = Path(__file__).resolve().parents[2] / "docs"
    recorded = json.loads((docs / "metrics_caption_round9_validation.json").read_text())["decoders"]
    assert set(recorded) == {"soft", "hard"}
    for decoder, run in recorded.items():
        assert choose(run["measures"]) == run["chosen"], decoder
        assert run["measures"][BASE] and "none" in run["measures"]
