"""The Classroom's access to the class store and to lesson questions, cached per server process."""
from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from attention_core.lessons import Lesson, LessonError, Question, ask, read_lesson
from dashboard.class_store import StoreError, database_url, open_engine

from .presentation import md_escape

POLL_SECONDS = 2.0   # how often a class view re-reads the store (teacher pacing, answers coming in)


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return open_engine(url)


def class_store() -> Engine | None:
    """The store every replica shares (``$ATTENTION_ATLAS_CLASS_DB``, else SQLite); None after one error line."""
    try:
        return _engine(database_url())
    except StoreError as exc:
        st.error(md_escape(str(exc)))
        return None


@st.cache_data(max_entries=64, show_spinner=False)
def lesson_from_json(lesson_json: str) -> Lesson:
    """A stored lesson, parsed once per process."""
    return read_lesson(lesson_json)


@st.cache_data(max_entries=256, show_spinner="Asking the model…")
def question(lesson_json: str, step: int, text: str | None) -> Question:
    """Step ``step``'s question on ``text`` (None: the lesson's input) — computed once per server, not per
    student: a class of thirty asks the model once."""
    return ask(lesson_from_json(lesson_json).steps[step], text)


def question_or_error(lesson_json: str, step: int, text: str | None) -> Question | None:
    """The question, or None after one error line (a model that is unavailable, an input it cannot read)."""
    try:
        return question(lesson_json, step, text)
    except LessonError as exc:
        st.error(md_escape(f"This step cannot be asked: {exc}"))
        return None
