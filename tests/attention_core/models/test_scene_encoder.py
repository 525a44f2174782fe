"""The captioners' learned scene encoder: shapes, input handling and the shipped weights on held-out items."""
import pytest
import torch
from PIL import Image

from attention_core.models.scene_encoder import SCENE_SIDE, SceneEncoder, scene_pixels, scene_tensor


def test_encoder_gives_a_7x7_grid_of_regions():
    net = SceneEncoder((8, 8, 16, 24)).eval()
    x = torch.randn(2, 1, SCENE_SIDE, SCENE_SIDE)
    assert net(x).shape == (2, 24, 7, 7)
    regions = net.regions(x)
    assert regions.shape == (2, 49, 24)
    # row-major: region r*7+c is grid cell (r, c)
    torch.testing.assert_close(regions[:, 7 * 3 + 5], net(x)[:, :, 3, 5])
    assert sum(p.numel() for p in net.parameters()) < 2_000_000


def test_any_image_is_read_as_a_224_pixel_grayscale_square():
    wide = Image.new("RGB", (640, 200), (255, 255, 255))
    assert scene_pixels(wide).shape == (SCENE_SIDE, SCENE_SIDE) and scene_pixels(wide).min() == 255
    t = scene_tensor(Image.new("L", (224, 224), 0))
    assert t.shape == (1, SCENE_SIDE, SCENE_SIDE) and float(t.max()) < 0     # black = below the mean


def test_a_stem_sees_detail_that_halving_averages_away_and_widening_keeps_the_old_encoder():
    from training.scene_encoder import widened
    torch.manual_seed(0)
    plain, stemmed = SceneEncoder((8, 8, 16, 24)).eval(), SceneEncoder((8, 8, 16, 24), stem=4).eval()
    x = torch.zeros(1, 1, SCENE_SIDE, SCENE_SIDE)
    fine = x.clone()
    fine[..., 96:128, 96:128] = torch.tensor([[1.0, -1.0], [-1.0, 1.0]]).repeat(16, 16)   # 1-px checkerboard
    # halving (2 × 2 antialiased) turns the checkerboard into almost flat grey (|x| ≤ 0.016): the stem, reading
    # the full scene, tells it from an empty one far more clearly
    change = lambda net: float((net(x) - net(fine)).abs().max())
    assert change(stemmed) > 10 * change(plain)
    # a stem-less encoder's weights, widened, give the stem zero weight: the same features as before
    missing = stemmed.load_state_dict(widened(plain.state_dict(), 4), strict=False)
    assert all(k.startswith("stem.") for k in missing.missing_keys) and not missing.unexpected_keys
    torch.testing.assert_close(stemmed(fine), plain(fine))


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
    x = torch.randn(1, 1, SCENE_SIDE, SCENE_SIDE)
    y = x.clone()
    y[..., :32, :32] += 5.0                              # change only the top-left 32 × 32 cell
    for local, far_changes in ((True, False), (False, True)):
        net = SceneEncoder((8, 8, 16, 24), local=local).eval()
        a, b = net(x), net(y)
        assert not torch.allclose(a[..., 1, 1], b[..., 1, 1])        # the next cell sees it either way
        # a region three cells away: outside a local region's ~59 px view, inside the wide one's
        assert torch.allclose(a[..., 4, 4], b[..., 4, 4]) != far_changes
