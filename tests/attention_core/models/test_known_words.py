"""Words a subword translation family never saw in training are named (issue 20 item 2: a news sentence the
Bible models were confident about got no notice)."""
from __future__ import annotations

import json

import pytest

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models import load_model
from attention_core.models.known_words import FILE, KnownWords, words
from attention_core.models.translation import heldout

NEWS = ["Shares of the chipmaker fell sharply after the earnings report.",
        "Parliament voted to ban plastic bags in supermarkets.",
        "The football club signed a young striker from Brazil.",
        "Firefighters battled wildfires near the city overnight."]


def test_words_are_letters_or_digits_and_the_rule_needs_both_a_count_and_a_share():
    assert words("Don't_stop: 3 Dec, 2026!") == ["don", "t", "stop", "3", "dec", "2026"]
    rule = KnownWords(frozenset("the lord said to moses".split()), min_unseen=2, min_share=0.3)
    assert not rule.flags("the lord said to moses")
    assert not rule.flags("the lord said to moses and")                 # 1 unseen word: too few
    assert not rule.flags("the lord said to moses and aaron")           # 2 of 7 (0.29): too small a share
    assert rule.flags("the lord said to moses and aaron in egypt")      # 4 of 9
    assert rule.flags("moses and aaron")                                # 2 of 3
    assert not rule.flags("") and rule.notice("   ") is None


def test_a_notice_counts_every_unseen_word_and_quotes_at_most_six_without_markdown():
    rule = KnownWords(frozenset({"the"}), min_unseen=1, min_share=0.1, trained_on="verses")
    notice = rule.notice("the a_b c d e f g h h")
    assert notice.startswith("9 of 10 words never occur in the training texts (verses): "
                             "a, b, c, d, e, f, …")
    assert "_" not in notice


def test_the_shipped_file_is_what_the_training_script_builds():
    from training.known_words import build
    shipped = json.loads((WEIGHTS_DIR / "bible-en-fr" / FILE).read_text(encoding="utf-8"))
    built = build("bible")
    assert {k: built[k] for k in ("min_unseen", "min_share", "words")} == \
        {k: shipped[k] for k in ("min_unseen", "min_share", "words")}
    assert built["valid_flagged"] <= 0.05


def test_the_bible_models_name_news_words_and_leave_held_out_verses_alone():
    model = load_model("bible-en-fr/bahdanau")
    assert model.known_words is not None and load_model("dates-en-fr/bahdanau").known_words is None
    flagged = [item["source"] for item in heldout("bible-en-fr") if model.known_words.flags(item["source"])]
    assert len(flagged) <= 2, flagged            # measured: 12 of 496 clean test verses (2.4 %)
    assert all(model.known_words.flags(text) for text in NEWS)
    notices = model.explain(NEWS[0]).notices
    assert any(n.startswith("2 of 10 words never occur") and "chipmaker, earnings" in n for n in notices), notices


@pytest.mark.parametrize("mechanism", ["luong-concat", "local-p"])
def test_every_bible_translator_reads_the_family_file(mechanism):
    assert load_model(f"bible-en-fr/{mechanism}").known_words is load_model("bible-en-fr/bahdanau").known_words
