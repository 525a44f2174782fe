"""The card's notice counts (docs/metrics_domain_notices.json) are what the shipped Bible models give today."""
import json
from pathlib import Path

from attention_core.models import load_model
from attention_core.models.seq2seq import MECHANISM_LABELS
from training.domain_notices import IN_DOMAIN, NEWS, OUT, flags
from training.translation import load_task

RECORD = json.loads((Path(__file__).parents[2] / OUT).read_text())


def test_every_bible_model_is_recorded_with_counts_that_add_up():
    assert set(RECORD["models"]) == set(MECHANISM_LABELS)
    assert RECORD["news"] == list(NEWS)
    for mechanism, record in RECORD["models"].items():
        for name, size in (("test_verses", IN_DOMAIN), ("news", len(NEWS))):
            part = record[name]
            assert part["items"] == size == len(part["flags"]), (mechanism, name)
            assert part["confidence"] == sum(c for c, _ in part["flags"]), (mechanism, name)
            assert part["any"] == sum(a for _, a in part["flags"]), (mechanism, name)
            # the confidence notice is a warning, so an item with it has one
            assert all(a >= c for c, a in part["flags"]), (mechanism, name)


def test_recorded_flags_replay_on_the_news_and_the_first_verses(mechanism="luong-concat"):
    """Decoded as the page decodes, the news sentences and the first 4 verses get the recorded notices: a change to
    the weights, the floor or the notices that the file does not follow fails here."""
    model = load_model(f"bible-en-fr/{mechanism}")
    record = RECORD["models"][mechanism]
    verses = [e["source"] for e in load_task("bible", 1)["test"][:4]]
    for texts, recorded in ((list(NEWS), record["news"]["flags"]), (verses, record["test_verses"]["flags"][:4])):
        got = [flags(model.explain(text).notices) for text in texts]
        assert [[int(g["confidence"]), int(g["any"])] for g in got] == recorded


def test_a_lexicon_word_is_not_counted_as_a_warning():
    assert flags(["Supplied by a word lexicon, not chosen by the model: jehoiakim → jojakim"]) == \
        {"confidence": False, "any": False}
    assert flags(["The model is less sure of this translation than of 95% of its validation items"]) == \
        {"confidence": True, "any": True}
