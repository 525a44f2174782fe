"""The glimpse reader's training data (issue 20 item 3, round 12): regions labelled as the encoder's cells are, crops
cut where the labels say, from the training split only."""
import numpy as np
import torch

from training.glimpse import region_labels, training_crops
from training.scene_encoder import BACKGROUND, ITEM_INDEX



def test_a_small_item_labels_the_cells_it_mostly_covers_and_ignores_its_fringe():
    labels = region_labels([{"name": "bag", "box": (40, 40, 70, 70)}])        # 30 px across four cells' corners
    cells = {r for r in range(49) if labels[r] == ITEM_INDEX["bag"]}
    assert cells and cells <= {8, 9, 15, 16}
    assert all(labels[r] in (ITEM_INDEX["bag"], -100) for r in (8, 9, 15, 16))
    assert labels[0] == BACKGROUND and labels[48] == BACKGROUND
    big = region_labels([{"name": "7", "box": (0, 0, 104, 104)}, {"name": "coat", "box": (120, 120, 224, 224)}])
    assert labels.dtype == np.int64 and big[0] == ITEM_INDEX["7"] and big[48] == ITEM_INDEX["coat"]
    assert big[6] == BACKGROUND                                               # the empty top-right corner


def test_training_crops_hold_the_labelled_items():
    x, y = training_crops(12, seed=3, items=4, background=2, workers=1)
    assert x.dtype == torch.uint8 and x.shape[1:] == (48, 48) and len(x) == len(y)
    assert ((y >= 0) & (y <= BACKGROUND)).all() and (y == BACKGROUND).any() and (y < BACKGROUND).any()
    ink = x.float().flatten(1)
    items, empty = ink[y < BACKGROUND], ink[y == BACKGROUND]
    # an item crop has a spread of grey levels; a background crop of a clean or noisy (not inverted) scene is flat
    assert float(items.std(1).median()) > float(empty.std(1).median())
    again = training_crops(12, seed=3, items=4, background=2, workers=1)
    assert torch.equal(again[0], x) and torch.equal(again[1], y)              # seeded
