"""The validation-vs-held-out diagnosis (issue 20 item 3, round 10): accuracies per namer and group, scene-resampled."""
import numpy as np

from training.caption_source_gap import accuracy, differences, split_summary

RECORDS = [{"scene": 0, "name": "7", "soft": "7", "hard": "1", "head": "7"},
           {"scene": 0, "name": "coat", "soft": "shirt", "hard": None, "head": "coat"},
           {"scene": 1, "name": "coat", "soft": "coat", "hard": "coat", "head": "shirt"}]


def test_accuracy_counts_placed_objects_per_group_and_weights_resampled_scenes():
    assert accuracy(RECORDS, "soft") == 2 / 3
    assert accuracy(RECORDS, "hard") == 1 / 2                    # the unplaced coat is left out
    assert accuracy(RECORDS, "soft", "digits") == 1.0 and accuracy(RECORDS, "soft", "clothing") == 1 / 2
    assert accuracy(RECORDS, "soft", scenes=np.array([1, 1])) == 1.0
    assert accuracy(RECORDS, "soft", scenes=np.array([0, 0, 1])) == 3 / 5     # scene 0 twice: 2 of 4, scene 1: 1 of 1


def test_summary_and_difference_of_two_splits():
    a = split_summary(RECORDS, 2, resamples=50)
    assert a["soft all"]["value"] == round(2 / 3, 4) and a["digit_share"] == round(1 / 3, 4)
    assert a["soft per class"] == {"7": 1.0, "coat": 0.5}
    b = split_summary([dict(r, soft=r["name"]) for r in RECORDS], 2, resamples=50)
    diff = differences(a, b)["soft all"]
    assert diff["value"] == round(2 / 3 - 1.0, 4) and diff["interval"][0] <= diff["value"] <= diff["interval"][1]
