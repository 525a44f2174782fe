"""The rare-word lexicon (training/rare_lexicon.py) and the recorded choice of each model's rule
(training/rare_word_select.py)."""
from __future__ import annotations

import json

import pytest

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.rare_words import FILE
from attention_core.models.seq2seq import MECHANISM_LABELS
from training.lexicon_weight import choose
from training.rare_lexicon import build
from training.rare_word_select import GUARD_GRID, INFLECTION_GRID, choose_guard

FAMILY = WEIGHTS_DIR / "bible-en-fr"
PAIRS = [{"source": "the king of judah", "target": "le roi de juda"},
         {"source": "the king said", "target": "le roi dit"},
         {"source": "the 12 tribes", "target": "les douze tribus"},
         {"source": "the king's son", "target": "le fils du roi"}]


def test_only_rare_words_with_a_french_word_enter_and_numerals_never():
    content = build(PAIRS, max_count=2)
    entries = content["entries"]
    assert "the" not in entries and "king" not in entries               # seen 4 and 3 times
    assert entries["judah"]["count"] == 1 and entries["judah"]["french"].isalpha()
    assert "12" not in entries and "'" not in entries                   # a numeral; a mark
    assert all(e["count"] <= 2 and 0 < e["prob"] <= 1 for e in entries.values())
    assert set(build(PAIRS, max_count=4)["entries"]) > set(entries)
    assert build(PAIRS, max_count=2, min_prob=1.01)["entries"] == {}
    # the reverse direction (French → English) backs "judah → juda": both ways each other's best word
    assert entries["judah"]["reverse_rank"] == 1 and 0 < entries["judah"]["reverse_prob"] <= 1


def test_the_guard_choice_allows_a_tenth_below_the_shipped_rule_and_no_more():
    current = {"bleu": 20.0, "chrf": 40.0}
    rows = [{"bleu": 19.95, "chrf": 40.2}, {"bleu": 21.0, "chrf": 39.85}, {"bleu": 19.9, "chrf": 39.9}]
    assert choose_guard(rows, current) is rows[0]                     # the second costs 0.15 chrF
    assert choose_guard(rows[1:2], current) is None


def shipped_rules() -> dict[str, dict]:
    configs = {m: json.loads((FAMILY / m / "config.json").read_text()) for m in MECHANISM_LABELS}
    return {m: c["rare_words"] for m, c in configs.items() if "rare_words" in c}


def test_the_shipped_lexicon_is_what_the_script_builds():
    from training.rare_lexicon import shipped_content
    if not shipped_rules():
        pytest.skip("no shipped model declares a rare-word rule")
    shipped = json.loads((FAMILY / FILE).read_text(encoding="utf-8"))
    assert shipped == shipped_content()


def replayed_guard(metrics: dict, key: str, grid: list[dict]) -> dict:
    """The guard settings recorded under ``key`` (none when none was chosen), after checking that its rule picks
    them again from the recorded grid and that the scores it replaced are the record's starting point."""
    record = metrics.get(key)
    if not record:
        return {}
    again = choose_guard(record["grid"], record["current"])
    assert (again and {k: again[k] for k in grid[0]}) == record["chosen"]
    if not record["chosen"]:
        return {}
    assert metrics[f"before_{key}"]["valid_scores_shipped"]["bleu_greedy"] == record["current"]["bleu"]
    return {k: v for k, v in record["chosen"].items() if v not in (None, 0.0)}


@pytest.mark.parametrize("mechanism", list(MECHANISM_LABELS))
def test_each_recorded_choice_replays_and_the_config_holds_it(mechanism):
    metrics = json.loads((FAMILY / mechanism / "metrics.json").read_text())
    declared = shipped_rules().get(mechanism)
    record = metrics.get("rare_words")
    if record is None:   # a model without a rule was never given one
        assert declared is None
        return
    chosen = choose(record["grid"], record["current"])
    assert chosen is not None
    second = metrics.get("rare_words_french_limit")   # the second grid, over the shipped rule
    limit = {}
    if second:
        again = choose(second["grid"], second["current"])
        assert again is not None and again["max_french_count"] == second["chosen"]
        assert second["current"] == record["chosen_scores"]            # it started from the first choice
        limit = {"max_french_count": second["chosen"]}
    guarded = replayed_guard(metrics, "rare_words_guard", GUARD_GRID)         # run 14's guards, over the shipped rule
    kept = replayed_guard(metrics, "rare_words_inflection", INFLECTION_GRID)  # run 16's, over the rule after run 14
    assert declared == {**record["chosen"], "score": record["score"], "beam": record["beam"], "lexicon": FILE, **limit,
                        **guarded, **kept}
    beam = record["beam4_valid"]
    assert record["score"] == max(("model", "best"), key=lambda n: beam[n]["bleu"] + beam[n]["chrf"])
    ruled, alone = beam[record["score"]], beam["alone"]
    assert record["beam"] == (ruled["bleu"] > alone["bleu"] and ruled["chrf"] > alone["chrf"])
    assert {k: chosen[k] for k in record["chosen"]} == record["chosen"]
    assert chosen["bleu"] > record["current"]["bleu"] and chosen["chrf"] > record["current"]["chrf"]
    assert metrics["before_rare_words"]["bleu_greedy"] != metrics["bleu_greedy"]    # rescored with the rule
