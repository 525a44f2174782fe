from training.alignment_offsets import offsets
from training.translation import load_task


def test_bahdanau_argmax_lands_on_the_gold_word_and_general_mostly_misses_it():
    examples = load_task("dates", seed=1)["test"][:40]
    bahdanau, general = offsets("bahdanau", examples), offsets("luong-general", examples)
    assert sum(bahdanau.values()) == sum(general.values()) > 40
    assert bahdanau[0] / sum(bahdanau.values()) > 0.95
    # Luong's general score attends after the decoder has read the previous word: most argmaxes are shifted
    # (measured 0.30 on the word over all 600 test dates), each kind of token by its own offset
    assert general[0] / sum(general.values()) < 0.5
    assert sum(v for k, v in general.items() if k != 0) > 2 * general[0]
