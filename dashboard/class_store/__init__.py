"""The classroom store: class sessions, students and their graded answers in SQLite or PostgreSQL.

No Streamlit here: the Classroom page and the load benchmark call these functions; every replica of a
deployment opens the same database (:data:`DB_ENV`).
"""
from .codes import new_code, normalise_code, shown_code
from .engine import DB_ENV, HEAD, StoreError, database_url, downgrade, migrate, open_engine, revision, shown
from .store import (AccessDenied, ClassSession, StepState, StepSummary, Student, answers_of, clean_name,
                    create_session, export_answers, go_to_step, join, load_session, roster, set_input, set_locked,
                    set_revealed, set_show_names, student_of, submit, summary, teacher_session)

__all__ = ["DB_ENV", "HEAD", "AccessDenied", "ClassSession", "StepState", "StepSummary", "StoreError", "Student",
           "answers_of", "clean_name", "create_session", "database_url", "downgrade", "export_answers", "go_to_step",
           "join",
           "load_session", "migrate", "new_code", "normalise_code", "open_engine", "revision", "roster",
           "set_input", "set_locked", "set_revealed", "set_show_names", "shown", "shown_code", "student_of",
           "submit", "summary", "teacher_session"]
