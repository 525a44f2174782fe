"""The shipped Lin models (issue 20): a BiLSTM over non-contextual MiniLM word pieces whose hops follow the words,
checked on the real shipped weights and their recorded metrics. Fast: 150 test snippets, no training."""
import json

import pytest

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models import load_model

# floors a little under the shipped seeds' test accuracy (docs/models.md, Rotten Tomatoes table)
ACCURACY_FLOOR = {"sentence/lin": 0.73, "sentence/lin-nopenalty": 0.75}
MODELS = sorted(ACCURACY_FLOOR)


@pytest.fixture(scope="module")
def test_part():
    from attention_core.data.rotten_tomatoes import load_snippets, split
    return split(load_snippets(with_movie=True), seed=0)["test"][:150]


@pytest.mark.parametrize("model_id", MODELS)
def test_recorded_accuracy_and_hop_measures(model_id):
    metrics = json.loads((WEIGHTS_DIR / model_id / "metrics.json").read_text())
    assert metrics["inputs"] == "minilm-wordpiece" and metrics["split"] == "movie-disjoint"
    assert metrics["test_snippets"] == 1302 and metrics["weights"] == "float16"
    assert metrics["test_accuracy"] >= ACCURACY_FLOOR[model_id]
    # no hop lands on one fixed position (the contextual-encoder model: 0.999); more mass on content words
    # than a uniform hop would put there
    assert metrics["test_hop_argmax_mode_share"] < 0.3
    assert metrics["test_content_mass"] > metrics["test_content_share_of_tokens"] + 0.05


@pytest.mark.parametrize("model_id", MODELS)
def test_hops_follow_the_content_of_test_snippets(model_id, test_part):
    from training.sentence import encode, hop_measures
    model = load_model(model_id)
    ids, labels = encode(model.inputs, [t for t, _ in test_part])
    h = hop_measures(model.model, ids, labels, "cpu")
    assert h["hop_argmax_mode_share"] < 0.3, h
    assert h["content_mass"] > h["content_share_of_tokens"] + 0.05, h
    assert h["content_argmax"] > 0.6, h
    if model.coef:       # with the penalty, two hops almost never peak on the same token
        assert h["hop_pairs_same_argmax"] < 0.1 and h["mean_offdiag_AAT"] < 0.05, h
    else:                # without it they overlap, but are no longer copies (the encoder model: 0.96)
        assert h["hop_pairs_same_argmax"] < 0.8, h


def test_word_kinds():
    from training.sentence import word_kinds
    labels = ["It", "'", "s", "a", "mir", "·e", "of", "dull", "·ness", ",", "sadly", "."]
    assert word_kinds(labels) == ["stop", "punct", "stop", "stop", "content", "content", "stop", "content",
                                  "content", "punct", "content", "punct"]
