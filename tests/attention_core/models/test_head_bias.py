"""Head bias on the name words (issue 20 item 3, round 7): the encoder head, read where the decoder attends, proposes
the name; declared in a captioner's config.json, absent = decoding as before, the same rule on the page and in the
scorer (the scorer's side: test_grounded_decoding.py::test_the_page_and_the_scorer_caption_alike_under_the_declared_rule)."""
import json
import math

import pytest
import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.head_bias import HeadBias, head_probabilities, mean_head_probabilities

pytestmark = pytest.mark.usefixtures("one_thread")   # see conftest.py
WORDS = json.loads((WEIGHTS_DIR / "caption" / "vocab.json").read_text())
NAMES = json.loads((WEIGHTS_DIR / "caption" / "encoder" / "config.json").read_text())["names"]


def _probs(region_class: dict[int, int], regions: int = 49) -> torch.Tensor:
    """Head probabilities ``[1, regions, 20]``: the given regions sure of one class each, the rest background."""
    logits = torch.zeros(1, regions, len(NAMES) + 1)
    logits[0, :, -1] = 8.0
    for r, k in region_class.items():
        logits[0, r, -1], logits[0, r, k] = 0.0, 8.0
    return head_probabilities(logits)


def test_the_bias_follows_attention_and_touches_only_names_and_articles():
    bias = HeadBias.from_config({"weight": 2.0, "eps": 0.01}, WORDS, NAMES)
    probs = _probs({3: NAMES.index("shirt"), 40: NAMES.index("8")})
    logits = torch.randn(2, len(WORDS))
    alpha = torch.zeros(2, 49)
    alpha[0, 3], alpha[1, 40] = 1.0, 1.0                      # scene 0 attends the shirt, scene 1 the 8
    out = bias.apply(logits, alpha, probs.expand(2, -1, -1))
    delta = out - logits
    touched = {WORDS.index(n) for n in NAMES} | {WORDS.index("a"), WORDS.index("an")}
    others = [i for i in range(len(WORDS)) if i not in touched]
    assert torch.equal(delta[:, others], torch.zeros(2, len(others)))        # structure words untouched
    names = [WORDS.index(n) for n in NAMES]
    assert int(delta[0, names].argmax()) == NAMES.index("shirt")             # the attended region's class is lifted
    assert int(delta[1, names].argmax()) == NAMES.index("8")
    assert float(delta.max()) <= 2.0 * math.log(1.01) + 1e-6                 # never above λ·log(1 + ε)
    a, an = WORDS.index("a"), WORDS.index("an")
    assert delta[0, a] > delta[0, an] and delta[1, an] > delta[1, a]          # the article goes with the name
    zero = HeadBias.from_config({"weight": 0.0}, WORDS, NAMES)
    assert torch.equal(zero.apply(logits, alpha, probs.expand(2, -1, -1)), logits)


def test_keep_mass_only_reranks_within_the_names_and_within_the_articles():
    bias = HeadBias.from_config({"weight": 5.0, "eps": 0.001, "keep_mass": True}, WORDS, NAMES)
    probs = _probs({3: NAMES.index("coat")})
    logits, alpha = torch.randn(1, len(WORDS)), torch.zeros(1, 49)
    alpha[0, 3] = 1.0
    out = bias.apply(logits, alpha, probs)
    names = [WORDS.index(n) for n in NAMES]
    before, after = logits.softmax(-1), out.softmax(-1)
    torch.testing.assert_close(after[0, names].sum(), before[0, names].sum())           # names' total kept
    torch.testing.assert_close(after[0, [WORDS.index("a"), WORDS.index("an")]].sum(),
                               before[0, [WORDS.index("a"), WORDS.index("an")]].sum())
    assert int(after[0, names].argmax()) == NAMES.index("coat")
    assert not HeadBias.from_config({}, WORDS, NAMES).keep_mass                          # off unless declared


def test_over_choice_reads_the_hard_captioners_chosen_region():
    bias = HeadBias.from_config({"weight": 1.0, "over": "choice"}, WORDS, NAMES)
    probs = _probs({3: NAMES.index("bag"), 40: NAMES.index("boot")})
    alpha = torch.zeros(1, 49)
    alpha[0, 3] = 1.0                                           # α on the bag, but the sampled region is the boot's
    delta = bias.apply(torch.zeros(1, len(WORDS)), alpha, probs, torch.tensor([40]))
    assert int(delta[0, [WORDS.index(n) for n in NAMES]].argmax()) == NAMES.index("boot")
    with pytest.raises(ValueError, match="chosen region"):
        bias.apply(torch.zeros(1, len(WORDS)), alpha, probs)
    with pytest.raises(ValueError, match="over"):
        HeadBias.from_config({"over": "mean"}, WORDS, NAMES)
    assert HeadBias.from_config(None, WORDS, NAMES) is None


