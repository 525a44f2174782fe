"""The teacher's side of a class session: start it on a lesson, pace it, watch answers arrive, export them.

The teacher link carries the class code and the teacher secret (``?class=…&teacher=…``); the store keeps
only the secret's hash, and every control checks it. Names are hidden until the teacher shows them, since
the class view is often projected.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from attention_core.lessons import Lesson, LessonError, read_lesson, shipped_lessons
from dashboard.class_store import (ClassSession, StoreError, create_session, export_answers, go_to_step,
                                   load_session, roster, set_input, set_locked, set_revealed, set_show_names,
                                   shown_code, summary, teacher_session)
from dashboard.views.labels import safe

from .class_access import POLL_SECONDS, lesson_from_json, question_or_error
from .exports import spreadsheet_safe
from .figures import show_figure
from .presentation import md_escape
from .tables import show_table
from .question_panel import reveal_panel, step_header


def start_form(engine: Engine) -> None:
    """Choose a shipped lesson or upload one (YAML/JSON), then open a class session on it."""
    lessons = {lesson.id: lesson for lesson in shipped_lessons()}
    own = "Upload my own lesson (YAML or JSON)"
    pick = st.selectbox("Lesson", [*lessons, "my own lesson file"],
                        format_func=lambda i: lessons[i].title if i in lessons else own)
    lesson: Lesson | None = lessons.get(pick)
    if lesson is None:
        upload = st.file_uploader("Lesson file", type=["yaml", "yml", "json"], key="class-lesson-upload",
                                  help="Steps with an input, the models and a question kind; see docs/lessons.md")
        if upload is None:
            return
        try:
            lesson = read_lesson(upload.getvalue())
        except LessonError as exc:
            st.error(md_escape(f"{upload.name}: {exc}"))
            return
    st.markdown(md_escape(lesson.summary))
    st.caption(f"{len(lesson.steps)} steps: " + md_escape(" · ".join(s.title for s in lesson.steps)))
    if st.button("Start a class session", type="primary"):
        try:
            code, secret = create_session(engine, lesson.id, lesson.to_json())
        except StoreError as exc:
            st.error(md_escape(str(exc)))
            return
        st.query_params.update({"class": code, "teacher": secret})
        st.rerun()


def _controls(engine: Engine, session: ClassSession, secret: str, lesson: Lesson) -> int:
    """Pacing: previous / next step for everyone, lock, reveal to all, the teacher's own input → the step."""
    index = min(session.current_step, len(lesson.steps) - 1)
    state = session.step(index)
    left, middle, right = st.columns([1, 4, 1])
    if left.button("◀ Class back", disabled=index == 0):
        go_to_step(engine, session.code, secret, index - 1)
        st.rerun()
    if right.button("Class forward ▶", disabled=index == len(lesson.steps) - 1):
        go_to_step(engine, session.code, secret, index + 1)
        st.rerun()
    middle.progress((index + 1) / len(lesson.steps), text=f"The class is on step {index + 1} of {len(lesson.steps)}")
    c1, c2, c3 = st.columns(3)
    locked = c1.toggle("Lock answers", value=state.locked, key=f"lock-{index}",
                       help="Students can no longer answer this step")
    revealed = c2.toggle("Reveal to everyone", value=state.revealed, key=f"reveal-{index}",
                         help="Every student sees the model's answer and the maps (answers close)")
    names = c3.toggle("Show names", value=session.show_names, key="show-names",
                      help="List students by name below (off while the view is projected)")
    if locked != state.locked:
        set_locked(engine, session.code, secret, index, locked)
    if revealed != state.revealed:
        set_revealed(engine, session.code, secret, index, revealed)
    if names != session.show_names:
        set_show_names(engine, session.code, secret, names)
    step = lesson.steps[index]
    if step.takes_text:
        with st.expander("Use my own input for this step (the question is recomputed from it)"):
            with st.form(f"own-input-{index}"):
                mine = st.text_area("Input", value=state.input_text or step.input or "", max_chars=2000)
                use, back = st.columns(2)
                apply_it = use.form_submit_button("Ask the class about this input")
                reset = back.form_submit_button("Back to the lesson's input")
            if apply_it or reset:
                set_input(engine, session.code, secret, index, None if reset or mine.strip() == (step.input or "")
                          else mine.strip())
                st.rerun()
    return index


