"""What a class does with the store: a teacher opens a session and paces it; students join and answer.

Plain functions on an engine (:func:`dashboard.class_store.open_engine`). Every replica calls them on the
same database, so nothing a class did lives only in one process. Teacher actions take the teacher secret
and check it against its stored hash; a student acts through the token kept in their page's URL.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, and_, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from attention_core.inputs import InputError, clean_text

from .codes import digest, matches, new_code, new_secret, normalise_code
from .engine import StoreError
from .schema import answers, class_sessions, step_states, students

MAX_NAME_CHARS = 40
MAX_STUDENTS = 300          # per class: a typo'd script cannot fill the store with students
MAX_ANSWER_CHARS = 200
BUCKET_SIZE = 5.0           # answers a student may send in a burst …
BUCKET_REFILL_S = 3.0       # … then one every 3 s (20 a minute: far above a class's pace, far below a script's)


class AccessDenied(StoreError):
    """A wrong join code, teacher secret or student token (one line, no detail about which part)."""


@dataclass(frozen=True)
class StepState:
    """A step of a session: answers closed (``locked``), map shown to all (``revealed``), teacher's input."""

    locked: bool = False
    revealed: bool = False
    input_text: str | None = None


@dataclass(frozen=True)
class ClassSession:
    """A class session as stored: its code, lesson (JSON text), the step the class is on, step states."""

    id: int
    code: str
    lesson_id: str
    lesson_json: str
    current_step: int
    show_names: bool
    steps: dict[int, StepState] = field(default_factory=dict)

    def step(self, index: int) -> StepState:
        """The state of step ``index`` (a step nobody touched is open, hidden, on the lesson's input)."""
        return self.steps.get(index, StepState())


@dataclass(frozen=True)
class Student:
    """A student of a session: id and display name."""

    id: int
    session_id: int
    name: str


@dataclass(frozen=True)
class StepSummary:
    """The class on one question: students joined, answered, answered right, answers by choice."""

    joined: int
    answered: int
    correct: int
    distribution: dict[str, int]
    common_wrong: str | None

    @property
    def share_correct(self) -> float | None:
        """Correct answers / answers (None before the first answer)."""
        return self.correct / self.answered if self.answered else None


# ---- teacher ----------------------------------------------------------------------------------------
def create_session(engine: Engine, lesson_id: str, lesson_json: str) -> tuple[str, str]:
    """Open a class session on a lesson → (join code, teacher secret). The secret is shown once."""
    secret = new_secret()
    for _ in range(5):   # a code collision is astronomically rare; try again rather than fail
        code = new_code()
        try:
            with engine.begin() as conn:
                conn.execute(insert(class_sessions).values(
                    code=code, teacher_hash=digest(secret), lesson_id=lesson_id[:80], lesson_json=lesson_json,
                    current_step=0, show_names=False, created_at=time.time()))
            return code, secret
        except IntegrityError:
            continue
    raise StoreError("could not find a free join code; try again")


def _session_row(conn, code: str):
    return conn.execute(select(class_sessions).where(class_sessions.c.code == normalise_code(code))).first()


def _session(conn, row) -> ClassSession:
    states = {r.step: StepState(bool(r.locked), bool(r.revealed), r.input_text) for r in
              conn.execute(select(step_states).where(step_states.c.session_id == row.id))}
    return ClassSession(row.id, row.code, row.lesson_id, row.lesson_json, row.current_step, bool(row.show_names),
                        states)


def load_session(engine: Engine, code: str) -> ClassSession:
    """The session with join code ``code``; :class:`AccessDenied` if there is none."""
    with engine.connect() as conn:
        row = _session_row(conn, code)
        if row is None:
            raise AccessDenied("no class with this code — check it with your teacher")
        return _session(conn, row)


def teacher_session(engine: Engine, code: str, secret: str) -> ClassSession:
    """The session when ``secret`` is its teacher's; :class:`AccessDenied` otherwise."""
    with engine.connect() as conn:
        row = _session_row(conn, code)
        if row is None or not secret or not matches(secret, row.teacher_hash):
            raise AccessDenied("this teacher link is not valid (wrong class code or secret)")
        return _session(conn, row)


