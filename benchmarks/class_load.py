"""Class-session load: students answering at once through the replicas on PostgreSQL, one replica killed.

    python -m benchmarks.load --lesson                      # 30 students, 2 replicas, PostgreSQL started here
    python -m benchmarks.load --lesson --database postgresql://user@host/db

A fresh PostgreSQL server (Debian's package, in a temporary folder) backs a two-replica deployment. The
teacher opens a session on the global-vs-local lesson; every student joins, opens their class link through
the proxy (a browserless Streamlit client) and answers each step after a short think. The teacher's view is
re-run every 2 s, as the browser's live part does, and the latency of an answer is the time from the
student's "Submit" to the first teacher view whose count includes it. Halfway through the second step one
replica is killed (SIGKILL): its students reconnect through the proxy (nginx sends them to the other
replica) with the same link and go on. At the end every student's answers are counted in the database.
"""
from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import func, select

from attention_core.lessons import shipped_lessons
from dashboard.class_store import create_session, go_to_step, join, open_engine
from dashboard.class_store.local_postgres import local_postgres
from dashboard.class_store.schema import answers
from dashboard.classroom import classroom
from dashboard.components.class_access import POLL_SECONDS
from dashboard.session_client import ProtocolError, StreamlitSession

PAGE = "classroom"
STEPS = 2          # steps answered (the second one has the replica killed during it)


@dataclass
class ClassRun:
    """What one run measured."""

    students: int
    replicas: int
    sent: dict[tuple[int, int], float] = field(default_factory=dict)      # (student, step) → Submit sent
    submit_seconds: list[float] = field(default_factory=list)
    seen: list[tuple[float, int, int]] = field(default_factory=list)     # (time, step, answered count)
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)
    killed_at: float | None = None
    stored: int = 0
    wall: float = 0.0


async def _page(url: str, query: dict[str, str], timeout: float) -> StreamlitSession:
    session = StreamlitSession(url, PAGE, timeout=timeout, query=urlencode(query))
    await session.connect()
    await session.open()
    return session


async def _student(i: int, url: str, code: str, token: str, step_now, run: ClassRun, think: tuple[float, float],
                   timeout: float) -> None:
    rng = random.Random(i)
    query = {"class": code, "student": token}
    session = await _page(url, query, timeout)
    try:
        for step in range(STEPS):
            while step_now() < step:                  # the page's follow poll, every 2 s as in the browser
                await asyncio.sleep(POLL_SECONDS)
            await asyncio.sleep(rng.uniform(*think))
            for attempt in range(3):
                try:
                    await session._rerun()
                    radio = session.widgets.get(("radio", "Your prediction"))
                    if radio is None:                  # answered before a reconnect: the page shows the reveal
                        break
                    await session.set_value("radio", "Your prediction", rng.choice(radio.options))
                    run.sent[(i, step)] = time.monotonic()
                    result = await session.click("Submit my prediction")
                    run.submit_seconds.append(result.seconds)
                    run.errors += [f"student {i}: {e.splitlines()[0][:120]}" for e in result.exceptions]
                    break
                except (ProtocolError, OSError, LookupError):
                    # the replica died under us: reconnect through the proxy with the same link
                    run.reconnects += 1
                    await session.close()
                    await asyncio.sleep(0.5)
                    try:
                        session = await _page(url, query, timeout)
                    except (ProtocolError, OSError) as again:
                        run.errors.append(f"student {i}: reconnect failed: {again}")
                        if attempt == 2:
                            raise
            else:
                run.errors.append(f"student {i}: step {step} not answered after 3 attempts")
    finally:
        await session.close()


async def _teacher(url: str, code: str, secret: str, step_now, run: ClassRun, stop: asyncio.Event,
                   timeout: float) -> None:
    query = {"class": code, "teacher": secret}
    session = await _page(url, query, timeout)
    try:
        while not stop.is_set():
            try:
                await session._rerun()
                answered = session.metrics.get("Answered", "0 of 0").split(" of ")[0]
                run.seen.append((time.monotonic(), step_now(), int(answered)))
            except (ProtocolError, OSError):
                run.reconnects += 1
                await session.close()
                await asyncio.sleep(0.5)
                session = await _page(url, query, timeout)
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await session.close()


