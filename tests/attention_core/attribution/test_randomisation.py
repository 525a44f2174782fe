"""The randomisation check re-initialises exactly the blocks it names, top down, and puts the weights back."""
import numpy as np
import torch

from attention_core.attribution.heldout_randomisation import cascade_of, figure, tables
from attention_core.attribution.randomisation import CASCADES, cascade_record, randomised, spearman_rows
from attention_core.attribution.rankings import classifier_rankings
from attention_core.models import load_model

SNIPPET = "A dull, lifeless film that wastes a fine cast."


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_stages_reinitialise_cumulatively_from_the_top_and_restore_on_exit():
    lin = load_model("sentence/lin")
    before = {k: v.clone() for k, v in lin.model.state_dict().items()}
    cascade = CASCADES["structured"]
    with randomised(lin.model, cascade, 2, seed=0):
        now = lin.model.state_dict()
        changed = {k.split(".")[0] for k in before if not torch.equal(before[k], now[k])}
        assert changed == {"mlp", "attention"}                   # the two top blocks, nothing below them
    assert _same(before, lin.model.state_dict())                 # trained weights back
    with randomised(lin.model, cascade, 2, seed=0):
        again = {k: v.clone() for k, v in lin.model.state_dict().items()}
    with randomised(lin.model, cascade, 2, seed=0):
        assert _same(again, lin.model.state_dict())              # seeded: the same random model


def test_attention_below_a_randomised_classifier_cannot_change_but_the_gradient_does():
    """Lin's hops are computed before its MLP: re-initialising only the MLP leaves them exactly as they were
    (ρ = 1), while every attribution of the decision moves — the known answer of the check's first stage."""
    lin = load_model("sentence/lin")

    def maps_of():
        r = classifier_rankings(lin, SNIPPET, 0, ("grad×input",))
        return ({k: v for k, v in r.scores.items() if k != "random"}, r.inputs.attributable.numpy())
    rec = cascade_record(lin.model, maps_of, CASCADES["structured"], seed=0)
    first = rec["rho"][0]
    assert first["attention: hop mean"] == 1.0
    assert first["gradient × input"] < 0.99
    assert rec["stages"][0] == "classifier (MLP)" and len(rec["rho"]) == len(CASCADES["structured"])


def test_spearman_over_rows_skips_constant_rows_and_masked_positions():
    a = np.array([[1.0, 2.0, 3.0, 9.0], [1.0, 1.0, 1.0, 1.0]])
    b = np.array([[3.0, 2.0, 1.0, -9.0], [1.0, 2.0, 3.0, 4.0]])
    keep = np.array([True, True, True, False])
    assert spearman_rows(a, b, keep) == -1.0
    assert spearman_rows(a[1:], b[1:], keep) is None


def test_parameterless_blocks_are_left_out_and_the_figure_is_drawn(tmp_path):
    assert "attention" not in [name for name, _ in cascade_of("bible-en-fr/luong-dot")]      # dot product
    assert "attention" in [name for name, _ in cascade_of("bible-en-fr/luong-general")]
    doc = {"model": "sentence/lin", "n": 1, "test_set": "t", "cascade": ["classifier (MLP)", "BiLSTM"],
           "examples": [{"rho": [{"attention: hop mean": 1.0, "gradient × input": 0.5},
                                 {"attention: hop mean": 0.2, "gradient × input": 0.1}]}]}
    doc["tables"] = tables(doc)
    assert [r["mean"] for r in doc["tables"]["rho"]] == [1.0, 0.5, 0.2, 0.1]
    path = figure(doc, tmp_path)
    assert path.exists() and path.stat().st_size > 5000


def test_minilms_attention_and_gradients_read_one_randomised_encoder_and_get_it_back():
    from attention_core.attribution.heldout_randomisation import model_of, synced
    parts = model_of("transformer/minilm-l6")
    key = "encoder.layer.5.attention.self.query.weight"
    trained = parts["eager"].state_dict()[key].clone()
    low = parts["eager"].state_dict()["encoder.layer.4.attention.self.query.weight"].clone()
    with randomised(parts, CASCADES["minilm"], 2, seed=0):     # the head and layer 6
        synced(parts)
        eager, fast = parts["eager"].state_dict(), parts["fast"].state_dict()
        assert torch.equal(eager[key], fast[key]) and not torch.equal(eager[key], trained)
        assert torch.equal(eager["encoder.layer.4.attention.self.query.weight"], low)
    assert torch.equal(parts["eager"].state_dict()[key], trained)
    assert torch.equal(parts["fast"].state_dict()[key], trained)


def test_the_vision_cascade_covers_every_parameter_top_down_and_its_maps_move_with_the_weights():
    """The DINOv2 cascade (final LayerNorm, blocks 12 → 1, embeddings), on a tiny random 12-block DINOv2 of the
    same class: every parameter in exactly one stage. Re-initialising the final LayerNorm leaves every attention
    map exactly as it was (it comes after them) while the gradient of the [CLS] target moves."""
    from PIL import Image
    from transformers import Dinov2Config, Dinov2Model

    from attention_core.attribution.vision_maps import cls_direction, patch_maps
    from attention_core.models.vision import VisionTransformerAttention
    torch.manual_seed(0)
    tiny = Dinov2Model(Dinov2Config(image_size=32, patch_size=8, hidden_size=16, num_hidden_layers=12,
                                    num_attention_heads=2, intermediate_size=32, attn_implementation="eager"))
    with torch.no_grad():                                    # "trained": away from the initial values
        for p in tiny.parameters():
            p.add_(0.3 * torch.randn(p.shape))
    vit = VisionTransformerAttention("tiny", model=tiny, patch=8, sizes=(32,), device="cpu")
    cascade = [(name, paths) for name, paths in CASCADES["vision"]]
    assert [c for c, _ in cascade][:3] == ["final layer norm", "layer 12", "layer 11"]
    assert cascade[-1][0] == "embeddings" and len(cascade) == 14
    owners = [name for name, _ in tiny.named_parameters()
              for _, paths in cascade if any(name.startswith(p + ".") for p in paths)]
    assert sorted(owners) == sorted(name for name, _ in tiny.named_parameters())
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8))
    direction = cls_direction(vit, image, 32)
    before = patch_maps(vit, image, direction, 32, ig_steps=2)
    with randomised(tiny, cascade, 1, seed=0):
        after = patch_maps(vit, image, direction, 32, ig_steps=2)
    for name in ("attention: last layer (head mean)", "attention: rollout"):
        np.testing.assert_array_equal(before[name], after[name])
    assert not np.allclose(before["grad×input"], after["grad×input"], rtol=1e-3, atol=0)
    assert before["integrated-gradients"].shape == (1, 16)


def test_pixel_attributions_are_summed_per_patch():
    from attention_core.attribution.vision_maps import per_patch
    values = torch.zeros(3, 4, 4)
    values[0, 0, 0], values[2, 1, 1], values[1, 3, 2] = 1.0, 2.0, 5.0
    np.testing.assert_array_equal(per_patch(values, 2), [[3.0, 0.0], [0.0, 5.0]])
