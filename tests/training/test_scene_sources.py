"""Scene sources: every split holds all ten digits, and no source image is shared between splits."""
from collections import Counter

from attention_core.data.scenes import load_sources, make_scenes


def test_each_split_holds_every_digit_and_no_image_is_shared():
    counts = {}
    pixels = {}
    for split in ("train", "valid", "test"):
        items = load_sources(split)
        counts[split] = Counter(n for _, n in items if n.isdigit())
        pixels[split] = {img.tobytes() for img, n in items if n.isdigit()}
    assert counts["train"] == Counter({str(d): 3 * 360 for d in range(10)})    # listed thrice: ~15 % digits
    train = load_sources("train")
    assert len({img.tobytes() for img, n in train if n.isdigit()}) > 3000
    assert 0.13 < sum(n.isdigit() for _, n in train) / len(train) < 0.17
    assert counts["valid"] == Counter({str(d): 40 for d in range(10)})
    assert counts["test"] == Counter({str(d): 100 for d in range(10)})
    assert not pixels["train"] & pixels["test"] and not pixels["train"] & pixels["valid"]
    assert not pixels["valid"] & pixels["test"]


def test_the_first_test_scene_keeps_its_layout():
    first = make_scenes("test", 1, 1001)[0]
    # the card's first test scene (shipped as samples/scene-1.png), unchanged by the digit re-split
    assert first["caption"] == "a trouser at the top left and a t-shirt at the top right"
    assert [o["cell"] for o in first["objects"]] == ["top left", "top right"]