def _latencies(run: ClassRun) -> list[float]:
    """Per answer: Submit sent → the first teacher view of that step counting it (answers ranked by send)."""
    out = []
    for step in range(STEPS):
        sends = sorted(t for (s_i, s), t in run.sent.items() if s == step)
        views = [(t, n) for t, s, n in run.seen if s == step]
        for rank, sent in enumerate(sends, start=1):
            shown = next((t for t, n in views if n >= rank and t >= sent), None)
            if shown is not None:
                out.append(shown - sent)
    return out


async def _lesson(url: str, dep, db: str, students: int, think: tuple[float, float], timeout: float,
                  kill: bool) -> ClassRun:
    run = ClassRun(students, len(dep.replicas))
    engine = open_engine(db)
    lesson = shipped_lessons()[0]
    code, secret = create_session(engine, lesson.id, lesson.to_json())
    tokens = [join(engine, code, f"student {i + 1}") for i in range(students)]
    current = {"step": 0}
    step_now = lambda: current["step"]   # noqa: E731
    # the question of each step computed once per replica before the class starts (as a teacher's preview does)
    for replica in dep.replica_urls:
        for step in range(STEPS):
            go_to_step(engine, code, secret, step)
            warm = await _page(replica, {"class": code, "teacher": secret}, timeout)
            await warm.close()
    go_to_step(engine, code, secret, 0)
    stop = asyncio.Event()
    start = time.monotonic()
    teacher = asyncio.create_task(_teacher(url, code, secret, step_now, run, stop, timeout))
    tasks = [asyncio.create_task(_student(i, url, code, t, step_now, run, think, timeout))
             for i, t in enumerate(tokens)]

    async def pace() -> None:
        while sum(1 for (_, s) in run.sent if s == 0) < students:
            await asyncio.sleep(0.2)
        await asyncio.sleep(POLL_SECONDS * 2)           # the teacher looks at the answers, then moves on
        go_to_step(engine, code, secret, 1)
        current["step"] = 1
        if kill:
            while sum(1 for (_, s) in run.sent if s == 1) < students // 2:
                await asyncio.sleep(0.05)
            os.kill(dep.replicas[0].pid, signal.SIGKILL)   # mid-step: half the class has answered
            run.killed_at = time.monotonic() - start

    pacer = asyncio.create_task(pace())
    results = await asyncio.gather(*tasks, return_exceptions=True)
    run.errors += [f"student task: {type(r).__name__}: {r}" for r in results if isinstance(r, Exception)]
    await asyncio.sleep(POLL_SECONDS * 2)               # let the teacher's view catch the last answers
    stop.set()
    await asyncio.gather(teacher, pacer, return_exceptions=True)
    run.wall = time.monotonic() - start
    with engine.connect() as conn:
        run.stored = conn.execute(select(func.count()).select_from(answers)).scalar_one()
    engine.dispose()
    return run


def measure_class(students: int = 30, replicas: int = 2, database: str | None = None,
                  think: tuple[float, float] = (1.0, 3.0), timeout: float = 120.0, kill: bool = True) -> ClassRun:
    """One lesson on a fresh deployment (and a fresh PostgreSQL unless ``database`` is given)."""
    def go(db: str) -> ClassRun:
        with classroom(replicas, warm=False, database=db) as dep:
            return asyncio.run(_lesson(dep.url, dep, db, students, think, timeout, kill))
    if database:
        return go(database)
    with local_postgres() as db:
        return go(db)


def table(run: ClassRun) -> pd.DataFrame:
    """The benchmark's one-row table."""
    lat = _latencies(run)
    q = lambda v, p: float(pd.Series(v).quantile(p)) if v else float("nan")   # noqa: E731
    expected = run.students * STEPS
    return pd.DataFrame([{
        "students": run.students, "replicas": run.replicas, "store": "PostgreSQL",
        "answers sent": len(run.sent), "answers stored": run.stored, "lost": expected - run.stored,
        "seen by the teacher's view": len(lat),
        "answer → teacher view p50 (s)": statistics.median(lat) if lat else float("nan"),
        "p95 (s)": q(lat, 0.95), "max (s)": max(lat, default=float("nan")),
        "Submit run p95 (s)": q(run.submit_seconds, 0.95),
        "replica killed at (s)": run.killed_at, "reconnects": run.reconnects, "errors": len(run.errors),
        "wall (s)": run.wall, "teacher poll (s)": POLL_SECONDS}])
