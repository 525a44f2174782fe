"""Rare-word recall per training-frequency band (training/rare_words.py)."""
from collections import Counter

from training.rare_words import band_recall, markdown


def test_recall_counts_each_reference_word_in_its_band_at_most_as_often_as_the_reference_has_it():
    counts = Counter({"et": 900, "dieu": 600, "japhet": 3, "sem": 2, "l'": 700, "arche": 20})
    refs = ["sem, cham et japhet.", "l'arche et l'arche"]
    hyps = ["sem sem et et et", "l'arche"]
    bands = band_recall(hyps, refs, counts)
    # unseen in training: "cham", "," and "."; 1–4: sem (found once though said twice), japhet; 5–49: arche twice
    assert bands["unseen"] == {"recall": 0.0, "words": 3}
    assert bands["1–4"] == {"recall": 0.5, "words": 2} and bands["5–49"] == {"recall": 0.5, "words": 2}
    # ≥ 500: "et" once per verse (found in the first only, not three times), "l'" twice (found once)
    assert bands["≥ 500"] == {"recall": 0.5, "words": 4}


def test_the_table_has_a_row_per_system_and_a_column_per_band():
    bands = band_recall(["a"], ["a b"], Counter({"a": 600, "b": 2}))
    table = markdown({"bands": list(bands), "systems": {"ibm1-word-by-word": bands, "luong-dot": bands}})
    assert table.count("\n") == 3 and "IBM-1 word by word" in table and "Luong global · dot" in table