def distribution_figure(distribution: dict[str, int], answer: str) -> go.Figure:
    """Answers by choice, the model's answer in green."""
    labels = list(distribution)
    fig = go.Figure(go.Bar(x=[safe(a) for a in labels], y=[distribution[a] for a in labels],
                           marker_color=["#2aa198" if a == answer else "#b58900" for a in labels],
                           hovertemplate="%{x}: %{y} students<extra></extra>"))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), title="Answers so far",
                      yaxis=dict(title="students", dtick=1), xaxis=dict(type="category"))
    return fig


def steps_table(engine: Engine, session: ClassSession, last: int) -> pd.DataFrame:
    """Every step up to ``last``: answered, share right, the common wrong answer (questions are cached)."""
    lesson = lesson_from_json(session.lesson_json)
    rows = []
    for i in range(last + 1):
        q = question_or_error(session.lesson_json, i, session.step(i).input_text)
        if q is None:
            continue
        s = summary(engine, session, i, q.key)
        rows.append({"step": f"{i + 1} · {lesson.steps[i].title}", "answered": f"{s.answered} of {s.joined}",
                     "right": None if s.share_correct is None else round(100 * s.share_correct),
                     "common wrong answer": s.common_wrong or "", "model's answer": q.answer})
    return pd.DataFrame(rows)


@st.fragment(run_every=POLL_SECONDS)
def live_class(engine: Engine, code: str, secret: str, index: int) -> None:
    """Live, re-read every few seconds: how many answered, the share right, the common wrong answer."""
    try:
        session = teacher_session(engine, code, secret)
    except StoreError as exc:
        st.warning(md_escape(str(exc)))
        return
    q = question_or_error(session.lesson_json, index, session.step(index).input_text)
    if q is None:
        return
    s = summary(engine, session, index, q.key)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Joined", s.joined)
    m2.metric("Answered", f"{s.answered} of {s.joined}")
    m3.metric("Right", "–" if s.share_correct is None else f"{s.share_correct:.0%}")
    m4.metric("Common wrong answer", s.common_wrong or "–")
    if s.distribution:
        show_figure(distribution_figure(s.distribution, q.answer), key=f"class-distribution-{index}")
        st.caption("Green: the model's answer. Amber: other answers.")
    if index > 0:
        show_table(steps_table(engine, session, index))
    if session.show_names:
        show_table(roster(engine, session))
    # inside the live part, so the file always holds every answer stored so far
    frame = export_answers(engine, session)
    st.download_button("Export every answer (CSV)", spreadsheet_safe(frame).to_csv(index=False).encode("utf-8"),
                       file_name=f"class-{session.code}-answers.csv", mime="text/csv", key="class-export",
                       help=f"{len(frame)} answers so far: step, question, student, answer, correct, time")


def teacher_view(engine: Engine, code: str, secret: str) -> None:
    """The teacher's page for a running session (the link must carry the right secret)."""
    try:
        session = teacher_session(engine, code, secret)
    except StoreError as exc:
        st.error(md_escape(str(exc)))
        return
    lesson = lesson_from_json(session.lesson_json)
    st.markdown(f"### {md_escape(lesson.title)}")
    st.metric("Students join with the code", shown_code(session.code))
    st.caption("Students open the Classroom page, choose “Join a class” and type this code. This page's address "
               "is your teacher link: it holds the secret that controls the class — do not project it or share it.")
    index = _controls(engine, session, secret, lesson)
    session = load_session(engine, code)
    step, state = lesson.steps[index], session.step(index)
    st.divider()
    step_header(index, len(lesson.steps), step, state.input_text or step.input)
    live_class(engine, session.code, secret, index)
    q = question_or_error(session.lesson_json, index, state.input_text)
    if q is not None:
        with st.expander("The question and the model's answer (not shown to students until they answer)"):
            st.markdown(md_escape(q.prompt))
            st.caption("Choices: " + md_escape(" · ".join(q.choices)))
            reveal_panel(q, step, key=f"teacher-{index}-{q.key}")
