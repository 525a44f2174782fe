"""The digit reverser (a family added by the recipe): reverses unseen sequences along the anti-diagonal."""
from __future__ import annotations

import numpy as np

from attention_core.models import load_model


def test_an_unseen_sequence_is_reversed_and_its_map_is_the_anti_diagonal():
    digits = "7 0 7 2 9 4 4 1 8 6".split()
    result = load_model("reverse/luong-dot").explain(" ".join(digits))
    assert result.output.text.split() == digits[::-1]
    amap = result.maps[0]
    n = len(digits)
    assert amap.keys[:n] == digits and amap.queries[:n] == digits[::-1]
    assert list(np.argmax(amap.weights[:n, :n], axis=1)) == list(range(n - 1, -1, -1))


def test_longer_than_trained_is_said():
    result = load_model("reverse/luong-dot").explain(" ".join(["5"] * 20))
    assert any("Longer than the training data" in n for n in result.notices)
