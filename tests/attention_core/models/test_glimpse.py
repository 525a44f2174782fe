"""Glimpses (issue 20 item 3, round 12): full-resolution crops around each of the 49 regions, named by a small net and
combined per region into logits in the encoder head's format; in the head bias alone (``encoder: []``) or beside the
encoder, the same p_head on the page and in the scorers."""
import json

import pytest
import torch

from attention_core.checkpoint import WEIGHTS_DIR, save_checkpoint
from attention_core.models.glimpse import (GlimpseNet, GlimpseReader, glimpse_pixels, glimpses, load_glimpse_reader,
                                           pyramid_level, region_centres)
from attention_core.models.head_bias import head_probabilities

pytestmark = pytest.mark.usefixtures("one_thread")   # see conftest.py


def test_region_centres_are_the_7x7_grid_row_major():
    c = region_centres()
    assert c.shape == (49, 2)
    assert c[0].tolist() == [16.0, 16.0] and c[1].tolist() == [48.0, 16.0] and c[7].tolist() == [16.0, 48.0]
    assert c[48].tolist() == [208.0, 208.0]


def test_the_pyramid_keeps_resampling_under_a_halving():
    assert [pyramid_level(w, 48) for w in (48, 64, 95, 96, 128, 200, 256)] == [1, 1, 1, 2, 2, 4, 4]


def test_a_glimpse_is_centred_on_its_region_and_repeats_the_border():
    pixels = torch.zeros(1, 224, 224)
    pixels[0, 100:124, 132:156] = 255.0                     # a 24 px square centred on x = 144, y = 112
    crop = glimpses(pixels, torch.tensor([[[144.0, 112.0], [16.0, 16.0]]]), 64, 48)
    assert crop.shape == (1, 2, 48, 48)
    bright = (crop[0, 0] > 127).nonzero().float()
    assert bright.mean(0).tolist() == pytest.approx([23.5, 23.5], abs=0.6)   # the square sits in the middle
    assert abs(len(bright) - 18 * 18) <= 2 * 18 + 4                          # 24 px seen at 48/64 scale: ~18 px
    assert float(crop[0, 1].max()) == 0.0
    white = glimpses(torch.full((1, 224, 224), 255.0), torch.tensor([[[0.0, 0.0]]]), 128, 48)
    assert float(white.min()) == pytest.approx(255.0)       # off the scene the border is repeated, not zero


def _reader(combine: str = "mean") -> GlimpseReader:
    torch.manual_seed(0)
    return GlimpseReader(GlimpseNet(), combine=combine).eval()


def test_region_logits_are_a_log_distribution_per_region_combined_over_windows():
    pixels = torch.rand(2, 224, 224) * 255
    mean, confident = _reader("mean"), _reader("confident")
    per_window = mean.window_probs(pixels)                   # [B, windows, 49, 21]
    assert per_window.shape == (2, 2, 49, 21)
    logits = mean.region_logits(pixels)
    assert logits.shape == (2, 49, 21)
    torch.testing.assert_close(logits.exp(), per_window.mean(1))
    picked = confident.region_logits(pixels).exp()
    least_background = per_window[..., -1].argmin(1)          # [B, 49]
    for b in range(2):
        for r in (0, 24, 48):
            torch.testing.assert_close(picked[b, r], per_window[b, least_background[b, r], r])
    with pytest.raises(ValueError, match="combine"):
        GlimpseReader(GlimpseNet(), combine="max")


def test_a_saved_reader_loads_from_safetensors(tmp_path):
    reader = _reader("confident")
    save_checkpoint(reader.net, {"classes": 20, "widths": [16, 32, 64, 128], "windows": [64, 128], "input": 48,
                                 "combine": "confident"}, tmp_path / "glimpse", dtype=torch.float32)
    assert (tmp_path / "glimpse" / "model.safetensors").is_file()
    loaded = load_glimpse_reader(tmp_path / "glimpse")
    pixels = torch.rand(1, 224, 224) * 255
    torch.testing.assert_close(loaded.region_logits(pixels), reader.region_logits(pixels))
    assert loaded.combine == "confident" and loaded.windows == (64, 128)


def _sure_reader(folder, name_index: int) -> None:
    """Save into ``folder`` a glimpse reader that names class ``name_index`` in every region."""
    net = GlimpseNet()
    with torch.no_grad():
        net.classify.weight.zero_()
        net.classify.bias.zero_()
        net.classify.bias[name_index] = 9.0
    save_checkpoint(net, {"classes": 20, "windows": [64, 128], "input": 48, "combine": "mean"}, folder)


def _caption_family_copy(tmp_path, monkeypatch):
    """The shipped caption family linked into ``tmp_path/caption`` with the soft captioner's config.json left to the
    test to write, and the registry pointed there; → that folder."""
    from attention_core.models import base
    src, dst = WEIGHTS_DIR / "caption", tmp_path / "caption"
    dst.mkdir()
    for item in ("vocab.json", "encoder", "hard"):
        (dst / item).symlink_to(src / item)
    (dst / "soft").mkdir()
    for f in (src / "soft").iterdir():
        if f.name != "config.json":
            (dst / "soft" / f.name).symlink_to(f)
    monkeypatch.setattr(base, "WEIGHTS_DIR", tmp_path)
    return dst


