"""HAN re-scored with today's sentence splitter, and where its word attention falls."""
import json
import shutil

import pytest

from attention_core.checkpoint import WEIGHTS_DIR, load_checkpoint
from attention_core.models.document import HANClassifier
from attention_core.models.text_inputs import text_input
from benchmarks.long_inputs import NEWS

pytestmark = pytest.mark.slow


def test_word_attention_kinds_are_shares_of_each_sentence_and_favour_content_words():
    from training.document import TOPICS, word_attention_measures
    weights, config = load_checkpoint(WEIGHTS_DIR / "document" / "han")
    model = HANClassifier(0, len(TOPICS), **config["model"])
    model.load_state_dict(weights)
    m = word_attention_measures(model, [NEWS, "Shares rose. The bank said profits doubled!"], text_input("minilm-wordpiece"))
    assert m["sentences"] > 10
    assert m["content_mass"] + m["stopword_mass"] + m["punct_mass"] == pytest.approx(1, abs=1e-4)
    # the card's claim on the test set (0.853 vs 0.494 uniform) holds on a text the model never saw
    assert m["content_mass"] > m["content_share_of_tokens"] + 0.2


def test_rescore_reproduces_the_shipped_accuracy_and_records_the_split(tmp_path):
    from training.document import rescore
    shutil.copytree(WEIGHTS_DIR / "document" / "han", tmp_path / "document" / "han")
    shipped = json.loads((WEIGHTS_DIR / "document" / "han" / "metrics.json").read_text())
    m = rescore(tmp_path)
    assert m["test_accuracy"] == shipped["test_accuracy"] and m["valid_accuracy"] == shipped["valid_accuracy"]
    assert m["splitter"].startswith("syntok") and m["splitter_before"] == shipped["splitter_before"]
    assert m["word_attention"] == pytest.approx(shipped["word_attention"])
    assert json.loads((tmp_path / "document" / "han" / "metrics.json").read_text()) == m
