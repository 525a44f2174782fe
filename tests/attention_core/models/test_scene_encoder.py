"""The captioners' learned scene encoder: shapes, input handling and the shipped weights on held-out items."""
import pytest
import torch
from PIL import Image

from attention_core.models.scene_encoder import READ_SIDE, SceneEncoder, scene_pixels, scene_tensor


def test_encoder_gives_a_7x7_grid_of_regions():
    net = SceneEncoder((8, 8, 16, 24)).eval()
    x = torch.randn(2, 1, READ_SIDE, READ_SIDE)
    assert net(x).shape == (2, 24, 7, 7)
    regions = net.regions(x)
    assert regions.shape == (2, 49, 24)
    # row-major: region r*7+c is grid cell (r, c)
    torch.testing.assert_close(regions[:, 7 * 3 + 5], net(x)[:, :, 3, 5])
    assert sum(p.numel() for p in net.parameters()) < 2_000_000


def test_any_image_is_read_as_a_112_pixel_grayscale_square():
    wide = Image.new("RGB", (640, 200), (255, 255, 255))
    assert scene_pixels(wide).shape == (READ_SIDE, READ_SIDE) and scene_pixels(wide).min() == 255
    t = scene_tensor(Image.new("L", (224, 224), 0))
    assert t.shape == (1, READ_SIDE, READ_SIDE) and float(t.max()) < 0     # black = below the mean


def test_shipped_encoder_names_held_out_items():
    from attention_core.checkpoint import WEIGHTS_DIR
    from attention_core.models.scene_encoder import load_scene_encoder
    from attention_core.data.scenes import load_sources
    from training.scene_encoder import item_accuracy, render_canvases
    folder = WEIGHTS_DIR / "caption" / "encoder"
    if not (folder / "model.safetensors").exists():
        pytest.skip("no shipped scene encoder")
    import random
    net = load_scene_encoder(folder, "cpu")
    data = render_canvases(load_sources("test"), 40, random.Random(7))     # 160 items never trained on
    result = item_accuracy(net, data)
    # the card reports ~0.9 on 2,000 test items; 0.8 leaves room for a 160-item sample
    assert result["items"] == 160 and result["accuracy"] >= 0.8, result


def test_local_encoder_regions_see_only_their_neighbourhood():
    torch.manual_seed(0)
    x = torch.randn(1, 1, READ_SIDE, READ_SIDE)
    y = x.clone()
    y[..., :16, :16] += 5.0                              # change only the top-left 16 × 16 cell
    for local, far_changes in ((True, False), (False, True)):
        net = SceneEncoder((8, 8, 16, 24), local=local).eval()
        a, b = net(x), net(y)
        assert not torch.allclose(a[..., 1, 1], b[..., 1, 1])        # the next cell sees it either way
        # a region three cells away: outside a local region's ~59 px view, inside the wide one's
        assert torch.allclose(a[..., 4, 4], b[..., 4, 4]) != far_changes


def test_two_scale_read_concatenates_the_112_read_and_the_pooled_224_read(tmp_path):
    import numpy as np
    import torch.nn.functional as F
    from attention_core.checkpoint import save_checkpoint
    from attention_core.models.scene_encoder import load_scene_encoder, scene_batch
    torch.manual_seed(0)
    one = SceneEncoder((8, 8, 16, 24), local=True).eval()
    two = SceneEncoder((8, 8, 16, 24), local=True, scales=(224, 112)).eval()
    two.load_state_dict(one.state_dict())                   # same convolutions: only the read differs
    assert (two.scales, two.read_side, two.width, two.dim) == ((112, 224), 224, 24, 48)
    rng = np.random.default_rng(0)
    scenes = [Image.fromarray(rng.integers(0, 256, (224, 224), dtype=np.uint8)) for _ in range(2)]
    x = scene_batch(np.stack([scene_pixels(im, 224) for im in scenes]), scales=two.scales)
    assert x.shape == (2, 2, 224, 224)
    grid = two(x)
    assert grid.shape == (2, 48, 7, 7) and two.regions(x).shape == (2, 49, 48)
    # the 112 part is exactly the one-scale encoder on its own input (PIL's halving, then background-first) ...
    alone = scene_batch(np.stack([scene_pixels(im) for im in scenes]))
    torch.testing.assert_close(grid[:, :24], one(alone), rtol=0, atol=0)
    torch.testing.assert_close(two.cell_logits(grid), one.head(one(alone)), rtol=0, atol=0)
    # ... and the 224 part its 14 × 14 grid averaged 2 × 2
    torch.testing.assert_close(grid[:, 24:], F.avg_pool2d(one.body(x[:, 1:]), 2))
    torch.testing.assert_close(scene_tensor(scenes[0], two.scales), x[0])
    # saved weights without "scales" (all weights before round 5) load as the one-scale 112 read
    save_checkpoint(one, {"widths": [8, 8, 16, 24], "classes": 20, "local": True, "read_side": 112}, tmp_path / "a")
    save_checkpoint(two, {"widths": [8, 8, 16, 24], "classes": 20, "local": True, "scales": [112, 224]}, tmp_path / "b")
    assert load_scene_encoder(tmp_path / "a", "cpu").scales == (112,)
    assert load_scene_encoder(tmp_path / "b", "cpu").dim == 48
    with pytest.raises(ValueError, match="multiple of 112"):
        SceneEncoder((8, 8, 16, 24), scales=(112, 160))


