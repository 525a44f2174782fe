"""Model-vs-baseline claims: the clustered paired bootstrap, the verdict rule and NB-SVM on toy data."""
import numpy as np
import pytest

from training.classifier_claims import NBSVM, cluster_bootstrap_diff, verdict


def test_identical_predictions_give_a_zero_interval():
    correct = np.array([1, 0, 1, 1, 0, 1, 1, 1])
    ci = cluster_bootstrap_diff(correct, correct, [0, 0, 1, 1, 2, 2, 3, 3])
    assert (ci["diff"], ci["low"], ci["high"]) == (0.0, 0.0, 0.0)
    assert verdict(ci["low"], ci["high"]) == "on par"


def test_a_uniform_shift_is_found_and_called_above():
    rng = np.random.default_rng(0)
    b = rng.integers(0, 2, 400)
    a = b.copy()
    a[np.flatnonzero(b == 0)[:80]] = 1          # the model fixes 80 of the baseline's errors, breaks none
    groups = np.repeat(np.arange(100), 4)
    ci = cluster_bootstrap_diff(a, b, groups)
    assert ci["diff"] == pytest.approx(0.2) and 0 < ci["low"] < 0.2 < ci["high"]
    assert verdict(ci["low"], ci["high"]) == "above"
    flipped = cluster_bootstrap_diff(b, a, groups)
    assert verdict(flipped["low"], flipped["high"]) == "below"


def test_clustering_widens_the_interval_when_groups_share_their_outcome():
    # 20 groups of 10 items; whether the model beats the baseline is decided per group, not per item
    a = np.repeat(np.arange(20) % 2, 10)
    b = np.repeat((np.arange(20) + 1) % 2 * (np.arange(20) < 6), 10)
    by_group = cluster_bootstrap_diff(a, b, np.repeat(np.arange(20), 10))
    by_item = cluster_bootstrap_diff(a, b, np.arange(200))
    assert by_group["diff"] == by_item["diff"]
    assert by_group["high"] - by_group["low"] > 2 * (by_item["high"] - by_item["low"])


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="one entry per test item"):
        cluster_bootstrap_diff([1, 0], [1], [0, 1])


def test_nbsvm_learns_a_toy_sentiment_and_topic_corpus():
    good = ["a great fun film", "great acting and a fun story", "wonderful and great", "fun , moving , great"]
    bad = ["a dull boring film", "boring acting and a dull story", "awful and dull", "dull , flat , boring"]
    model = NBSVM().fit(good + bad, ["fresh"] * 4 + ["rotten"] * 4)
    assert list(model.predict(["great fun", "dull and boring", "a wonderful story"])) == ["fresh", "rotten", "fresh"]
    vocab = model.vectorizer_.vocabulary_
    r = model.ratios_[0]                          # log-count ratio towards classes_[1] == "rotten"
    assert r[vocab["dull"]] > 0 > r[vocab["great"]] and abs(r[vocab["film"]]) < 1e-9
    topics = NBSVM().fit(["goal match striker", "match referee goal", "vote election party", "party minister vote",
                          "chip software phone", "phone software app"],
                         ["sport", "sport", "politics", "politics", "tech", "tech"])
    assert list(topics.predict(["the striker scored a goal", "the minister called an election", "a new app"])) \
        == ["sport", "politics", "tech"]


def test_the_card_shows_the_shipped_claims():
    """docs/models.md's claims table is claims_table() of the shipped claims.json files (no hand edits)."""
    from pathlib import Path

    from training.classifier_claims import claims_table
    text = (Path(__file__).resolve().parents[2] / "docs" / "models.md").read_text(encoding="utf-8")
    block = text.split("<!-- table:classifier-claims -->", 1)[1].split("<!-- /table -->", 1)[0].strip()
    assert "| HAN (" in block and "| Lin (penalised) (" in block
    assert block == claims_table().strip()
