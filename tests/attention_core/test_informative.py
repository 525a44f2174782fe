"""The default-map rule, on synthetic rows and re-measured on DINOv2-S over the sample photos."""
from __future__ import annotations

import numpy as np
import pytest

from attention_core import AttentionMap
from attention_core.informative import ARTEFACT_SHARE, concentration, informative_head, rollout_start, top_share


def test_concentration_and_top_share():
    assert concentration(np.ones(100)) == pytest.approx(0.1)
    assert concentration(np.eye(1, 100)[0]) == 1.0 and top_share(np.eye(1, 100)[0]) == 1.0
    assert top_share(np.ones(4)) == 0.25 and concentration(np.zeros(5)) == 0.0


def _map(layer, head, row):
    return AttentionMap("multi-head", ["[CLS]"], [f"p{i}" for i in range(len(row))], np.asarray([row], float),
                        layer=layer, head=head)


def test_the_rule_skips_early_layers_and_one_patch_artefacts():
    n = 50
    diffuse = np.ones(n)
    focused = np.r_[np.full(5, 10.0), np.ones(n - 5)]          # a few patches: concentrated, no artefact
    artefact = np.r_[[500.0], np.ones(n - 1)]                   # one patch holds ~0.9 of the mass
    maps = [_map(0, 0, focused * 3), _map(2, 0, diffuse), _map(3, 0, artefact), _map(3, 1, focused)]
    best = informative_head(maps)
    assert (best.layer, best.head) == (3, 1)                     # not layer 0 (early) nor the artefact
    assert top_share(artefact) > ARTEFACT_SHARE
    assert informative_head([_map(3, 0, artefact)]) is None and informative_head([]) is None


@pytest.fixture(scope="module")
def sample_attention(vit_cache):
    from PIL import Image
    from attention_core.models import load_model
    from attention_core.models.captioning import SAMPLES_DIR
    vit = load_model("vision/dinov2-s")
    photos = [Image.open(p) for p in sorted(SAMPLES_DIR.glob("photo-*.*"))]
    assert photos
    return vit, photos


def test_dinov2_opens_on_a_concentrated_late_head_not_the_old_faint_default(sample_attention):
    from attention_core.models.vision import select
    vit, photos = sample_attention
    for photo in photos:
        cls = select(vit.explain(photo).maps, "cls")
        best = informative_head(cls)
        old = select(cls, "cls", 9, 0)[0]
        assert best.layer >= 6 and top_share(best.weights[0]) < ARTEFACT_SHARE
        assert concentration(best.weights[0]) > concentration(old.weights[0])


def test_the_rollout_opens_half_way_because_layer_0_dominates_it(sample_attention):
    from attention_core.rollout import attention_rollout
    vit, photos = sample_attention
    start = rollout_start(vit.layers)
    assert start == 6
    top, conc = np.zeros(vit.layers), np.zeros(vit.layers)
    for photo in photos:
        layers = vit.attentions(photo)
        for s in range(start + 1):
            roll = attention_rollout(layers[s:], 0.5, rows=[0])[0][1:]
            top[s] += top_share(roll) / len(photos)
            conc[s] += concentration(roll) / len(photos)
    assert top[0] > 2 * max(top[1:start + 1])                    # layer 0's one-patch head dominates
    assert int(np.argmax(conc[1:start + 1])) + 1 == start        # among clean starts, half way is sharpest
