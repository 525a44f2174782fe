"""The classroom store on SQLite and PostgreSQL: sessions, joining, graded answers, pacing, export."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, inspect

from dashboard.class_store import (AccessDenied, HEAD, StoreError, create_session, database_url, downgrade, export_answers,
                                   go_to_step, join, load_session, migrate, open_engine, revision, roster,
                                   set_input, set_locked, set_revealed, shown_code, student_of, submit, summary,
                                   teacher_session)
from dashboard.class_store.codes import CODE_ALPHABET, CODE_LENGTH, new_code
from dashboard.class_store.schema import metadata


def test_migrations_build_exactly_the_schema(engine):
    """Alembic's tables and columns are the ones schema.py declares (no drift between the two)."""
    assert revision(engine) == HEAD
    found = inspect(engine)
    for table in metadata.sorted_tables:
        assert found.has_table(table.name)
        assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns}
        assert {tuple(u["column_names"]) for u in found.get_unique_constraints(table.name)} >= \
            {tuple(c.name for c in u.columns) for u in table.constraints if u.__class__.__name__ == "UniqueConstraint"}


def test_downgrade_then_upgrade_round_trips(store_url):
    engine = open_engine(store_url)
    downgrade(engine, "base")
    assert not inspect(engine).has_table("answers")
    migrate(engine, "head")
    assert revision(engine) == HEAD and inspect(engine).has_table("answers")
    engine.dispose()


def test_a_class_from_start_to_export(engine):
    code, secret = create_session(engine, "global-vs-local", '{"id": "x"}')
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    tokens = {name: join(engine, shown_code(code).lower(), name) for name in ("Ana", "Bo", "Chen")}
    ana, bo, chen = (student_of(engine, code, tokens[n]) for n in ("Ana", "Bo", "Chen"))
    assert submit(engine, ana, 0, "q0", "said", True) == "stored"
    assert submit(engine, bo, 0, "q0", "God", False) == "stored"
    assert submit(engine, chen, 0, "q0", "God", False) == "stored"
    assert submit(engine, bo, 0, "q0", "said", True) == "already"        # the first answer counts
    s = summary(engine, load_session(engine, code), 0, "q0")
    assert (s.joined, s.answered, s.correct) == (3, 3, 1)
    assert s.distribution == {"God": 2, "said": 1} and s.common_wrong == "God"
    assert s.share_correct == pytest.approx(1 / 3)
    # pacing: the whole class moves, a locked step takes no answers, a revealed step shows to all
    go_to_step(engine, code, secret, 2)
    set_locked(engine, code, secret, 2, True)
    set_revealed(engine, code, secret, 2, True)
    set_input(engine, code, secret, 2, "Tuesday, May 5, 2026")
    session = load_session(engine, code)
    assert session.current_step == 2
    assert session.step(2).locked and session.step(2).revealed and session.step(2).input_text.startswith("Tuesday")
    assert not session.step(1).locked
    assert submit(engine, ana, 2, "q2", "A", True) == "locked"
    set_locked(engine, code, secret, 2, False)
    assert submit(engine, ana, 2, "q2", "A", True) == "locked"       # still revealed: nothing left to predict
    set_revealed(engine, code, secret, 2, False)
    assert submit(engine, ana, 2, "q2", "A", True) == "stored"
    frame = export_answers(engine, session)
    assert len(frame) == 4 and set(frame["student"]) == {"Ana", "Bo", "Chen"}
    assert frame["step"].tolist() == [1, 1, 1, 3]     # people count steps from 1
    assert roster(engine, session).set_index("student")["correct"].to_dict() == {"Ana": 2, "Bo": 0, "Chen": 0}


def test_teacher_actions_need_the_secret_and_students_their_token(engine):
    code, secret = create_session(engine, "l", "{}")
    with pytest.raises(AccessDenied):
        teacher_session(engine, code, secret + "x")
    with pytest.raises(AccessDenied):
        go_to_step(engine, code, "", 1)
    with pytest.raises(AccessDenied):
        set_revealed(engine, code, "guess", 0, True)
    with pytest.raises(AccessDenied):
        join(engine, new_code(), "Ana")                  # no such class
    join(engine, code, "Ana")
    with pytest.raises(AccessDenied):
        student_of(engine, code, "not-a-token")
    other, _ = create_session(engine, "l", "{}")
    token = join(engine, other, "Bo")
    with pytest.raises(AccessDenied):                    # a token of another class
        student_of(engine, code, token)


def test_names_are_cleaned_unique_and_bounded(engine):
    code, _ = create_session(engine, "l", "{}")
    token = join(engine, code, "  Ana\u202e  Maria ")    # a bidi override and extra spaces go
    assert student_of(engine, code, token).name == "Ana Maria"
    with pytest.raises(StoreError, match="already uses that name"):
        join(engine, code, "Ana Maria")
    with pytest.raises(StoreError, match="display name"):
        join(engine, code, "   ")
    with pytest.raises(StoreError, match="too long"):
        join(engine, code, "x" * 41)


def test_answers_are_rate_limited_per_student(engine):
    code, _ = create_session(engine, "l", "{}")
    student = student_of(engine, code, join(engine, code, "Ana"))
    outcomes = [submit(engine, student, step, "q", "a", False) for step in range(8)]
    assert outcomes[:5] == ["stored"] * 5 and set(outcomes[5:]) == {"slow down"}
    other = student_of(engine, code, join(engine, code, "Bo"))   # the limit is per student
    assert submit(engine, other, 0, "q", "a", False) == "stored"


def test_thirty_students_on_two_replicas_lose_no_answer(store_url):
    """Two engines (two replicas' pools) write 30 students' answers at once: every answer is stored once."""
    first, second = open_engine(store_url), create_engine(database_url(store_url))
    code, _ = create_session(first, "l", "{}")
    students = [student_of(first, code, join(first, code, f"student {i}")) for i in range(30)]
    outcomes: list[str] = []

    def answer(i: int) -> None:
        engine = first if i % 2 else second
        for step in range(3):
            outcomes.append(submit(engine, students[i], step, f"q{step}", str(i % 4), i % 4 == 0))

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("stored") == 90
    assert len(export_answers(first, load_session(first, code))) == 90
    second.dispose()
    first.dispose()


def test_an_unreachable_database_is_one_line_without_its_password():
    with pytest.raises(StoreError) as err:
        open_engine("postgresql://teacher:hunter2@127.0.0.1:1/atlas")
    message = str(err.value)
    assert "cannot be reached" in message and "hunter2" not in message and "\n" not in message


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url at all"])
def test_other_databases_are_refused_in_one_line(url):
    with pytest.raises(StoreError):
        database_url(url)
