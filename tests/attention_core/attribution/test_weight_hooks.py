"""Uniform attention at test time goes through the mechanisms and only while asked for."""
import threading

import numpy as np

from attention_core.mechanisms import replaced_weights, uniform_weights
from attention_core.models import load_model

DOC = "Shares rose sharply. The bank said profits doubled. Analysts were surprised."


def test_uniform_word_attention_in_han_changes_the_model_and_is_restored():
    han = load_model("document/han")
    before = han.explain(DOC)
    with replaced_weights(han.model, uniform_weights, lambda name, m: name.endswith("word_attention")) as names:
        frozen = han.explain(DOC)
    assert names == ["han.word_attention"]
    for m in (x for x in frozen.maps if x.level == "word"):
        np.testing.assert_allclose(m.weights, 1 / m.shape[1])
    sentence = next(m for m in frozen.maps if m.level == "sentence")
    assert not np.allclose(sentence.weights, 1 / sentence.shape[1])        # only the word level was frozen
    assert frozen.output.probabilities != before.output.probabilities    # the model really read the new weights
    after = han.explain(DOC)
    np.testing.assert_allclose(after.maps[1].weights, before.maps[1].weights)


def test_a_hook_acts_only_in_its_own_thread():
    lin = load_model("sentence/lin")
    seen = {}
    with replaced_weights(lin.model, uniform_weights):
        worker = threading.Thread(target=lambda: seen.setdefault("w", lin.explain("A fine, moving film.").maps[0]))
        worker.start()
        worker.join()
        mine = lin.explain("A fine, moving film.").maps[0]
    assert np.allclose(mine.weights, 1 / mine.shape[1])
    assert not np.allclose(seen["w"].weights, 1 / mine.shape[1])
