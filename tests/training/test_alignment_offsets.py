from training.alignment_offsets import offsets
from training.translation import load_task


def test_bahdanau_argmax_lands_on_the_gold_word_and_general_never_does():
    examples = load_task("dates", seed=1)["test"][:40]
    bahdanau, general = offsets("bahdanau", examples), offsets("luong-general", examples)
    assert sum(bahdanau.values()) == sum(general.values()) > 40
    assert bahdanau[0] / sum(bahdanau.values()) > 0.95
    assert general[0] / sum(general.values()) < 0.05
