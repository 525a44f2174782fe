"""The classroom store's tables (SQLAlchemy Core): class sessions, their steps, students and answers.

The migrations in ``migrations/versions`` create exactly these tables; a test compares the two.
"""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

# One class session: its join code, the teacher secret's hash (never the secret), the lesson as JSON (so a
# teacher's own lesson file reaches every replica), the step the class is on.
class_sessions = Table(
    "class_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("teacher_hash", String(64), nullable=False),
    Column("lesson_id", String(80), nullable=False),
    Column("lesson_json", Text, nullable=False),
    Column("current_step", Integer, nullable=False, default=0),
    Column("show_names", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

# Per step of a session: answers closed (locked), map shown to everyone (revealed), the teacher's own input.
step_states = Table(
    "step_states", metadata,
    Column("session_id", Integer, ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("step", Integer, primary_key=True),
    Column("locked", Boolean, nullable=False, default=False),
    Column("revealed", Boolean, nullable=False, default=False),
    Column("input_text", Text, nullable=True),
)

# A student: a display name and the hash of the token kept in their URL (no accounts). The token bucket
# (tokens, bucket_at) rate-limits their answers across every replica.
students = Table(
    "students", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(40), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("joined_at", Float, nullable=False),
    Column("tokens", Float, nullable=False),
    Column("bucket_at", Float, nullable=False),
    UniqueConstraint("session_id", "name", name="uq_students_session_name"),
)

# One answer per student and question (``question_key`` changes when the teacher changes a step's input).
answers = Table(
    "answers", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("student_id", Integer, ForeignKey("students.id", ondelete="CASCADE"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("question_key", String(64), nullable=False),
    Column("answer", String(200), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("answered_at", Float, nullable=False),
    UniqueConstraint("student_id", "step", "question_key", name="uq_answers_student_question"),
    Index("ix_answers_session_step", "session_id", "step"),
)
