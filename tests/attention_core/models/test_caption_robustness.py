"""The shipped captioners off the clean scenes (issue 20 item 3): every held-out kind named above a floor, no
objects invented in empty cells. The first 40 scenes of each kind of the card's held-out set
(``training.caption_robustness``; the card's numbers use 200 per kind)."""
import numpy as np
import pytest

from attention_core.data.scene_kinds import KINDS, make_kind_scenes

SCENES = 40                 # 20 until round 6
# Measured on these 20 scenes per kind with the shipped weights (issue 20, round 4: hard retrained with the stop
# decision weighted; soft and encoder as in round 3): name accuracy per kind 0.81–0.96 (soft) and 0.78–0.94 (hard),
# lowest on clean (soft) and crowded (hard); every kind's objects placed ≥ 0.98 (round 2: small objects only 0.83
# soft / 0.75 hard); 1 and 4 invented phrases in all 120 scenes. The weights shipped before issue 20 named 0.08 of
# the inverted, 0.29 of the small and 0.40 of the noisy objects (200 scenes per kind) and invented objects in 182 of
# 200 noisy scenes — far under these floors. Round 6 (grounded decoding, declared in each captioner's config.json and
# applied here as on the page): names unchanged (soft ≥ 0.81, hard ≥ 0.78 on these scenes), 0 invented phrases each.
# Since round 6 the test reads 40 scenes per kind (one scene moved a kind's rate by ~0.02 at 20): there the shipped
# weights name soft 0.842–0.967 and hard 0.821–0.944 per kind, place every kind ≥ 0.979, invent 0 phrases each.
# Round 7 (the head bias, declared in config.json): soft 0.863–0.967 and hard 0.874–0.957 per kind (lowest: clean
# for both; small 0.936 / 0.936), placed ≥ 0.979, 0 invented each; floors raised with a ~0.02 margin.
# Stop 41: until now this test read p_head from the encoder head alone, leaving out the glimpse reader the configs
# declare since round 12; it now scores through training.caption_robustness (every head declared). Round 16 (the
# gated reader): soft 0.863–0.968, hard 0.874–0.968 per kind (lowest: clean; small 0.968 each), placed ≥ 0.979,
# 0 invented each — the floors keep their margin.
NAME_FLOOR = {"soft": 0.84, "hard": 0.85}
PLACED_FLOOR = 0.90                         # share of gold objects whose cell the caption names, every kind
INVENTED_MAX = {"soft": 1, "hard": 1}      # phrases naming an empty cell, over all 240 scenes (round 6: 0 and 0)


pytestmark = pytest.mark.usefixtures("one_thread")   # see conftest.py


@pytest.fixture(scope="module")
def counts():
    """Per kind, each shipped captioner's per-scene counts, read and decoded as its config.json declares (encoder
    read, grounded rule, head bias with every head it reads — encoder and glimpse reader)."""
    from attention_core.checkpoint import WEIGHTS_DIR
    from training.caption_robustness import captioner_counts
    return {kind: captioner_counts(WEIGHTS_DIR / "caption", make_kind_scenes(kind, SCENES)) for kind in KINDS}


@pytest.mark.parametrize("name", ["soft", "hard"])
def test_shipped_captioner_names_every_kind_of_held_out_scene(name, counts):
    invented, accuracy = 0, {}
    for kind, by_decoder in counts.items():
        mine = by_decoder[name]
        accuracy[kind] = sum(c["right"] for c in mine) / max(sum(c["placed"] for c in mine), 1)
        assert sum(c["placed"] for c in mine) >= PLACED_FLOOR * sum(c["objects"] for c in mine), kind
        invented += sum(c["invented"] for c in mine)
    assert min(accuracy.values()) >= NAME_FLOOR[name], accuracy
    assert invented <= INVENTED_MAX[name]


def test_every_kind_reads_as_a_scene_and_inversion_is_undone_at_the_input():
    from attention_core.models.captioning import looks_like_a_scene
    from attention_core.models.scene_encoder import scene_batch, scene_pixels
    for kind in KINDS:                         # no photo warning on any kind of composed scene
        assert all(looks_like_a_scene(s["image"]) for s in make_kind_scenes(kind, 3)), kind
    for s in make_kind_scenes("inverted", 3):
        pixels = scene_pixels(s["image"])[None]
        restored = scene_batch(255 - pixels)   # inverting back gives the scene on black: same encoder input
        np.testing.assert_allclose(scene_batch(pixels).numpy(), restored.numpy(), atol=1e-5)
