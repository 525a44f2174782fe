"""Long work off the script thread: a progress bar, and cancelled when nobody waits for it any more.

A page asks for a result with :func:`in_background`; the work runs in a thread of its own and the page shows a
progress bar until it is done (a fragment polls it). The work is cancelled — at its next :meth:`Job.check`,
which the work calls between steps — when

* the same slot asks for other work (the session reran with another input or option),
* a script run of the session ends without asking for it (the user switched it off or left the page),
* nobody has polled it for :data:`HEARTBEAT` seconds (the browser tab closed or the replica lost it),
* it runs past the budget's seconds (one line says so).

Finished results are kept per content key across sessions (a small LRU), so a rerun never computes twice.
"""
from __future__ import annotations

import atexit
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterator

import streamlit as st

HEARTBEAT = 10.0        # seconds without a poll after which the work is abandoned
POLL = 0.5              # seconds between progress polls in the browser
QUICK = 1.0             # seconds a run that starts work waits for it before drawing a progress bar
KEPT_RESULTS = 32       # finished results shared by sessions
JOBS_KEY, CLAIMED_KEY = "_background_jobs", "_background_claimed"


class Cancelled(Exception):
    """Raised inside the work by :meth:`Job.check` once the job is cancelled; carries the reason."""


class Failed(Exception):
    """Raised by the work with the one line to show as it is (the input's fault, said in its words)."""


@dataclass(eq=False)   # compared and hashed by identity: jobs sit in a set
class Job:
    """One piece of work in its thread: progress, cancellation and its outcome."""

    key: Hashable
    seconds: float
    started: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    fraction: float = 0.0
    note: str = ""
    result: Any = None
    error: str | None = None
    reason: str | None = None            # why it was cancelled
    done: threading.Event = field(default_factory=threading.Event)
    _cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def cancel(self, reason: str) -> None:
        """Ask the work to stop at its next check."""
        if not self._cancel.is_set():
            self.reason = reason
            self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once cancellation was asked for."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Called by the work between steps: raise :class:`Cancelled` when it should stop."""
        now = time.monotonic()
        if now - self.started > self.seconds:
            self.cancel(f"stopped after {self.seconds:.0f} s, this server's time budget for one request")
        elif now - self.seen > HEARTBEAT:
            self.cancel("nobody is waiting for it any more")
        if self._cancel.is_set():
            raise Cancelled(self.reason or "cancelled")

    def report(self, fraction: float, note: str = "") -> None:
        """Progress from the work (0–1) and what it is doing; also a cancellation point."""
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        self.note = note or self.note
        self.check()


@contextmanager
def counted_passes(model: Any, job: Job, total: int, note: str, before: int = 0) -> Iterator[None]:
    """While active, every forward pass of ``model`` (a torch module) in this thread reports progress to ``job``
    — the examples it runs, after ``before`` already run, out of about ``total`` — and is a cancellation point.
    Other threads (sessions sharing the model) are not counted."""
    owner, seen = threading.get_ident(), [before]

    def tick(module: Any, args: tuple) -> None:
        if threading.get_ident() == owner:
            first = args[0] if args else None
            seen[0] += int(first.shape[0]) if hasattr(first, "shape") and first.dim() else 1
            job.report(min(0.99, seen[0] / max(total, 1)), f"{note}: {seen[0]:,} of about {total:,} model runs")

    handle = model.register_forward_pre_hook(tick)
    try:
        yield
    finally:
        handle.remove()


_results: "OrderedDict[Hashable, Any]" = OrderedDict()
_results_lock = threading.Lock()
_running: "set[Job]" = set()            # every live job in this process (benchmarks and tests read it)


@atexit.register
def _stop_all(wait: float = 30.0) -> None:
    """At exit, stop every job and let it end its current model run: a thread killed inside torch aborts the
    whole process ("terminate called without an active exception")."""
    jobs = list(_running)
    for job in jobs:
        job.cancel("the server is stopping")
    deadline = time.monotonic() + wait
    for job in jobs:
        if job.thread is not None:
            job.thread.join(max(0.0, deadline - time.monotonic()))


def running_jobs() -> list[Job]:
    """The background jobs running in this process now."""
    return [j for j in list(_running) if not j.done.is_set()]


def _keep(key: Hashable, value: Any) -> None:
    with _results_lock:
        _results[key] = value
        _results.move_to_end(key)
        while len(_results) > KEPT_RESULTS:
            _results.popitem(last=False)


def finished(key: Hashable) -> tuple[bool, Any]:
    """``(True, result)`` when work with this key finished in this process before, else ``(False, None)``."""
    with _results_lock:
        if key in _results:
            _results.move_to_end(key)
            return True, _results[key]
    return False, None


