"""Grounded caption decoding (issue 20 item 3, round 6): only cells the encoder sees occupied are named, and the
caption ends once they all are — the same rule on the page (``Captioner``) and in the scorer."""
import json

import pytest
import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.grounded_decoding import (GroundedRule, cell_foreground, inside_regions,
                                                     occupied_cells)
from attention_core.models.special_tokens import EOS

pytestmark = pytest.mark.usefixtures("one_thread")   # see conftest.py
WORDS = tuple(json.loads((WEIGHTS_DIR / "caption" / "vocab.json").read_text()))


def ids(text: str) -> list[int]:
    return [WORDS.index(w) for w in text.split()]


def text(seq: list[int]) -> str:
    return " ".join(WORDS[i] for i in seq if i != EOS)


def test_the_rule_ends_the_caption_once_every_occupied_cell_is_named_and_masks_empty_cells():
    rule = GroundedRule(WORDS, EOS)
    done = ids("a bag at the top left")
    assert set(rule.banned(done, {"top left"})) == set(range(len(WORDS))) - {EOS}      # only the end is left
    assert rule.banned(done, {"top left", "bottom right"}) == []                        # another object to name
    assert set(rule.banned(ids("a bag at the top left , a 3 at the"), {"top left", "bottom right"})) == {WORDS.index("top")}
    assert set(rule.banned(ids("a 3 at the bottom"), {"top left", "bottom right"})) == {WORDS.index("left")}
    assert rule.banned(ids("a bag at"), {"top left"}) == []                              # mid-phrase: free
    # "drop" leaves ROW / COL free while decoding ...
    assert GroundedRule(WORDS, EOS, "drop").banned(ids("a 3 at the"), {"top left"}) == []


def test_drop_removes_phrases_in_empty_cells_and_rejoins_the_rest():
    rule = GroundedRule(WORDS, EOS, "drop")
    caption = ids("a sneaker at the top left , a coat at the bottom left and a 3 at the bottom right") + [EOS]
    out, rows = rule.finish(caption, {"bottom left", "bottom right"})
    assert text(out) == "a coat at the bottom left and a 3 at the bottom right" and out[-1] == EOS
    assert [caption[r] for r in rows if WORDS[caption[r]] not in (",", "and")] == [i for i in out if WORDS[i] not in (",", "and")]
    out, _ = rule.finish(caption, {"top left", "bottom right"})
    assert text(out) == "a sneaker at the top left and a 3 at the bottom right"
    assert rule.finish(caption, set())[0] == caption                                    # never an empty caption
    assert GroundedRule(WORDS, EOS, "mask").finish(caption, {"top left"})[0] == caption


def test_occupancy_needs_the_head_and_foreground_and_falls_back_to_the_likeliest_cell():
    assert inside_regions("top left") == [0, 1, 2, 7, 8, 9, 14, 15, 16]
    logits = torch.zeros(1, 49, 21)
    logits[0, :, -1] = 5.0                                   # background everywhere ...
    logits[0, 16, -1] = -5.0                                 # ... but for one region inside the top left cell
    logits[0, 32, -1] = -5.0                                 # and one inside the bottom right cell
    pixels = torch.zeros(1, 112, 112)
    pixels[0, 10:30, 10:30] = 200.0                          # foreground only in the top left cell
    fg = cell_foreground(pixels)
    assert fg.tolist() == [[True, False, False, False]]
    assert occupied_cells(logits, 0.5) == [{"top left", "bottom right"}]
    assert occupied_cells(logits, 0.5, fg) == [{"top left"}]            # the bottom right one has no pixels
    assert occupied_cells(logits, 1.0) == [set()]                        # none passes: nothing is occupied


def test_the_page_and_the_scorer_caption_alike_under_the_declared_rule():
    """Every declared setting (encoder read, grounded rule, head bias) through the scorer's path and the page's."""
    from attention_core.data.scene_kinds import make_kind_scenes
    from attention_core.models import load_model
    from training.caption_robustness import captioner_captions, captioner_settings
    scenes = make_kind_scenes("crowded (1–4 + clutter)", 6) + make_kind_scenes("small (~30 px)", 6)
    captions, _ = captioner_captions(WEIGHTS_DIR / "caption", scenes)
    for name in ("soft", "hard"):
        model = load_model(f"caption/{name}")
        settings = captioner_settings(WEIGHTS_DIR / "caption", name)
        assert settings["grounded"] == model.config.get("grounded")
        assert settings["head_bias"] == model.config.get("head_bias")
        for k, (scene, (said, alpha)) in enumerate(zip(scenes, captions[name])):
            page = model.explain(scene["image"])
            assert page.output.text == " ".join(said).replace(" ,", ","), (name, k)
            assert page.maps[0].weights.shape[0] == len(said) + 1                 # and the end token's row
            torch.testing.assert_close(torch.from_numpy(page.maps[0].weights), alpha.float(), atol=1e-5, rtol=0)


def test_a_phrase_the_rule_drops_is_named_in_a_notice(monkeypatch):
    """The page says when the caption shown is not all the decoder wrote."""
    from attention_core.data.scenes import CELLS
    from attention_core.models import captioning, load_model
    from attention_core.models.captioning import SAMPLES_DIR
    from attention_core.inputs import load_image
    model = load_model("caption/soft")
    image = load_image(str(SAMPLES_DIR / "scene-1.png"))
    free = model.explain(image).output.text
    assert not any("left out" in n for n in model.explain(image).notices)        # nothing dropped: no notice
    last = next(c for c in CELLS if free.endswith(c))                           # the cell the caption names last
    monkeypatch.setattr(captioning, "occupied_cells", lambda *a, **k: [{last}])  # the encoder "sees" only that one
    result = model.explain(image)
    first = free.split(" and ")[0].split(", ")[0]                              # the first phrase, now dropped
    assert result.output.text.endswith(last) and first not in result.output.text
    assert [n for n in result.notices if "left out" in n] == [
        f"Soft attention: grounded decoding left out “{first}”: the decoder named a place where the scene encoder sees no object, "
        "so the phrase and its attention rows are not shown."]
    assert result.maps[0].weights.shape[0] == len(result.maps[0].queries)     # the rows follow the caption shown
