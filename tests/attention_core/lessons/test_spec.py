"""Lesson files: the shipped lessons load, and every kind of bad file is one line naming what is wrong."""
from __future__ import annotations

import json

import pytest

from attention_core.lessons import LessonError, parse_lesson, read_lesson, shipped_lessons

GOOD = {"id": "mine", "title": "My lesson", "steps": [
    {"title": "Look", "ask": "attended-source", "model": "dates-en-fr/luong-general", "input": "Friday, May 1, 2026"}]}


def test_the_five_shipped_lessons_load_and_round_trip_through_json():
    lessons = shipped_lessons()
    assert [lesson.id for lesson in lessons] == ["global-vs-local", "self-attention-hops", "hierarchical",
                                                 "multi-head-transformers", "vision-transformer"]
    for lesson in lessons:
        assert read_lesson(lesson.to_json()) == lesson


def _with_step(**changes):
    step = {**GOOD["steps"][0], **changes}
    return {**GOOD, "steps": [{k: v for k, v in step.items() if v is not None}]}


@pytest.mark.parametrize("data, message", [
    (_with_step(ask="guess-the-weather"), "unknown question kind"),
    (_with_step(model="nope/none"), "unknown model"),
    (_with_step(model="sentence/lin"), "cannot answer 'attended-source'"),
    (_with_step(colour="red"), "unknown field"),
    (_with_step(input=None), "exactly one of 'input'"),
    (_with_step(input=None, image="../../../etc/passwd"), "shipped samples"),
    (_with_step(params={"target": [1, 2]}), "plain values"),
    (_with_step(params={"hop": 2}), "no parameter"),
    (_with_step(model=None, models=["dates-en-fr/luong-dot", "dates-en-fr/local-p"]), "takes one model"),
    (_with_step(ask="which-map", model=None, models=["dates-en-fr/luong-dot", "dates-en-fr/local-p"]),
     "params.answer"),
    ({**GOOD, "steps": []}, "non-empty list of steps"),
    ({**GOOD, "steps": [GOOD["steps"][0]] * 21}, "at most 20 steps"),
    ({**GOOD, "id": "a b"}, "id may hold"),
    ([1, 2], "must be a mapping"),
])
def test_bad_lessons_are_one_line(data, message):
    with pytest.raises(LessonError, match=message) as err:
        parse_lesson(data)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("raw, message", [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"steps: [unclosed", "not valid YAML"),
    (b"!!python/object/apply:os.system ['touch /tmp/pwned']", "not valid YAML"),   # safe_load: no objects
    (b"x" * (64 * 1024 + 1), "larger than 64 KB"),
])
def test_bad_files_are_one_line(raw, message):
    with pytest.raises(LessonError, match=message):
        read_lesson(raw)


def test_json_is_read_as_well_as_yaml():
    assert read_lesson(json.dumps(GOOD)).steps[0].models == ("dates-en-fr/luong-general",)