def _set_step_state(engine: Engine, session: ClassSession, step: int, **values) -> None:
    current = session.step(step)
    merged = {"locked": current.locked, "revealed": current.revealed, "input_text": current.input_text, **values}
    with engine.begin() as conn:
        done = conn.execute(update(step_states).where(and_(step_states.c.session_id == session.id,
                                                           step_states.c.step == step)).values(**merged))
        if done.rowcount == 0:
            try:
                with conn.begin_nested():
                    conn.execute(insert(step_states).values(session_id=session.id, step=step, **merged))
            except IntegrityError:   # another replica inserted it first: update that row
                conn.execute(update(step_states).where(and_(step_states.c.session_id == session.id,
                                                            step_states.c.step == step)).values(**values))


def go_to_step(engine: Engine, code: str, secret: str, step: int) -> None:
    """Move the whole class to ``step`` (teacher only)."""
    session = teacher_session(engine, code, secret)
    with engine.begin() as conn:
        conn.execute(update(class_sessions).where(class_sessions.c.id == session.id).values(current_step=step))


def set_locked(engine: Engine, code: str, secret: str, step: int, locked: bool) -> None:
    """Close (or reopen) answers on ``step`` (teacher only)."""
    _set_step_state(engine, teacher_session(engine, code, secret), step, locked=locked)


def set_revealed(engine: Engine, code: str, secret: str, step: int, revealed: bool) -> None:
    """Show ``step``'s maps to every student, answered or not (teacher only)."""
    _set_step_state(engine, teacher_session(engine, code, secret), step, revealed=revealed)


def set_input(engine: Engine, code: str, secret: str, step: int, text: str | None) -> None:
    """Use the teacher's own text for ``step`` (None: the lesson's); the question is recomputed from it."""
    _set_step_state(engine, teacher_session(engine, code, secret), step, input_text=text)


def set_show_names(engine: Engine, code: str, secret: str, show: bool) -> None:
    """Whether the teacher's class view lists students by name (off by default: it may be projected)."""
    session = teacher_session(engine, code, secret)
    with engine.begin() as conn:
        conn.execute(update(class_sessions).where(class_sessions.c.id == session.id).values(show_names=show))


# ---- students ---------------------------------------------------------------------------------------
def clean_name(raw: str) -> str:
    """A display name as stored: cleaned like any user text, one line, at most 40 characters."""
    try:
        name = " ".join(clean_text(raw, MAX_NAME_CHARS * 4).text.split())
    except InputError:
        raise StoreError("type a display name (any name your teacher will recognise)") from None
    if len(name) > MAX_NAME_CHARS:
        raise StoreError(f"the name is too long (at most {MAX_NAME_CHARS} characters)")
    return name


def join(engine: Engine, code: str, name: str) -> str:
    """Join the class ``code`` as ``name`` → the student's token (kept in their URL, never shown to others)."""
    name = clean_name(name)
    session = load_session(engine, code)
    token = new_secret()
    now = time.time()
    with engine.begin() as conn:
        count = conn.execute(select(func.count()).select_from(students)
                             .where(students.c.session_id == session.id)).scalar_one()
        if count >= MAX_STUDENTS:
            raise StoreError(f"this class is full ({MAX_STUDENTS} students)")
        try:
            with conn.begin_nested():
                conn.execute(insert(students).values(session_id=session.id, name=name, token_hash=digest(token),
                                                     joined_at=now, tokens=BUCKET_SIZE, bucket_at=now))
        except IntegrityError:
            raise StoreError("someone in this class already uses that name; add an initial") from None
    return token


def student_of(engine: Engine, code: str, token: str) -> Student:
    """The student whose token is ``token`` in class ``code``; :class:`AccessDenied` otherwise."""
    with engine.connect() as conn:
        row = conn.execute(select(students).join(class_sessions, class_sessions.c.id == students.c.session_id)
                           .where(and_(class_sessions.c.code == normalise_code(code),
                                       students.c.token_hash == digest(token or "")))).first()
    if row is None:
        raise AccessDenied("this student link is not valid in this class; join again")
    return Student(row.id, row.session_id, row.name)


