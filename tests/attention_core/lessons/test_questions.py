"""Questions are graded against the models' own outputs, recomputed here from the models directly."""
from __future__ import annotations

import numpy as np
import pytest

from attention_core.lessons import Step, ask, choice_labels, shipped_lessons
from attention_core.models import load_model

LESSONS = {lesson.id: lesson for lesson in shipped_lessons()}


def test_attended_source_is_the_argmax_of_the_models_own_row():
    step = LESSONS["global-vs-local"].steps[1]
    q = ask(step)
    cross = load_model(step.models[0]).explain(step.input).maps[0]
    row = cross.queries.index("novembre")
    assert q.answer == choice_labels(cross.keys)[int(np.argmax(cross.weights[row]))]
    assert q.grade(q.answer) and not q.grade(next(c for c in q.choices if c != q.answer))


def test_a_teachers_own_sentence_makes_a_new_question():
    step = LESSONS["global-vs-local"].steps[1]
    mine = ask(step, "Tuesday, November 3, 2026")
    assert mine.key != ask(step).key
    assert "Tuesday" in mine.choices
    cross = load_model(step.models[0]).explain("Tuesday, November 3, 2026").maps[0]
    row = cross.queries.index("novembre")
    assert mine.answer == choice_labels(cross.keys)[int(np.argmax(cross.weights[row]))]


def test_which_map_shows_unlabelled_maps_in_one_order_per_question():
    step = LESSONS["global-vs-local"].steps[2]
    q1, q2 = ask(step), ask(step)
    assert q1.choices == ("A", "B", "C") and q1.answer == q2.answer
    assert [m.title for m in q1.shown] == ["Map A", "Map B", "Map C"]
    for amap in q1.shown:   # nothing in the drawn maps names the mechanism
        assert amap.centers is None and amap.window is None and "local" not in amap.title.lower()
    answer_map = q1.reveal["ABC".index(q1.answer)]
    assert "local-p" in answer_map.label


def test_window_centre_is_the_position_nearest_the_predicted_centre():
    step = LESSONS["global-vs-local"].steps[3]
    q = ask(step)
    cross = load_model(step.models[0]).explain(step.input).maps[0]
    centre = cross.centers[3]
    assert int(q.answer.split(" · ")[0]) - 1 == int(np.clip(round(centre), 0, cross.shape[1] - 1))


def test_hops_differ_and_follow_the_model():
    first, third = (ask(s) for s in LESSONS["self-attention-hops"].steps[:2])
    hops = load_model("sentence/lin").explain(LESSONS["self-attention-hops"].steps[0].input).maps[0]
    labels = choice_labels(hops.keys)
    assert first.answer == labels[int(np.argmax(hops.weights[0]))]
    assert third.answer == labels[int(np.argmax(hops.weights[2]))]


def test_erase_flip_matches_the_models_decision_after_erasure():
    q = ask(LESSONS["self-attention-hops"].steps[2])
    assert q.choices == ("yes", "no") and q.answer in q.choices
    assert len(q.reveal) == 2 and q.reveal[1].is_attribution


def test_hierarchy_questions_read_both_levels():
    top, word = (ask(s) for s in LESSONS["hierarchical"].steps)
    maps = load_model("document/han").explain(LESSONS["hierarchical"].steps[0].input).maps
    sentences = maps[0]
    best = int(np.argmax(sentences.weights[0]))
    assert top.answer == sentences.keys[best]
    words = [m for m in maps if m.level == "word"][best]
    assert word.answer == choice_labels(words.keys)[int(np.argmax(words.weights[0]))]


def test_head_target_reads_the_named_head():
    step = LESSONS["multi-head-transformers"].steps[1]
    q = ask(step)
    maps = load_model("transformer/minilm-l6").explain(step.input).maps
    head = next(m for m in maps if (m.layer, m.head) == (3, 1))
    row = head.queries.index("it")
    assert q.answer == choice_labels(head.keys)[int(np.argmax(head.weights[row]))]


@pytest.mark.slow
def test_cls_patch_region_holds_the_top_patch():
    step = LESSONS["vision-transformer"].steps[0]
    q = ask(step)
    amap = q.reveal[0]
    h, w = amap.grid
    r, c = divmod(int(np.argmax(amap.weights[0])), w)
    assert int(q.answer) == (r * 4 // h) * 4 + c * 4 // w + 1
    assert q.regions == 4 and len(q.choices) == 16 and q.image is not None


def test_an_unavailable_model_or_bad_teacher_input_is_one_line():
    from attention_core.lessons import LessonError
    step = Step("t", "attended-source", ("dates-en-fr/luong-general",), input="x")
    with pytest.raises(LessonError) as err:
        ask(step, "\u200b\u200b")   # nothing but invisible characters
    assert "\n" not in str(err.value)
