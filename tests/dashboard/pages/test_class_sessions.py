"""Class sessions on the Classroom page (AppTest): a teacher starts a lesson, students join and predict, the
teacher's view counts their answers, paces the class and exports them — on SQLite and on PostgreSQL."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.class_store import DB_ENV, export_answers, load_session, open_engine
from dashboard.class_store.local_postgres import local_postgres, postgres_bin

from .conftest import APP, figure_elements, widget

PAGE = "app_pages/classroom.py"


def seen(elements) -> list[str]:
    """Texts of alerts/markdown as the reader sees them (the page backslash-escapes every punctuation mark)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


@pytest.fixture(params=["sqlite", "postgresql"])
def class_db(request, tmp_path, monkeypatch):
    """The store URL every AppTest of the test shares (the replicas of a deployment share one the same way)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'class.sqlite'}"
        monkeypatch.setenv(DB_ENV, url)
        yield url
        return
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    with local_postgres() as url:   # a fresh database name: engines are cached per URL in this process
        monkeypatch.setenv(DB_ENV, url)
        yield url
        open_engine(url).dispose()


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def _teacher(lesson: str = "global-vs-local") -> tuple[AppTest, str, str]:
    at = _page()
    at.segmented_control[0].set_value("teach").run()
    at.selectbox[0].set_value(lesson).run()
    widget(at, "button", "Start a class session").click().run()
    assert not at.exception, at.exception
    return at, at.query_params["class"], at.query_params["teacher"]


def _student(code: str, name: str) -> AppTest:
    at = _page()
    at.segmented_control[0].set_value("join").run()
    widget(at, "text_input", "Class code").input(code[:4] + "-" + code[4:].lower())
    widget(at, "text_input", "Your name").input(name)
    widget(at, "button", "Join the class").click().run()
    assert not at.exception, at.exception
    return at


def _answer(at: AppTest, choice: str) -> AppTest:
    widget(at, "radio", "Your prediction").set_value(choice).run()
    widget(at, "button", "Submit my prediction").click().run()
    assert not at.exception, at.exception
    return at


def test_teacher_and_three_students_go_through_a_lesson(class_db):
    teacher, code, secret = _teacher()
    assert widget(teacher, "metric", "Students join with the code").value == f"{code[:4]}-{code[4:]}"
    students = [_student(code, name) for name in ("Ana", "Bo", "Chen")]
    ana, bo, chen = students
    # predict before seeing: no map is drawn before the answer, the question is graded against the model
    assert not figure_elements(ana)
    radio = widget(ana, "radio", "Your prediction")
    assert "said" in radio.options
    _answer(ana, "said")
    assert any("Right" in t for t in seen(ana.success))
    assert figure_elements(ana)                          # revealed after answering
    assert "Is this an explanation?" in " ".join(seen(ana.markdown))
    _answer(bo, "god")
    assert any("the model's answer is “said”" in t for t in seen(bo.error))
    # a student's page never shows another student's name
    page_text = " ".join(seen([*chen.markdown, *chen.caption, *chen.info, *chen.success, *chen.error]))
    assert "Chen" in page_text and "Ana" not in page_text and "Bo" not in page_text
    # the teacher's view counts them (its live part re-reads the store)
    teacher.run()
    assert widget(teacher, "metric", "Answered").value == "2 of 3"
    assert widget(teacher, "metric", "Right").value == "50%"
    assert widget(teacher, "metric", "Common wrong answer").value == "god"
    # pacing: lock step 1 (Chen can no longer answer), move everyone to step 2
    widget(teacher, "toggle", "Lock answers").set_value(True).run()
    chen.run()
    assert not [r for r in chen.radio if r.label == "Your prediction"]
    assert any("closed this step" in t for t in seen(chen.info))
    widget(teacher, "button", "Class forward ▶").click().run()
    for at in students:
        at.run()
        assert "Step 2 of 4" in at.subheader[0].value
    # reveal to all: a student who did not answer sees the model's answer and the maps
    widget(teacher, "toggle", "Reveal to everyone").set_value(True).run()
    chen.run()
    assert any("revealed this step" in t for t in seen(chen.info)) and figure_elements(chen)
    # a student who reloads (a new session with the same link, e.g. on another replica) keeps place and answers
    again = _page(**{"class": code, "student": ana.query_params["student"]})
    assert "Step 2 of 4" in again.subheader[0].value
    assert any(e.label == "Your answers so far: 1 of 1 right" for e in again.expander)
    session = load_session(open_engine(class_db), code)
    frame = export_answers(open_engine(class_db), session)
    assert sorted(frame["student"]) == ["Ana", "Bo"] and frame["correct"].tolist().count(True) == 1
    csv = next(b for b in teacher.get("download_button") if "Export" in b.proto.label)
    assert csv is not None


def test_a_teachers_own_input_makes_a_new_question_for_everyone(class_db):
    teacher, code, secret = _teacher()
    student = _student(code, "Ana")
    before = widget(student, "radio", "Your prediction").options
    area = widget(teacher, "text_area", "Input")
    area.input("And the evening and the morning were the first day.")
    widget(teacher, "button", "Ask the class about this input").click().run()
    assert not teacher.exception
    student.run()
    after = widget(student, "radio", "Your prediction").options
    assert after != before and "even" in after


def test_wrong_links_and_bad_names_are_one_line(class_db):
    teacher, code, secret = _teacher()
    forged = _page(**{"class": code, "teacher": secret[:-2] + "xx"})
    assert seen(forged.error) == ["this teacher link is not valid (wrong class code or secret)"]
    assert not figure_elements(forged) and not [b for b in forged.button if "Class forward" in b.label]
    stranger = _page(**{"class": code, "student": "not-a-token"})
    assert any("not valid in this class" in t for t in seen(stranger.error))
    first = _student(code, "Ana")
    taken = _student(code, "Ana")
    assert any("already uses that name" in t for t in seen(taken.error))
    html = _student(code, "<img src=x onerror=alert(1)> **Bo**")
    assert not html.exception
    teacher.run()
    widget(teacher, "toggle", "Show names").set_value(True).run()
    names = teacher.dataframe[0].value["student"].tolist()
    assert "<img src=x onerror=alert(1)> **Bo**" in names      # kept as text in a data grid, never as HTML
    assert first.query_params["student"]


def test_a_bad_lesson_file_is_one_line(class_db):
    at = _page()
    at.segmented_control[0].set_value("teach").run()
    at.selectbox[0].set_value("my own lesson file").run()
    assert not at.exception and not [b for b in at.button if b.label == "Start a class session"]