def submit(engine: Engine, student: Student, step: int, question_key: str, answer: str, correct: bool) -> str:
    """Store a student's answer to the question ``question_key`` of ``step`` → ``"stored"``, ``"already"``
    (the first answer counts), ``"locked"`` (the teacher closed the step or revealed its answer to everyone)
    or ``"slow down"`` (rate limit)."""
    answer = str(answer)[:MAX_ANSWER_CHARS]
    now = time.time()
    with engine.begin() as conn:
        state = conn.execute(select(step_states.c.locked, step_states.c.revealed).where(
            and_(step_states.c.session_id == student.session_id, step_states.c.step == step))).first()
        if state is not None and (state.locked or state.revealed):   # a revealed answer can't be predicted
            return "locked"
        bucket = conn.execute(select(students.c.tokens, students.c.bucket_at).where(students.c.id == student.id)
                              .with_for_update()).first()
        tokens = min(BUCKET_SIZE, bucket.tokens + (now - bucket.bucket_at) / BUCKET_REFILL_S)
        if tokens < 1:
            return "slow down"
        conn.execute(update(students).where(students.c.id == student.id).values(tokens=tokens - 1, bucket_at=now))
        try:
            with conn.begin_nested():
                conn.execute(insert(answers).values(session_id=student.session_id, student_id=student.id, step=step,
                                                    question_key=question_key, answer=answer, correct=correct,
                                                    answered_at=now))
        except IntegrityError:
            return "already"
    return "stored"


def answers_of(engine: Engine, student: Student) -> dict[tuple[int, str], tuple[str, bool]]:
    """A student's answers: (step, question key) → (answer, correct)."""
    with engine.connect() as conn:
        rows = conn.execute(select(answers.c.step, answers.c.question_key, answers.c.answer, answers.c.correct)
                            .where(answers.c.student_id == student.id))
        return {(r.step, r.question_key): (r.answer, bool(r.correct)) for r in rows}


# ---- the class view ---------------------------------------------------------------------------------
def summary(engine: Engine, session: ClassSession, step: int, question_key: str) -> StepSummary:
    """How the class answered ``step``'s current question."""
    with engine.connect() as conn:
        joined = conn.execute(select(func.count()).select_from(students)
                              .where(students.c.session_id == session.id)).scalar_one()
        rows = conn.execute(select(answers.c.answer, answers.c.correct).where(and_(
            answers.c.session_id == session.id, answers.c.step == step,
            answers.c.question_key == question_key))).all()
    distribution = Counter(r.answer for r in rows)
    wrong = Counter(r.answer for r in rows if not r.correct)
    return StepSummary(joined, len(rows), sum(bool(r.correct) for r in rows), dict(distribution.most_common()),
                       wrong.most_common(1)[0][0] if wrong else None)


def roster(engine: Engine, session: ClassSession) -> pd.DataFrame:
    """Students of the session with how many answers each gave and got right (teacher view, names on)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(students.c.name, func.count(answers.c.id).label("answers"),
                   func.coalesce(func.sum(case((answers.c.correct, 1), else_=0)), 0).label("correct"))
            .select_from(students.outerjoin(answers, answers.c.student_id == students.c.id))
            .where(students.c.session_id == session.id).group_by(students.c.id, students.c.name)
            .order_by(students.c.name)).all()
    return pd.DataFrame([(r.name, int(r.answers), int(r.correct)) for r in rows],
                        columns=["student", "answers", "correct"])


def export_answers(engine: Engine, session: ClassSession) -> pd.DataFrame:
    """Every answer of the session, one row each (step, question, student, answer, correct, time), for CSV."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(answers.c.step, answers.c.question_key, students.c.name, answers.c.answer, answers.c.correct,
                   answers.c.answered_at)
            .join(students, students.c.id == answers.c.student_id)
            .where(answers.c.session_id == session.id).order_by(answers.c.step, answers.c.answered_at)).all()
    frame = pd.DataFrame([tuple(r) for r in rows],
                         columns=["step", "question", "student", "answer", "correct", "answered_at"])
    frame["step"] = frame["step"] + 1   # people count steps from 1
    frame["answered_at"] = pd.to_datetime(frame["answered_at"], unit="s", utc=True)
    return frame
