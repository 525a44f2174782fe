"""Localisation scores: DINO's 60 %-mass Jaccard and mass inside, on maps whose answer is known."""
import numpy as np
import pytest
from PIL import Image

from attention_core.attribution.localisation import (jaccard, kept_patches, mass_inside, object_mask, on_photo,
                                                     reference_maps, to_pixels)


def _scene():
    image = Image.new("L", (224, 224), 0)
    image.paste(255, (28, 28, 84, 84))                   # one object: exactly patches (2..5, 2..5) of a 16 × 16 grid
    return {"image": image.convert("RGB"), "objects": [{"box": (20, 20, 100, 100)}]}


def test_a_map_on_the_object_scores_one_and_a_map_elsewhere_zero():
    mask = object_mask(_scene())
    assert mask.sum() == 56 * 56
    on = np.zeros((16, 16))
    on[2:6, 2:6] = 1.0
    off = np.zeros((16, 16))
    off[10:14, 10:14] = 1.0
    # flat on the object: 60 % of the mass is 10 of its 16 patches, all inside — Jaccard 10 / 16
    assert jaccard(on, mask) == pytest.approx(10 / 16) and mass_inside(on, mask) == pytest.approx(1.0)
    peaked = on.copy()
    peaked[3, 3] = 100.0                                 # one patch holds the 60 %: Jaccard 1 / 16
    assert jaccard(peaked, mask) == pytest.approx(1 / 16)
    assert jaccard(off, mask) == 0.0 and mass_inside(off, mask) == 0.0
    uniform = reference_maps((16, 16), [0])["uniform"]
    assert mass_inside(uniform, mask) == pytest.approx(mask.mean())     # uniform = the object's area


def test_sixty_percent_of_the_mass_keeps_the_top_patches_only():
    amap = np.array([[0.5, 0.2], [0.2, 0.1]])
    np.testing.assert_array_equal(kept_patches(amap), [[True, True], [False, False]])   # 0.5 + 0.2 ≥ 0.6
    np.testing.assert_array_equal(kept_patches(amap, 0.5), [[True, False], [False, False]])
    assert to_pixels(np.array([[True, False], [False, False]]), 4).sum() == 4


def test_pasting_on_a_photo_keeps_the_objects_and_the_mask():
    scene = _scene()
    photo = Image.new("RGB", (100, 100), (10, 200, 30))
    out = np.asarray(on_photo(scene, photo))
    mask = object_mask(scene)
    assert (out[mask] == 255).all() and (out[~mask] == (10, 200, 30)).all()


def test_a_captioners_word_is_scored_against_the_object_it_names():
    from attention_core.attribution.heldout_localisation import SEED, caption_record
    from attention_core.data.scenes import make_scenes
    from attention_core.models import load_model
    scene = make_scenes("test", 1, SEED)[0]
    rec = caption_record(load_model("caption/soft"), scene, 0, "black canvas", scene["image"])
    named = [w for w in rec["caption"].split() if w in [o["name"] for o in scene["objects"]]]
    assert rec["words"] == len(named) > 0
    assert set(rec["scores"]) == {"α of the word", "uniform", "centre prior", "random"}
    # the soft captioner looks at the object it names far more than a uniform map would
    assert rec["scores"]["α of the word"]["mass"] > 2 * rec["scores"]["uniform"]["mass"]