def test_a_decoder_widened_to_the_two_scale_read_starts_where_it_was():
    from attention_core.models.captioning import CaptionDecoder
    from training.captioning import widened
    torch.manual_seed(0)
    old = CaptionDecoder(12, "soft", feature_dim=24, dim=16, emb=8, attn=16, positions=49).eval()
    new = CaptionDecoder(12, "soft", feature_dim=48, dim=16, emb=8, attn=16, positions=49).eval()
    new.load_state_dict(widened(old.state_dict(), 48))
    f = torch.randn(2, 49, 24)
    wide = torch.cat([f, torch.randn(2, 49, 24)], -1)        # whatever the new read says, it weighs 0 at first
    torch.testing.assert_close(new.start(wide)[0], old.start(f)[0])
    assert widened(old.state_dict(), 24)["project.weight"].shape == (16, 24)   # same width: unchanged


def test_confident_read_keeps_per_region_one_read_and_old_configs_load_as_before(tmp_path):
    import numpy as np
    from attention_core.checkpoint import save_checkpoint
    from attention_core.models.scene_encoder import load_scene_encoder, scene_batch
    torch.manual_seed(0)
    one = SceneEncoder((8, 8, 16, 24), local=True).eval()
    config = {"widths": [8, 8, 16, 24], "classes": 20, "local": True, "read_side": 112}
    save_checkpoint(one, config, tmp_path / "a")
    rng = np.random.default_rng(1)
    pixels = np.stack([rng.integers(0, 256, (224, 224), dtype=np.uint8) for _ in range(2)])
    both = dict(scales=[112, 224], combine="confident")
    concat = load_scene_encoder(tmp_path / "a", "cpu", {"scales": [112, 224]})
    x = scene_batch(pixels, scales=(112, 224))
    reads = concat(x)                                          # [B, 48, 7, 7]: the 112 read, then the pooled 224
    picked = load_scene_encoder(tmp_path / "a", "cpu", both)
    assert picked.dim == 24 and picked.regions(x).shape == (2, 49, 24)
    out = picked(x)
    from_112 = (out == reads[:, :24]).all(1)
    from_224 = (out == reads[:, 24:]).all(1)
    assert bool((from_112 | from_224).all())                   # every region is one read's features, whole
    probs = [one.head(reads[:, k * 24:(k + 1) * 24]).softmax(1)[:, :-1].amax(1) for k in (0, 1)]
    assert bool((from_224 == (probs[1] > probs[0])).all())      # the more confident read (ties: the 112 one)
    # a gate the 112 read never passes keeps every region at 112: exactly the one-scale encoder's features
    gated = load_scene_encoder(tmp_path / "a", "cpu", {**both, "gate": 1.01})
    torch.testing.assert_close(gated(x), one(scene_batch(np.stack([scene_pixels(Image.fromarray(p)) for p in pixels]))),
                               rtol=0, atol=1e-6)                # (float rounding of a differently batched conv)
    # "isolated": the 224 read only where few regions around pass the gate at 112 (a small item)
    from attention_core.models.scene_encoder import confident_read
    grids = torch.stack([reads[:, :24], reads[:, 24:]], 1)
    seen = one.head(reads[:, :24]).softmax(1)[:, -1] <= 0.7                     # 112 object probability >= 0.3
    crowd = torch.nn.functional.conv2d(seen[:, None].float(), torch.ones(1, 1, 3, 3), padding=1)[:, 0]
    for k in (0, 4):
        out = confident_read(grids, one.head, gate=0.3, isolated=k)
        took = (out == reads[:, 24:]).all(1) & ~(out == reads[:, :24]).all(1)
        assert bool((~took | (seen & (crowd <= k) & (probs[1] > probs[0]))).all())  # only allowed regions switch
        assert k or not bool(took.any())                                         # k = 0: none can
    # a config without "scales" / "combine" (the shipped one) loads exactly as before: the one-scale read
    plain = load_scene_encoder(tmp_path / "a", "cpu")
    assert (plain.scales, plain.combine, plain.dim) == ((112,), "concat", 24)
    with pytest.raises(ValueError, match="combine"):
        SceneEncoder((8, 8, 16, 24), scales=(112, 224), combine="median")


def saved_tiny_encoder(folder, seed: int):
    """A small random one-scale encoder saved in ``folder`` and two random 224-px scenes packed for a 112 + 224
    read → (the encoder, the scenes' pixels ``[2, 224, 224]``, the packed batch)."""
    import numpy as np
    from attention_core.checkpoint import save_checkpoint
    from attention_core.models.scene_encoder import scene_batch
    torch.manual_seed(0)
    one = SceneEncoder((8, 8, 16, 24), local=True).eval()
    save_checkpoint(one, {"widths": [8, 8, 16, 24], "classes": 20, "local": True, "read_side": 112}, folder)
    rng = np.random.default_rng(seed)
    pixels = np.stack([rng.integers(0, 256, (224, 224), dtype=np.uint8) for _ in range(2)])
    return one, pixels, scene_batch(pixels, scales=(112, 224))


