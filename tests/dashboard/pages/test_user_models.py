"""A user's own Hugging Face model from the server's models folder, on every page whose needs it meets."""
from __future__ import annotations

import pytest

from attention_core.models import user_models as um

from .conftest import charts, widget


@pytest.fixture
def models_dir(tiny_hf_models, monkeypatch):
    """The tiny models as the server's models folder, for this test only."""
    monkeypatch.setenv(um.MODELS_DIR_ENV, str(tiny_hf_models))
    from dashboard.components.model_access import _problems
    _problems.clear()
    yield tiny_hf_models
    _problems.clear()


def errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.mark.parametrize("folder, shows", [
    ("bert-classifier", "**Prediction:**"),
    ("gpt2", "**Continuation**"),
    ("llama", "**Continuation**"),
])
def test_transformers_page_draws_a_folder_model(open_page, models_dir, folder, shows):
    at = open_page("app_pages/transformers.py")
    box = widget(at, "selectbox", "Model")
    # AppTest lists the options as the picker shows them
    assert f"Your model: {folder}" in box.options and box.value == "transformer/minilm-l6"
    box.set_value(f"hf:{folder}").run()
    assert not at.exception and not errors(at), errors(at)
    at.text_area[0].set_value("the cat sat on the mat").run()
    assert not at.exception and not errors(at), errors(at)
    assert any(shows in m.value for m in at.markdown)
    assert charts(at), "the folder model's maps are drawn"
    # every view of the page draws the tiny model's 2 layers × 2 heads
    for view in widget(at, "radio", "View").options:
        widget(at, "radio", "View").set_value(view).run()
        assert not at.exception and not errors(at), (view, errors(at))


def test_translate_page_lists_a_folder_encoder_decoder_as_its_own_family(open_page, models_dir):
    at = open_page("app_pages/translate.py")
    family = widget(at, "radio", "Task")
    assert {"Your model: marian", "Your model: t5", "Your model: bart"} <= set(family.options)
    for folder in ("marian", "t5", "bart"):
        widget(at, "radio", "Task").set_value(f"hf:{folder}").run()
        assert not at.exception and not errors(at), (folder, errors(at))
        at.text_area[0].set_value("the cat sat on the mat").run()
        assert not at.exception and not errors(at), (folder, errors(at))
        figs = charts(at)
        assert figs, "the cross-attention map is drawn"
        # rows = generated tokens, columns = the source's tokens (not the encoder's or decoder's self maps)
        assert any("cat" in f["layout"]["xaxis"].get("ticktext", []) for f in figs), folder
        heads = widget(at, "selectbox", "Head")
        assert heads.options == ["mean", "0", "1"], folder


def test_vision_page_draws_a_folder_vit_at_its_only_size(open_page, models_dir):
    at = open_page("app_pages/vision.py")
    box = widget(at, "selectbox", "Model")
    assert {"Your model: vit", "Your model: deit", "Your model: dinov2", "vision/dinov2-s"} <= set(box.options)
    for folder in ("vit", "deit", "vit-classifier"):
        box = widget(at, "selectbox", "Model")
        box.set_value(f"hf:{folder}").run()
        assert not at.exception and not errors(at), (folder, errors(at))
        assert any("the only size this model takes" in c.value for c in at.caption)
        for view in widget(at, "radio", "View").options:
            widget(at, "radio", "View").set_value(view).run()
            assert not at.exception and not errors(at), (folder, view, errors(at))
            assert charts(at)
    assert any("**Prediction:**" in m.value for m in at.markdown)
    box = widget(at, "selectbox", "Model")
    box.set_value("vision/dinov2-s").run()          # back to the shipped model: its 12 layers and sizes
    assert not at.exception and not errors(at), errors(at)


def test_a_folder_model_never_shows_on_pages_whose_needs_it_does_not_meet(open_page, models_dir):
    at = open_page("app_pages/hops.py")
    assert not [w for w in list(at.selectbox) + list(at.radio) if any("Your model" in str(o) for o in w.options)]
    assert charts(at), "the page still draws its own model"