def test_the_captioner_mixes_the_glimpse_reader_into_p_head_as_the_scorers_do(tmp_path, monkeypatch):
    """``head_bias.glimpse`` adds the reader's probabilities to p_head's mean; ``encoder: []`` leaves it alone; the
    decoder's features never change; ``training.caption_robustness`` captions exactly as the page does."""
    from attention_core.inputs import load_image
    from attention_core.models.captioning import SAMPLES_DIR, Captioner
    from attention_core.models.registry import get_spec
    from training.caption_robustness import captioner_captions
    src, dst = WEIGHTS_DIR / "caption", _caption_family_copy(tmp_path, monkeypatch)
    names = json.loads((src / "encoder" / "config.json").read_text())["names"]
    _sure_reader(dst / "glimpse", names.index("7"))
    config = json.loads((src / "soft" / "config.json").read_text())
    # the encoder's alone (the reader and how it joins dropped)
    shipped = {k: v for k, v in config["head_bias"].items() if k not in ("glimpse", "encoder", "combine")}
    image = load_image(str(SAMPLES_DIR / "scene-3.png"))
    pages = {}
    for tag, extra in (("encoder", {}), ("beside", {"glimpse": "glimpse"}),
                       ("alone", {"glimpse": "glimpse", "encoder": []})):
        (dst / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": {**shipped, **extra}}))
        pages[tag] = Captioner(get_spec("caption/soft"))
    probs = {tag: page.head_probs(image) for tag, page in pages.items()}
    sevens = probs["alone"][0, :, names.index("7")]
    assert float(sevens.min()) > 0.99                                   # the reader alone: "7" everywhere
    assert pages["alone"].head_encoders == [] and pages["encoder"].glimpse is None
    glimpse = head_probabilities(pages["beside"].glimpse.region_logits(glimpse_pixels(image)[None]))
    torch.testing.assert_close(probs["beside"], (probs["encoder"] + glimpse) / 2)
    assert "7" in pages["alone"].explain(image).output.text.split()
    for page in pages.values():
        torch.testing.assert_close(page.regions(image), pages["encoder"].regions(image), rtol=0, atol=0)
    said, _ = captioner_captions(dst, [{"image": image, "objects": [], "caption": ""}], decoders=("soft",))[0]["soft"][0]
    assert " ".join(said).replace(" ,", ",") == pages["alone"].explain(image).output.text
    (dst / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": {**shipped, "encoder": []}}))
    with pytest.raises(ValueError, match="glimpse"):
        Captioner(get_spec("caption/soft"))


def test_a_gated_reader_speaks_for_what_it_sees_on_the_page_and_in_the_scorers(tmp_path, monkeypatch):
    """``head_bias.combine: gate`` (stop 41): where the reader is sure of an item p_head is the reader's, where it sees
    background p_head is the encoder's; ``training.caption_robustness`` captions exactly as the page does; a gate
    without a reader or without an encoder is refused."""
    from attention_core.inputs import load_image
    from attention_core.models.captioning import SAMPLES_DIR, Captioner
    from attention_core.models.head_bias import HeadBias
    from attention_core.models.registry import get_spec
    from training.caption_robustness import captioner_captions
    src, dst = WEIGHTS_DIR / "caption", _caption_family_copy(tmp_path, monkeypatch)
    names = json.loads((src / "encoder" / "config.json").read_text())["names"]
    _sure_reader(dst / "sevens", names.index("7"))
    _sure_reader(dst / "blank", len(names))                # the background class everywhere
    config = json.loads((src / "soft" / "config.json").read_text())
    shipped = {k: v for k, v in config["head_bias"].items() if k not in ("glimpse", "encoder", "combine")}
    image = load_image(str(SAMPLES_DIR / "scene-3.png"))
    probs, pages = {}, {}
    for tag, extra in (("encoder", {}), ("sevens", {"glimpse": "sevens", "combine": "gate"}),
                       ("blank", {"glimpse": "blank", "combine": "gate"})):
        (dst / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": {**shipped, **extra}}))
        pages[tag] = Captioner(get_spec("caption/soft"))
        probs[tag] = pages[tag].head_probs(image)
    assert float(probs["sevens"][0, :, names.index("7")].min()) > 0.99      # the sure reader alone, everywhere
    # the encoder's, up to the reader's residue (each item class e⁰ against background e⁹: 20 / 8,123 of the mass)
    torch.testing.assert_close(probs["blank"], probs["encoder"], atol=4e-3, rtol=0)
    assert not torch.allclose(probs["sevens"], probs["encoder"], atol=0.1)
    gate = {**shipped, "glimpse": "sevens", "combine": "gate"}
    (dst / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": gate}))
    said, _ = captioner_captions(dst, [{"image": image, "objects": [], "caption": ""}], decoders=("soft",))[0]["soft"][0]
    assert " ".join(said).replace(" ,", ",") == pages["sevens"].explain(image).output.text
    assert "7" in pages["sevens"].explain(image).output.text.split()
    words = json.loads((src / "vocab.json").read_text())
    for bad in ({"combine": "gate"}, {"combine": "gate", "glimpse": "g", "encoder": []}, {"combine": "max"}):
        with pytest.raises(ValueError, match="combine"):
            HeadBias.from_config(bad, words, names)
