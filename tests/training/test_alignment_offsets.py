from training.alignment_offsets import offsets
from training.translation import load_task


def test_bahdanau_argmax_lands_on_the_gold_word_and_local_m_misses_it_by_a_fixed_offset():
    examples = load_task("dates", seed=1)["test"][:40]
    bahdanau, local_m = offsets("bahdanau", examples), offsets("local-m", examples)
    assert sum(bahdanau.values()) == sum(local_m.values()) > 40
    assert bahdanau[0] / sum(bahdanau.values()) > 0.95
    # the shipped local-m (p_t = t) puts 30 % of the gold-linked tokens two tokens to the right of their word
    # (measured 0.70 on the word, 0.30 at +2 over all 600 test dates): a systematic shift, not scatter
    assert 0.5 < local_m[0] / sum(local_m.values()) < 0.9
    assert local_m[2] + local_m[0] == sum(local_m.values())
