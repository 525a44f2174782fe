"""The stop-decision weight of the captioning loss: it weighs exactly the words that decide whether another
object follows (``,``, ``and``, end of caption), and only the cross-entropy there; the paired comparison script."""
from __future__ import annotations

import torch

from attention_core.models.captioning import EOS, CaptionDecoder
from training.captioning import caption_loss, encode_caption, stop_decisions

WORDS = ["<pad>", "<unk>", "<s>", "</s>", ",", "a", "and", "at", "the", "top", "bottom", "left", "right", "sandal", "8"]
CAPTIONS = ["a sandal at the top left", "a sandal at the top left and a 8 at the bottom right",
            "a 8 at the top right , a sandal at the bottom left and a 8 at the bottom right"]


def _loss(weight: float, stop_ids: tuple[int, ...]) -> float:
    torch.manual_seed(0)
    model = CaptionDecoder(len(WORDS), "soft", feature_dim=8, dim=16, emb=8, attn=16, positions=49).eval()
    index = {w: i for i, w in enumerate(WORDS)}
    caps = [encode_caption(c, index) for c in CAPTIONS]
    data = {"features": torch.randn(len(caps), 49, 8)}
    with torch.no_grad():
        return float(caption_loss(model, caps, data, stop_weight=weight, stop_ids=stop_ids)(model, [0, 1, 2]))


def test_stop_decisions_are_the_words_after_a_phrase():
    assert stop_decisions(WORDS) == [EOS, WORDS.index(","), WORDS.index("and")]


def test_the_weight_adds_the_stop_cross_entropy_and_nothing_else():
    stops = tuple(stop_decisions(WORDS))
    base = _loss(1.0, stops)
    assert _loss(3.0, ()) == base                       # no stop words: the weight changes nothing
    one, two = _loss(2.0, stops) - base, _loss(3.0, stops) - base
    assert one > 0.01                                   # the stop words' cross-entropy is counted again …
    assert abs(two - 2 * one) < 1e-4                    # … linearly in (weight − 1)
    only_eos = _loss(2.0, (EOS,)) - base
    assert 0 < only_eos < one                           # and the comma / "and" decisions are part of it


def test_paired_comparison_of_a_folder_with_itself_is_zero_and_counts_every_object():
    from attention_core.checkpoint import WEIGHTS_DIR
    from attention_core.data.scene_kinds import make_kind_scenes
    from training.caption_paired import compare
    scenes = make_kind_scenes("crowded (1–4 + clutter)", 6)
    out = compare(scenes, WEIGHTS_DIR / "caption", WEIGHTS_DIR / "caption")
    for d in ("soft", "hard"):
        assert out[d]["new"] == out[d]["old"] and out[d]["invented_new"] == out[d]["invented_old"]
        assert out[d]["new_minus_old"]["value"] == 0 and out[d]["new_minus_old"]["interval"] == [0.0, 0.0]
        assert 0.5 <= out[d]["placed_new"] <= 1.0
