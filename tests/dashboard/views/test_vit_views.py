"""Vision-transformer views: the blend puts the colour where the weight is, thumbnails skip gaps."""
import numpy as np
from PIL import Image

from attention_core import AttentionMap
from dashboard.views.vit_views import OUTLINE, blend, grid_overlay, grid_small_multiples


def _map(grid=(4, 4), hot=(1, 2)) -> AttentionMap:
    w = np.full(grid[0] * grid[1], 0.01)
    w[hot[0] * grid[1] + hot[1]] = 0.5
    keys = [f"r{r}c{c}" for r in range(grid[0]) for c in range(grid[1])]
    return AttentionMap("multi-head", ["[CLS]"], keys, w, grid=grid, layer=0, head=1, meta={"cls_mass": 0.2})


def test_blend_colours_the_heavy_patch_and_outlines_the_chosen_one():
    photo = np.full((64, 64, 3), 128, np.uint8)
    out = blend(photo, _map().weights[0].reshape(4, 4), zmax=0.5, patch=(3, 0))
    hot = out[16 + 8, 32 + 8].astype(int)                  # centre of patch (1, 2)
    cold = out[40, 40].astype(int)                         # centre of patch (2, 2)
    assert hot.sum() > cold.sum() + 150 and hot[0] > hot[2]  # bright and warm (the scale's yellow end)
    outline = np.array([int(OUTLINE[i:i + 2], 16) for i in (1, 3, 5)])
    assert (out[48, 0:16] == outline).all(axis=1).any()    # the top edge of patch (3, 0)


def test_overlay_and_small_multiples_carry_hover_and_skip_gaps():
    image = Image.new("RGB", (90, 60), "gray")
    fig = grid_overlay(image, _map(), patch=(1, 2))
    assert [t.type for t in fig.data] == ["image", "heatmap", "scatter"] and len(fig.layout.shapes) == 1
    assert len(fig.data[2].x) == 16 and tuple(fig.data[2].customdata[6][:2]) == (1, 2)
    thumbs = grid_small_multiples(image, [_map(), None, _map(hot=(0, 0))], 2, ["a", "", "b"])
    assert [t.type for t in thumbs.data] == ["image", "scatter"]
    assert len(thumbs.data[1].hovertext) == 2 and thumbs.data[1].hovertext[0].endswith("on [CLS] itself: 0.2")
    assert [a.text for a in thumbs.layout.annotations] == ["a", "b"]
