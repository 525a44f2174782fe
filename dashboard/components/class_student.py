"""A student in a class session: join with the code and a name, then predict each step before it is shown.

The student's token and class code live in the page's URL (``?class=…&student=…``): a reload, or a new
replica after one died, finds the student, their place and their answers in the shared store.
"""
from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from dashboard.class_store import (ClassSession, StoreError, Student, answers_of, join, load_session,
                                   shown_code, student_of, submit)

from .class_access import POLL_SECONDS, lesson_from_json, question_or_error
from .presentation import md_escape
from .question_panel import ask_panel, reveal_panel, step_header

OUTCOMES = {"already": "Your first answer counts; it is shown below.",
            "locked": "The teacher has closed this step; your answer was not recorded.",
            "slow down": "Too many answers at once — wait a few seconds and submit again."}


def join_form(engine: Engine) -> None:
    """The join form: class code and display name (no account); on success the URL keeps the student."""
    st.markdown("Type the code your teacher shows and a name they will recognise. No account is needed; "
                "only your teacher sees names.")
    with st.form("class-join"):
        code = st.text_input("Class code", max_chars=12, placeholder="K7PX-M2QD")
        name = st.text_input("Your name", max_chars=40)
        go = st.form_submit_button("Join the class", type="primary")
    if go:
        try:
            token = join(engine, code, name)
        except StoreError as exc:
            st.error(md_escape(str(exc)))
            return
        st.query_params.update({"class": load_session(engine, code).code, "student": token})
        st.rerun()


def _place(engine: Engine, code: str, token: str) -> tuple[ClassSession, Student] | None:
    try:
        return load_session(engine, code), student_of(engine, code, token)
    except StoreError as exc:
        st.error(md_escape(str(exc)))
        if st.button("Join again"):
            st.query_params.clear()
            st.rerun()
        return None


def student_view(engine: Engine, code: str, token: str) -> None:
    """The joined student's page: the class's current step, re-read from the store every few seconds."""
    found = _place(engine, code, token)
    if found is None:
        return
    session, student = found
    st.caption(md_escape(f"You are “{student.name}” in class {shown_code(session.code)}. Your place is kept in "
                         "this page's address: reload it any time."))
    _follow(engine, session.code, pacing(session))
    _step(engine, session, student)
    _my_answers(engine, student, lesson_from_json(session.lesson_json))


def pacing(session: ClassSession) -> tuple:
    """What the teacher controls about the page a student sees: the step and its state."""
    return (session.current_step, session.step(session.current_step))


@st.fragment(run_every=POLL_SECONDS)
def _follow(engine: Engine, code: str, drawn: tuple) -> None:
    """Re-read the teacher's pacing every few seconds; redraw the page only when it changed (a full redraw
    every poll would re-send every chart)."""
    try:
        now = pacing(load_session(engine, code))
    except StoreError:   # the store is briefly unreachable: keep the page, look again at the next poll
        return
    if now != drawn:
        st.rerun()


def _step(engine: Engine, session: ClassSession, student: Student) -> None:
    lesson = lesson_from_json(session.lesson_json)
    index = min(session.current_step, len(lesson.steps) - 1)
    step, state = lesson.steps[index], session.step(index)
    text = state.input_text or step.input
    step_header(index, len(lesson.steps), step, text)
    q = question_or_error(session.lesson_json, index, state.input_text)
    if q is None:
        return
    key = f"class-{session.code}-{index}-{q.key}"
    mine = answers_of(engine, student).get((index, q.key))
    if mine is None and not (state.locked or state.revealed):
        chosen = ask_panel(q, key)
        if chosen is None:
            return
        outcome = submit(engine, student, index, q.key, chosen, q.grade(chosen))
        if outcome == "stored":
            st.rerun()   # redraw without the question: the graded answer and the maps replace it
        st.warning(OUTCOMES[outcome])
        mine = answers_of(engine, student).get((index, q.key))
        if mine is None:
            return
    if mine is not None:
        reveal_panel(q, step, key, chosen=mine[0])
    elif state.revealed:
        st.info("Your teacher revealed this step to the class.")
        reveal_panel(q, step, key)
    else:
        st.info("Your teacher has closed this step. Wait for the next one.")
    if index == len(lesson.steps) - 1 and mine is not None:
        st.caption("That was the last step of this lesson.")


def _my_answers(engine: Engine, student: Student, lesson) -> None:
    """The student's own graded answers so far (nobody else's)."""
    mine = answers_of(engine, student)
    if not mine:
        return
    right = sum(ok for _, ok in mine.values())
    with st.expander(f"Your answers so far: {right} of {len(mine)} right"):
        for (step, _key), (answer, ok) in sorted(mine.items()):
            title = lesson.steps[step].title if step < len(lesson.steps) else f"step {step + 1}"
            st.markdown(md_escape(f"{'✓' if ok else '✗'} Step {step + 1} · {title}: “{answer}”"))
