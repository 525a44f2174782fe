"""The captioners' training mix (issue 20 item 3, round 3): sizes of the small held-out kind are trained on,
one-object scenes are common, and a continued encoder records every run it continued from."""
import random

from attention_core.data.scene_kinds import KINDS, augmented_kind


def _draw(n: int = 4000) -> tuple[list[int], list[int]]:
    rng = random.Random(0)
    sides, counts = [], []
    for _ in range(n):
        kind = augmented_kind(rng)
        count = rng.choice(kind.counts)
        counts.append(count)
        sides += [rng.randint(*kind.sides) for _ in range(count)]
    return sides, counts


def test_the_training_mix_holds_the_small_held_out_sizes_and_one_object_scenes():
    sides, counts = _draw()
    low, high = KINDS["small (~30 px)"].sides
    small = sum(low <= s <= high for s in sides) / len(sides)
    assert small >= 0.12, small               # stop 29's mix: 3.7 % of items ≤ 34 px, none under 30
    assert min(sides) <= low and max(sides) >= KINDS["large (~110 px)"].sides[0]
    assert sum(c == 1 for c in counts) / len(counts) >= 0.2   # stop 29's mix: 12.6 %


def test_a_continued_encoder_records_the_whole_chain_and_the_card_says_it():
    from training.model_cards import caption_encoder_table
    from training.scene_encoder import previous_run
    first = {"steps": 3000, "batch": 64, "train_seconds": 2400.0, "best_step": 2800}
    second = {"steps": 450, "batch": 64, "train_seconds": 1063.4, "best_step": 375, "augmented": True,
              "previous": previous_run(first)}
    chain = previous_run(second)
    assert chain["augmented"] and chain["steps"] == 450
    assert chain["previous"] == {**first, "augmented": False}
    text = caption_encoder_table()        # the shipped encoder: continued twice
    assert "on the random training kinds; itself continued from" in text and text.endswith("on clean canvases.")