@pytest.fixture()
def folder_without_bias(tmp_path, monkeypatch):
    """A weights folder whose captioner configs are the shipped ones without ``head_bias`` (as before round 7)."""
    from attention_core.models import base
    src = WEIGHTS_DIR / "caption"
    dst = tmp_path / "caption"
    dst.mkdir()
    for item in ("vocab.json", "encoder"):
        (dst / item).symlink_to(src / item)
    for kind in ("soft", "hard"):
        (dst / kind).mkdir()
        for f in (src / kind).iterdir():
            if f.name != "config.json":
                (dst / kind / f.name).symlink_to(f)
        config = json.loads((src / kind / "config.json").read_text())
        config.pop("head_bias", None)
        (dst / kind / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(base, "WEIGHTS_DIR", tmp_path)
    return dst


def test_a_config_without_head_bias_decodes_exactly_as_before(folder_without_bias):
    from attention_core.inputs import load_image
    from attention_core.models.captioning import SAMPLES_DIR, Captioner
    from attention_core.models.grounded_decoding import occupied_cells
    from attention_core.models.registry import get_spec
    from attention_core.models.scene_encoder import scene_pixels
    from attention_core.models.grounded_decoding import scene_foreground
    from training.captioning import decode_batch
    image = load_image(str(SAMPLES_DIR / "scene-2.png"))
    for kind in ("soft", "hard"):
        model = Captioner(get_spec(f"caption/{kind}"))
        assert model.bias is None and model.head_encoder is None and model.head_probs(image) is None
        feats = model.regions(image)
        occupied = occupied_cells(model.encoder.region_logits(feats), model.grounded,
                                  scene_foreground(scene_pixels(image)[None]))
        seq, _ = decode_batch(model.model, feats, model.rule, occupied)           # no bias: the pre-round-7 path
        seq = model.rule.finish(seq[0], occupied[0])[0]
        words = [model.words[i] for i in seq if model.words[i] != "</s>"]
        assert model.explain(image).output.text == " ".join(words).replace(" ,", ",")


def test_an_article_agrees_with_the_name_written_after_it():
    bias = HeadBias.from_config({"weight": 8.0, "eps": 0.1, "keep_mass": True}, WORDS, NAMES)
    ids = [WORDS.index(w) for w in "an coat at the top left , a 8 and an".split()]
    assert [WORDS[i] for i in bias.agree(ids)] == "a coat at the top left , an 8 and an".split()


def test_the_hard_captioner_no_longer_writes_an_before_a_coat():
    """Held-out clean scene 37: with the bias the hard captioner wrote "an coat at the top left, an 8 …"."""
    from attention_core.data.scene_kinds import make_kind_scenes
    from attention_core.models import load_model
    scene = make_kind_scenes("clean", 38)[37]
    text = load_model("caption/hard").explain(scene["image"]).output.text
    assert text.startswith("a coat at the top left, an 8 at the top right"), text

def test_a_bias_head_replaces_the_encoder_head_for_the_bias_only(folder_without_bias):
    """Round 8: ``head_bias.head`` names a BiasHead folder; the bias reads it, the grounded rule keeps the encoder's."""
    from attention_core.checkpoint import save_checkpoint
    from attention_core.inputs import load_image
    from attention_core.models.captioning import SAMPLES_DIR, Captioner
    from attention_core.models.head_bias import BiasHead
    from attention_core.models.registry import get_spec
    from attention_core.models.scene_encoder import load_scene_encoder
    from training.caption_robustness import bias_logits, scene_features
    read = {"scales": [112, 224], "combine": "mean", "gate": 0.3, "isolated": 4}
    config = json.loads((WEIGHTS_DIR / "caption" / "soft" / "config.json").read_text())
    bias = {"weight": 8.0, "eps": 0.1, "keep_mass": True, "read": read, "head": "bias_head"}
    (folder_without_bias / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": bias}))
    head = BiasHead(256)
    with torch.no_grad():                         # a head sure that every region holds a "7"
        head.linear.weight.zero_()
        head.linear.bias.zero_()
        head.linear.bias[NAMES.index("7")] = 9.0
    save_checkpoint(head, {"dim": 256, "classes": 20, "read": read}, folder_without_bias / "bias_head")
    image = load_image(str(SAMPLES_DIR / "scene-2.png"))
    model = Captioner(get_spec("caption/soft"))
    probs = model.head_probs(image)
    assert probs.shape == (1, 49, len(NAMES)) and bool((probs.argmax(-1) == NAMES.index("7")).all())
    assert model.encoder.combine == "concat" and model.encoder.scales == (112,)   # the decoder's read is unchanged
    # the scorer reads the same head from the same folder
    net = load_scene_encoder(folder_without_bias / "encoder", "cpu", read)
    data = scene_features([{"image": image, "objects": [], "caption": ""}], net)
    torch.testing.assert_close(head_probabilities(bias_logits(folder_without_bias, {"head_bias": bias}, data)), probs)
    named = [w for w in model.explain(image).output.text.replace(",", " ").split() if w in NAMES]
    assert named and set(named) == {"7"}          # the bias (λ 8) now proposes only what the bias head says


def _sevens_encoder(folder) -> None:
    """Save into ``folder`` a copy of the shipped encoder whose head says "7" in every region (safetensors)."""
    from attention_core.checkpoint import load_checkpoint, save_checkpoint
    from attention_core.models.scene_encoder import load_scene_encoder
    net = load_scene_encoder(WEIGHTS_DIR / "caption" / "encoder", "cpu")
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.zero_()
        net.head.bias[NAMES.index("7")] = 9.0
    save_checkpoint(net, load_checkpoint(WEIGHTS_DIR / "caption" / "encoder")[1], folder)


def test_a_bias_encoder_is_read_for_p_head_only(folder_without_bias):
    """Round 9: ``head_bias.encoder`` names an encoder folder read for p_head only; without the key the bias reads
    ``caption/encoder`` exactly as round 7 did; the decoder's features and the grounded rule's logits never change;
    the scorers read the same p_head as the page."""
    from attention_core.inputs import load_image
    from attention_core.models.captioning import SAMPLES_DIR, Captioner
    from attention_core.models.registry import get_spec
    from attention_core.models.scene_encoder import load_scene_encoder, scene_tensor
    from training.caption_robustness import captioner_captions
    read = {"scales": [112, 224], "combine": "confident", "gate": 0.3, "isolated": 4}
    config = json.loads((WEIGHTS_DIR / "caption" / "soft" / "config.json").read_text())
    round7 = {"weight": 8.0, "eps": 0.1, "over": "alpha", "keep_mass": True, "read": read}
    _sevens_encoder(folder_without_bias / "sevens")
    assert (folder_without_bias / "sevens" / "model.safetensors").is_file()
    assert not list((folder_without_bias / "sevens").glob("*.pt")) and not list((folder_without_bias / "sevens").glob("*.bin"))
    image = load_image(str(SAMPLES_DIR / "scene-3.png"))
    pages = {}
    for tag, bias in (("round 7", round7), ("bias encoder", {**round7, "encoder": "sevens"})):
        (folder_without_bias / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": bias}))
        pages[tag] = Captioner(get_spec("caption/soft"))
    old, new = pages["round 7"], pages["bias encoder"]
    # without the key: p_head is caption/encoder's head at the bias's read, exactly
    net = load_scene_encoder(WEIGHTS_DIR / "caption" / "encoder", "cpu", read)
    expected = head_probabilities(net.region_logits(net.regions(scene_tensor(image, net.scales)[None])))
    torch.testing.assert_close(old.head_probs(image), expected, rtol=0, atol=0)
    # with it: the sevens encoder proposes "7" everywhere; the decoder's encoder and its features are untouched
    probs = new.head_probs(image)
    assert bool((probs.argmax(-1) == NAMES.index("7")).all()) and not torch.equal(probs, expected)
    assert new.encoder is old.encoder and new.head_encoder is not new.encoder
    assert new.encoder.scales == (112,) and new.encoder.combine == "concat"
    torch.testing.assert_close(new.regions(image), old.regions(image), rtol=0, atol=0)
    named = [w for w in new.explain(image).output.text.replace(",", " ").split() if w in NAMES]
    assert named and set(named) == {"7"}
    # the scorers (caption_robustness.captioner_captions: paired, card test, robustness) caption as the page does
    said, _ = captioner_captions(folder_without_bias, [{"image": image, "objects": [], "caption": ""}],
                                 decoders=("soft",))[0]["soft"][0]
    assert " ".join(said).replace(" ,", ",") == new.explain(image).output.text


def test_a_bias_encoder_naming_other_classes_is_refused(folder_without_bias):
    from attention_core.checkpoint import load_checkpoint, save_checkpoint
    from attention_core.models.captioning import Captioner
    from attention_core.models.registry import get_spec
    from attention_core.models.scene_encoder import load_scene_encoder
    state_config = load_checkpoint(WEIGHTS_DIR / "caption" / "encoder")[1]
    names = list(reversed(state_config["names"]))
    save_checkpoint(load_scene_encoder(WEIGHTS_DIR / "caption" / "encoder", "cpu"), {**state_config, "names": names},
                    folder_without_bias / "other")
    config = json.loads((WEIGHTS_DIR / "caption" / "soft" / "config.json").read_text())
    (folder_without_bias / "soft" / "config.json").write_text(json.dumps(
        {**config, "head_bias": {"weight": 8.0, "eps": 0.1, "encoder": "other"}}))
    with pytest.raises(ValueError, match="other classes"):
        Captioner(get_spec("caption/soft"))


def test_a_shifted_read_is_one_path_for_the_page_and_the_scorers(folder_without_bias):
    """Round 10: ``head_bias.read`` may declare ``shift`` (the 224 read averaged over translated copies); offsets of 0
    give round 7's p_head bit for bit; with offsets the page's p_head is the encoder's at that read, and the scorers
    (``captioner_captions``: paired, card test, robustness) caption as the page (and the CLI, ``explain``) does."""
    from attention_core.models.captioning import Captioner
    from attention_core.models.registry import get_spec
    from attention_core.models.scene_encoder import load_scene_encoder, scene_tensor
    from training.caption_robustness import captioner_captions
    read = {"scales": [112, 224], "combine": "confident", "gate": 0.3, "isolated": 4}
    config = json.loads((WEIGHTS_DIR / "caption" / "soft" / "config.json").read_text())
    round7 = {"weight": 8.0, "eps": 0.1, "over": "alpha", "keep_mass": True, "read": read}
    from attention_core.data.scene_kinds import make_kind_scenes
    image = make_kind_scenes("small (~30 px)", 1, "valid")[0]["image"]     # small items: the 224 read takes over
    probs, pages = {}, {}
    for tag, shift in (("round 7", None), ("zero", [0]), ("shifted", [-8, 0, 8])):
        bias = round7 if shift is None else {**round7, "read": {**read, "shift": shift}}
        (folder_without_bias / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": bias}))
        pages[tag] = Captioner(get_spec("caption/soft"))
        probs[tag] = pages[tag].head_probs(image)
    assert torch.equal(probs["zero"], probs["round 7"])
    net = load_scene_encoder(WEIGHTS_DIR / "caption" / "encoder", "cpu", {**read, "shift": [-8, 0, 8]})
    expected = head_probabilities(net.region_logits(net.regions(scene_tensor(image, net.scales)[None])))
    torch.testing.assert_close(probs["shifted"], expected, rtol=0, atol=0)
    assert not torch.equal(probs["shifted"], probs["round 7"])
    torch.testing.assert_close(pages["shifted"].regions(image), pages["round 7"].regions(image), rtol=0, atol=0)
    said, _ = captioner_captions(folder_without_bias, [{"image": image, "objects": [], "caption": ""}],
                                 decoders=("soft",))[0]["soft"][0]
    assert " ".join(said).replace(" ,", ",") == pages["shifted"].explain(image).output.text


def test_mean_head_probabilities_of_one_head_is_that_heads_and_of_several_their_mean():
    logits = [torch.randn(2, 49, len(NAMES) + 1) for _ in range(3)]
    assert torch.equal(mean_head_probabilities(logits[0]), head_probabilities(logits[0]))
    assert torch.equal(mean_head_probabilities(logits[:1]), head_probabilities(logits[0]))
    torch.testing.assert_close(mean_head_probabilities(logits), sum(head_probabilities(x) for x in logits) / 3)
    with pytest.raises(ValueError):
        mean_head_probabilities([])
    assert HeadBias.from_config({"encoder": ["a", "b"]}, WORDS, NAMES).encoders == ("a", "b")
    assert HeadBias.from_config({"encoder": ["a"]}, WORDS, NAMES).encoder == "a"          # a list of one: that folder
    assert HeadBias.from_config({"encoder": "a"}, WORDS, NAMES).encoders == ("a",)
    assert HeadBias.from_config({}, WORDS, NAMES).encoders == ()
    with pytest.raises(ValueError, match="needs a glimpse"):                  # no encoder and no glimpse reader
        HeadBias.from_config({"encoder": []}, WORDS, NAMES)
    with pytest.raises(ValueError, match="list of folders"):
        HeadBias.from_config({"encoder": ["a", 3]}, WORDS, NAMES)
    assert HeadBias.from_config({"encoder": [], "glimpse": "g"}, WORDS, NAMES).head_encoders == ()
    assert HeadBias.from_config({"glimpse": "g"}, WORDS, NAMES).head_encoders == ("encoder",)


def test_an_ensemble_of_bias_encoders_averages_their_heads_for_p_head_only(folder_without_bias):
    """Round 11: ``head_bias.encoder`` may be a list of encoder folders; p_head is the mean of their head probabilities,
    each read at the bias's read (its own confident pick); a single folder (a string or a list of one) decodes as round
    9/10 did; the decoder's features are bit-identical; the scorers caption as the page does."""
    from attention_core.inputs import load_image
    from attention_core.models.captioning import SAMPLES_DIR, Captioner
    from attention_core.models.registry import get_spec
    from attention_core.models.scene_encoder import load_scene_encoder, scene_tensor
    from training.caption_robustness import captioner_captions
    read = {"scales": [112, 224], "combine": "confident", "gate": 0.3, "isolated": 4}
    config = json.loads((WEIGHTS_DIR / "caption" / "soft" / "config.json").read_text())
    round7 = {"weight": 8.0, "eps": 0.1, "over": "alpha", "keep_mass": True, "read": read}
    _sevens_encoder(folder_without_bias / "sevens")
    image = load_image(str(SAMPLES_DIR / "scene-3.png"))
    pages = {}
    for tag, encoder in (("round 7", None), ("one", "sevens"), ("list of one", ["sevens"]),
                         ("ensemble", ["sevens", "encoder"])):
        bias = round7 if encoder is None else {**round7, "encoder": encoder}
        (folder_without_bias / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": bias}))
        pages[tag] = Captioner(get_spec("caption/soft"))
    probs = {tag: page.head_probs(image) for tag, page in pages.items()}
    assert torch.equal(probs["list of one"], probs["one"])
    assert pages["list of one"].explain(image).output.text == pages["one"].explain(image).output.text
    each = []
    for folder in ("sevens", "encoder"):
        net = load_scene_encoder(folder_without_bias / folder, "cpu", read)
        each.append(head_probabilities(net.region_logits(net.regions(scene_tensor(image, net.scales)[None]))))
    torch.testing.assert_close(probs["ensemble"], torch.stack(each).mean(0), rtol=0, atol=0)   # the mean, exactly
    torch.testing.assert_close(probs["ensemble"], (each[0] + each[1]) / 2)
    torch.testing.assert_close(each[1], probs["round 7"], rtol=0, atol=0)
    assert len(pages["ensemble"].head_encoders) == 2 and pages["ensemble"].head_encoder is pages["ensemble"].head_encoders[0]
    for page in pages.values():                          # the decoder's encoder and its features never change
        assert page.encoder is pages["round 7"].encoder
        assert page.encoder.scales == (112,) and page.encoder.combine == "concat"
        torch.testing.assert_close(page.regions(image), pages["round 7"].regions(image), rtol=0, atol=0)
    said, _ = captioner_captions(folder_without_bias, [{"image": image, "objects": [], "caption": ""}],
                                 decoders=("soft",))[0]["soft"][0]
    assert " ".join(said).replace(" ,", ",") == pages["ensemble"].explain(image).output.text
    bias = {**round7, "encoder": ["sevens", "encoder"], "head": "bias_head"}
    (folder_without_bias / "soft" / "config.json").write_text(json.dumps({**config, "head_bias": bias}))
    with pytest.raises(ValueError, match="ensemble"):
        Captioner(get_spec("caption/soft"))