def start(key: Hashable, work: Callable[["Job"], Any], seconds: float) -> Job:
    """Run ``work(job)`` in a daemon thread; its result is kept under ``key`` when it finishes."""
    job = Job(key, seconds)

    def target() -> None:
        try:
            job.result = work(job)
            _keep(key, job.result)
        except Cancelled:
            pass
        except Failed as exc:
            job.error = str(exc)
        except Exception as exc:    # the page shows one line; the worker thread must not die noisily
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            job.error = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        finally:
            job.fraction = 1.0 if job.error is None and not job.cancelled else job.fraction
            job.done.set()
            _running.discard(job)

    job.thread = threading.Thread(target=target, name=f"atlas-job-{hash(key) & 0xffff:04x}", daemon=True)
    _running.add(job)
    job.thread.start()
    return job


# -------------------------------------------------------------------------------------- per session
def _jobs() -> dict[str, Job]:
    return st.session_state.setdefault(JOBS_KEY, {})


def begin_run() -> None:
    """Called at the start of every full script run: no slot has asked for its work yet."""
    st.session_state[CLAIMED_KEY] = set()


def end_run() -> None:
    """Called when a full script run ends: work no slot asked for in it is cancelled (switched off, page left)."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException
    try:
        claimed = st.session_state.get(CLAIMED_KEY, set())
        jobs = _jobs()
    except StopException:
        # the run ended in st.stop() (a page waiting for its work stops there): while that stop is pending the
        # public session state raises StopException again, so read the state underneath it
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        state = get_script_run_ctx().session_state._state
        claimed = state[CLAIMED_KEY] if CLAIMED_KEY in state else set()
        jobs = state[JOBS_KEY] if JOBS_KEY in state else {}
    for slot in [s for s in jobs if s not in claimed]:
        jobs.pop(slot).cancel("the page no longer asks for it")


def in_background(slot: str, key: Hashable, work: Callable[[Job], Any], *, seconds: float,
                  label: str) -> tuple[Any, str | None]:
    """The result of ``work`` for ``key`` in this session's ``slot``: ``(result, None)`` once done,
    ``(None, error line)`` if it failed or was stopped; while it runs, a progress bar is drawn and the script
    stops here (later elements wait for the result)."""
    st.session_state.setdefault(CLAIMED_KEY, set()).add(slot)
    jobs = _jobs()
    known, value = finished(key)
    job = jobs.get(slot)
    if job is not None and job.key != key:
        job.cancel("the input changed")
        jobs.pop(slot)
        job = None
    if known:
        return value, None
    if job is not None and job.done.is_set() and job.cancelled:
        if not st.button("Try again", key=f"{slot}-again"):
            return None, f"{job.reason}."
        job = None
    fresh = job is None
    if fresh:
        job = jobs[slot] = start(key, work, seconds)
    job.seen = time.monotonic()
    if fresh:
        # quick work appears in this run, without a progress bar flashing by; work already under way in an
        # earlier run is not waited for again, or every rerun meanwhile (a toggle, presentation mode) would
        # take a second longer
        job.done.wait(QUICK)
    if job.done.is_set():
        return (None, job.error) if job.error else (job.result, None)
    _progress(slot, job, label)
    st.stop()
    return None, None   # not reached


def _timing(job: Job) -> str:
    """``"12 s; about 3 min left at this pace, but the budget stops it at 60 s"``."""
    elapsed = time.monotonic() - job.started
    said = f"{elapsed:.0f} s"
    if job.fraction > 0.01 and elapsed > 2:
        left = elapsed * (1 - job.fraction) / job.fraction
        pace = f"about {left / 60:.0f} min" if left > 90 else f"about {left:.0f} s"
        over = elapsed + left > job.seconds
        said += f"; {pace} left at this pace" + (f", but the time budget stops it at {job.seconds:.0f} s" if over
                                                   else "")
    else:
        said += f" of at most {job.seconds:.0f} s"
    return said


def _progress(slot: str, job: Job, label: str) -> None:
    """A progress bar polled in the browser; when the work ends the whole page runs again to draw it."""

    @st.fragment(run_every=POLL)
    def poll() -> None:
        job.seen = time.monotonic()
        if job.done.is_set():
            st.rerun(scope="app")
        st.progress(job.fraction, text=f"{label} — {job.note or 'starting'} ({_timing(job)})")
        if st.button("Cancel", key=f"{slot}-cancel"):
            job.cancel("cancelled by you")

    poll()
