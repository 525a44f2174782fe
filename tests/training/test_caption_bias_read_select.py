"""Round 8's choice rule for the head bias's read (training.caption_bias_read_select.choose), fixed before the runs."""
from training.caption_bias_read_select import SHIPPED, TOLERANCE, choose


def _row(names: list[float], scores: list[float]) -> dict[str, dict]:
    return {f"set {k}": {"name": n, "score": s} for k, (n, s) in enumerate(zip(names, scores))}


def test_the_largest_summed_score_within_tolerance_of_the_shipped_read_wins_and_ties_keep_the_shipped_one():
    rows = {"none": _row([0.99, 0.99], [0.99, 0.99]),                     # never a candidate
            SHIPPED: _row([0.90, 0.90], [0.80, 0.80]),
            "better small": _row([0.90 - TOLERANCE + 0.001, 0.95], [0.80, 0.85]),
            "better but one set too far below": _row([0.90 - TOLERANCE - 0.001, 0.99], [0.80, 0.95])}
    assert choose(rows) == "better small"
    assert choose({SHIPPED: rows[SHIPPED], "equal": _row([0.90, 0.90], [0.80, 0.80])}) == SHIPPED


def test_both_selectors_replay_their_recorded_validation_choices():
    """The two selectors share one rule (caption_head_bias_select.choose): fed the measures they recorded, each
    picks again what it chose then (round 7: the bias setting against no bias; round 8: the read against round 7's)."""
    import json
    from pathlib import Path

    from training.caption_head_bias_select import choose as choose_setting
    docs = Path(__file__).resolve().parents[2] / "docs"
    for name, rule in (("round7", choose_setting), ("round8", choose), ("round10", choose)):
        recorded = json.loads((docs / f"metrics_caption_{name}_validation.json").read_text())["decoders"]
        for decoder, run in recorded.items():
            assert rule(run["measures"]) == run["chosen"], (name, decoder)


def test_the_bias_encoder_selector_replays_round_10s_recorded_choice():
    """Round 10: round 9's selector on the longer fine-tune (soft, the mean read) chose λ 12 from what it recorded."""
    import json
    from pathlib import Path

    from training.caption_bias_encoder_select import choose as choose_encoder
    docs = Path(__file__).resolve().parents[2] / "docs"
    run = json.loads((docs / "metrics_caption_round10_encoder_validation.json").read_text())["decoders"]["soft"]
    assert choose_encoder(run["measures"]) == run["chosen"] == "encoder-bias 112+224 mean isolated λ=12.0 ε=0.1"