def test_mean_read_averages_the_reads_only_where_a_larger_read_may_take_over_and_flip_mirrors(tmp_path):
    import numpy as np
    from attention_core.models.scene_encoder import larger_read_allowed, load_scene_encoder, scene_batch
    one, pixels, x = saved_tiny_encoder(tmp_path / "a", 2)
    with torch.no_grad():
        reads = load_scene_encoder(tmp_path / "a", "cpu", {"scales": [112, 224]})(x)
        read = {"scales": [112, 224], "combine": "mean", "gate": 0.3, "isolated": 4}
        out = load_scene_encoder(tmp_path / "a", "cpu", read)(x)
        allowed = larger_read_allowed(one.head(reads[:, :24]).softmax(1), 0.3, 1.0, 4)
        mean = (reads[:, :24] + reads[:, 24:]) / 2
        assert 0 < int(allowed.sum()) < allowed.numel()         # both cases occur in this scene
        torch.testing.assert_close(out, torch.where(allowed[:, None], mean, reads[:, :24]))
        # the head is linear: its logits there are the reads' mean logits
        torch.testing.assert_close(one.head(out)[:, :, allowed[0]][0],
                                   ((one.head(reads[:, :24]) + one.head(reads[:, 24:])) / 2)[:, :, allowed[0]][0])
        # flip: the mean of the scene's read and the mirrored scene's read mirrored back, so a mirrored scene's
        # regions are the scene's regions mirrored
        flip = load_scene_encoder(tmp_path / "a", "cpu", {"flip": True})
        small = scene_batch(np.stack([scene_pixels(Image.fromarray(p)) for p in pixels]))
        torch.testing.assert_close(flip(small), (one(small) + one(small.flip(-1)).flip(-1)) / 2)
        torch.testing.assert_close(flip(small.flip(-1)), flip(small).flip(-1))
    assert not load_scene_encoder(tmp_path / "a", "cpu").flip           # old configs: no flip


def test_shift_averages_translated_larger_reads_mapped_back_and_no_shift_reads_as_before(tmp_path):
    """Round 10: ``shift`` averages each larger read over translated copies, every copy's grid mapped back; the 112
    read, which gates the larger one, is untouched; offsets of 0 (or no key) are the plain read, bit for bit."""
    from attention_core.models.scene_encoder import MEAN, STD, load_scene_encoder, shifted_grid, translate
    one, _, x = saved_tiny_encoder(tmp_path / "a", 3)
    concat = {"scales": [112, 224]}
    with torch.no_grad():
        plain = load_scene_encoder(tmp_path / "a", "cpu", concat)
        assert plain.shift == ()                                        # old configs: no shift
        for zero in ([0], [0, 0]):
            assert torch.equal(load_scene_encoder(tmp_path / "a", "cpu", {**concat, "shift": zero})(x), plain(x))
        shifted = load_scene_encoder(tmp_path / "a", "cpu", {**concat, "shift": [0, 8]})(x)
        assert torch.equal(shifted[:, :24], plain(x)[:, :24])            # the 112 read as it was
        big = x[:, 1:2]
        copies = [shifted_grid(one.body(translate(big, dy, dx)), dy, dx) for dy in (0, 8) for dx in (0, 8)]
        expected = torch.nn.functional.adaptive_avg_pool2d(torch.stack(copies).mean(0), (7, 7))
        torch.testing.assert_close(shifted[:, 24:], expected)
        assert not torch.allclose(shifted[:, 24:], plain(x)[:, 24:])
        # translate moves the content and fills the uncovered border with the background level
        moved = translate(big, 5, -3)
        torch.testing.assert_close(moved[..., 5:, :-3], big[..., :-5, 3:], rtol=0, atol=0)
        assert bool((moved[..., :5, :] == -MEAN / STD).all()) and bool((moved[..., :, -3:] == -MEAN / STD).all())
        # a grid moved by a whole cell (16 px) is mapped back exactly (the last row, uncovered, repeats the border)
        grid = torch.randn(2, 4, 14, 14)
        down = torch.cat([grid[..., :1, :], grid[..., :-1, :]], -2)       # content one cell lower
        torch.testing.assert_close(shifted_grid(down, 16, 0)[..., :-1, :], grid[..., :-1, :])
        assert torch.equal(shifted_grid(grid, 0, 0), grid)
        # the shipped read with a shift: same shape, the captioners' width
        picked = load_scene_encoder(tmp_path / "a", "cpu", {**concat, "combine": "confident", "gate": 0.3,
                                                           "isolated": 4, "shift": [-8, 0, 8]})
        assert picked(x).shape == (2, 24, 7, 7)
