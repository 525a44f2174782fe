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
