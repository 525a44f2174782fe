"""The stop-decision weight of the captioning loss: it weighs exactly the words that decide whether another
object follows (``,``, ``and``, end of caption), and only the cross-entropy there."""
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
