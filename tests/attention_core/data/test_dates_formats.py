"""Dates in more formats (issue 20.2): numeric, British, ordinal and lower case, with gold links by construction."""
import datetime as dt

import pytest

from attention_core.data.dates import EXTRA_FORMATS, make_extended_split, make_extra_pair, make_split, ordinal


def _linked(pair):
    return {(pair["target"][t], pair["source"][s]) for t, s in pair["links"]}


def test_numeric_dates_are_read_month_first_and_the_french_swaps_day_and_month():
    pair = make_extra_pair(dt.date(2026, 12, 3), "numeric")
    assert " ".join(pair["source"]) == "12 / 03 / 2026" and " ".join(pair["target"]) == "03 / 12 / 2026"
    # the links cross: French day ← English day, French month ← English month
    assert pair["links"] == [(0, 2), (2, 0), (4, 4)]


def test_equal_day_and_month_are_still_linked_by_position():
    pair = make_extra_pair(dt.date(2026, 3, 3), "numeric-short")
    assert pair["source"] == ["3", "/", "3", "/", "2026"] and pair["links"] == [(0, 2), (2, 0), (4, 4)]


def test_british_ordinal_and_lower_case_forms():
    abbreviated = make_extra_pair(dt.date(2026, 12, 3), "gb-abbreviated")
    assert " ".join(abbreviated["source"]) == "3 Dec 2026" and " ".join(abbreviated["target"]) == "3 déc. 2026"
    assert _linked(abbreviated) == {("3", "3"), ("déc.", "Dec"), ("2026", "2026")}
    us = make_extra_pair(dt.date(2026, 12, 1), "ordinal-us", lowercase=True)
    assert " ".join(us["source"]) == "december 1st , 2026" and us["format"] == "ordinal-us lower"
    assert _linked(us) == {("1", "1st"), ("décembre", "december"), ("2026", "2026")}
    full = make_extra_pair(dt.date(2026, 12, 3), "gb-full")
    assert full["source"][0] == "Thursday" and full["target"][0] == "jeudi" and (0, 0) in full["links"]
    assert make_extra_pair(dt.date(2026, 12, 3), "numeric", lowercase=True)["format"] == "numeric"   # no case


@pytest.mark.parametrize("day, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                       (13, "13th"), (21, "21st"), (22, "22nd"), (31, "31st")])
def test_ordinals(day, text):
    assert ordinal(day) == text


def test_the_extended_split_keeps_the_old_dates_and_pairs_and_adds_one_extra_pair_per_date():
    old, new = make_split(seed=1), make_extended_split(seed=1)
    assert new["test"] == old["test"] and new["valid"] == old["valid"]     # the old test set, unchanged
    assert new["train"][0::2] == old["train"]
    assert [p["date"] for p in new["train"][1::2]] == [p["date"] for p in old["train"]]
    assert [p["date"] for p in new["test_extra"]] == [p["date"] for p in old["test"]]
    train_dates = {p["date"] for p in new["train"]}
    assert not train_dates & {p["date"] for p in new["test_extra"]}       # test dates never trained on
    formats = {p["format"].removesuffix(" lower") for p in new["test_extra"]}
    assert formats == set(EXTRA_FORMATS)
    assert 0.1 < sum(p["format"].endswith(" lower") for p in new["test_extra"]) / len(new["test_extra"]) < 0.4
    assert all(p["links"] for p in new["train"][1::2])
