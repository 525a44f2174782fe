"""Server-side load test: many concurrent Streamlit sessions without a browser, on 1 and N replicas.

    python -m benchmarks.load                                   # 3 pages × 1, 10, 30 sessions × 1, 2 replicas
    python -m benchmarks.load --pages classroom --sessions 30 --replicas 2
    python -m benchmarks.load --memory                          # idle-session memory and 200-rerun soaks
    python -m benchmarks.load --lesson                          # a class session: 30 students, 2 replicas, PostgreSQL
    python -m benchmarks.load --memory --hostile --idle 0 --soak 0   # one student's most expensive requests
    python -m benchmarks.load --write docs/benchmarks.md        # also put the tables into that file

Each case starts a fresh classroom deployment (``dashboard.classroom``: replicas behind nginx, every page
warmed once), then ``sessions`` simulated students (``benchmarks.student_scenarios``) open the page within
``--ramp`` seconds and change widgets with ``--think`` seconds between actions. A rerun's latency is the
server's: from sending the rerun request over the websocket to the "script finished" message, nothing is
drawn. Server CPU and RSS cover the replicas and nginx (psutil over the process trees). Loopback only,
at most 100 sessions, every case bounded by ``--max-seconds``.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from attention_core.record import MAX_CELLS
from benchmarks.server_resources import ResourceSampler, cpu_seconds, rss_mb
from benchmarks.student_scenarios import SCENARIOS, run_student
from dashboard.classroom import classroom
from dashboard.session_client import ProtocolError, RunResult, StreamlitSession

ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS = 100


@dataclass
class CaseResult:
    """Everything measured in one case: per-action latencies, errors, server resources."""

    page: str
    replicas: int
    sessions: int
    reruns: list[float] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_action: dict[str, list[float]] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    cores_busy: float = 0.0
    rss_start: float = 0.0
    rss_peak: float = 0.0
    wall: float = 0.0
    client_cpu: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0


def _quantile(values: list[float], q: float) -> float:
    return float(pd.Series(values).quantile(q)) if values else float("nan")


async def run_case(url: str, page: str, sessions: int, think: tuple[float, float], ramp: float,
                   max_seconds: float, result: CaseResult, timeout: float) -> None:
    """``sessions`` students on ``page`` at once; fills ``result`` (latencies and errors)."""
    def record(action: str, run: RunResult) -> None:
        (result.opens if action == "open" else result.reruns).append(run.seconds)
        result.by_action.setdefault(action, []).append(run.seconds)
        result.errors += [f"{action}: exception {e.splitlines()[0][:200]}" for e in run.exceptions]
        result.errors += [f"{action}: error message {e}" for e in run.error_alerts]

    async def student(i: int) -> None:
        await asyncio.sleep(ramp * i / max(sessions, 1))
        try:
            await run_student(url, page, seed=i, think=think, record=record, timeout=timeout)
        except asyncio.CancelledError:
            result.errors.append(f"session {i}: still running after {max_seconds:.0f} s")
            raise
        except Exception as exc:  # a dropped connection, a missing widget, a timeout: this session only
            result.errors.append(f"session {i}: {type(exc).__name__}: {str(exc)[:160]}")

    tasks = [asyncio.create_task(student(i)) for i in range(sessions)]
    done, pending = await asyncio.wait(tasks, timeout=max_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def measure(page: str, replicas: int, sessions: int, args: argparse.Namespace) -> CaseResult:
    """One case on a fresh, warmed deployment."""
    result = CaseResult(page, replicas, sessions)
    with classroom(replicas, log_dir=args.log_dir, warm=not args.no_warm_up) as dep:
        result.load_before = os.getloadavg()[0]
        client0 = time.process_time()
        with ResourceSampler(dep.pids) as res:
            asyncio.run(run_case(dep.url, page, sessions, tuple(args.think), args.ramp, args.max_seconds,
                                 result, args.timeout))
        result.client_cpu = time.process_time() - client0
        result.load_after = os.getloadavg()[0]
    result.cpu_seconds, result.cores_busy, result.wall = res.cpu_used, res.cores_busy, res.wall
    result.rss_start, result.rss_peak = res.rss[0], max(res.rss)
    return result


def row(r: CaseResult) -> dict[str, Any]:
    """A table row for one case."""
    return {"page": r.page, "replicas": r.replicas, "sessions": r.sessions, "reruns": len(r.reruns),
            "median (s)": statistics.median(r.reruns) if r.reruns else float("nan"),
            "p95 (s)": _quantile(r.reruns, 0.95), "max (s)": max(r.reruns, default=float("nan")),
            "open p95 (s)": _quantile(r.opens, 0.95), "errors": len(r.errors),
            "runs / s": (len(r.reruns) + len(r.opens)) / r.wall if r.wall else float("nan"),
            "server cores busy": r.cores_busy,
            "CPU s / run": r.cpu_seconds / max(len(r.reruns) + len(r.opens), 1),
            "RSS start → peak (MB)": f"{r.rss_start:.0f} → {r.rss_peak:.0f}",
            "load avg before / after": f"{r.load_before:.1f} / {r.load_after:.1f}",
            "client CPU (s)": r.client_cpu}


def action_rows(r: CaseResult) -> list[dict[str, Any]]:
    """Per student action of one case: how often, median and p95 (where a page's time goes)."""
    return [{"page": r.page, "replicas": r.replicas, "sessions": r.sessions, "action": action, "runs": len(times),
             "median (s)": statistics.median(times), "p95 (s)": _quantile(times, 0.95)}
            for action, times in r.by_action.items()]


# ---- memory: idle sessions and a soak -----------------------------------------------------------
SOAK_ACTIONS = {
    "classroom": [("slider", "Temperature τ (divide the scores before the softmax)", v) for v in (0.5, 1.0, 2.0)],
    "translate": [("checkbox", "Alignment lines", True), ("checkbox", "Alignment lines", False),
                  ("checkbox", "Shared colour scale", False), ("checkbox", "Shared colour scale", True),
                  ("selectbox", "Start from a sample", 1), ("selectbox", "Start from a sample", 2),
                  ("selectbox", "Start from a sample", 3)],
    "caption": [("radio", "Show", "all words (small multiples)"), ("radio", "Show", "coverage Σ α"),
                ("radio", "Show", "one word at a time")],
}


async def _idle_sessions(url: str, page: str, n: int, pid: int) -> tuple[float, float, float]:
    """RSS before, with ``n`` sessions open and idle, and after they closed (MB)."""
    first = StreamlitSession(url, page)          # one session first: first-visit costs are not per session
    async with first:
        await first.open()
    await asyncio.sleep(2)
    before = rss_mb([pid])
    sessions = [StreamlitSession(url, page) for _ in range(n)]
    for s in sessions:
        await s.connect()
    for s in sessions:   # one after another: the memory asked for is what stays, not a burst
        await s.open()
    await asyncio.sleep(5)
    during = rss_mb([pid])
    for s in sessions:
        await s.close()
    await asyncio.sleep(5)
    return before, during, rss_mb([pid])


async def _soak(url: str, page: str, reruns: int, pid: int) -> list[float]:
    """RSS (MB) after every rerun of one session cycling through the page's soak actions."""
    out = []
    async with StreamlitSession(url, page) as s:
        await s.open()
        if page == "classroom":
            await s.click("Next ▶")
            await s.click("Next ▶")
        actions = SOAK_ACTIONS[page]
        for i in range(reruns):
            kind, label, value = actions[i % len(actions)]
            if kind == "selectbox":
                value = s.widget(kind, label).options[value]
            run = await s.set_value(kind, label, value)
            if run.exceptions:
                raise RuntimeError(f"soak rerun {i}: {run.exceptions[0]}")
            out.append(rss_mb([pid]))
    return out


SOAK_WARM = 20   # reruns before the soak's drift is measured (caches filled, models loaded)


def memory(pages: list[str], idle: int, reruns: int, log_dir: Path | None, warm: int = SOAK_WARM,
           warm_up: bool = True) -> pd.DataFrame:
    """Per page: MB per idle session and the soak's RSS change after ``warm`` reruns, on one replica (no proxy;
    ``warm_up``: every page opened once first)."""
    rows = []
    for page in pages:
        with classroom(1, proxy=False, log_dir=log_dir, warm=warm_up) as dep:
            pid = dep.replicas[0].pid
            load = os.getloadavg()[0]
            before, during, after = asyncio.run(_idle_sessions(dep.url, page, idle, pid))
            soak = asyncio.run(_soak(dep.url, page, reruns, pid))
        base = soak[warm - 1]
        rows.append({"page": page, "idle sessions": idle, "RSS before (MB)": before,
                     "RSS with idle sessions (MB)": during, "MB per idle session": (during - before) / idle,
                     "RSS after they closed (MB)": after, "soak reruns": len(soak),
                     f"soak RSS after {warm} / 100 / 200 (MB)": " / ".join(
                         f"{soak[min(i, len(soak) - 1)]:.0f}" for i in (warm - 1, 99, 199)),
                     f"soak drift after {warm} (%)":
                         100 * (max(soak[warm:], key=lambda v: abs(v - base)) - base) / base,
                     "load avg (1 min)": load})
    return pd.DataFrame(rows)


def big_upload(log_dir: Path | None, n: int = 2500, warm_up: bool = True) -> pd.DataFrame:
    """Upload an ``n`` × ``n`` AttentionMap JSON to Compare (refused: over the cell cap) → the replica's RSS
    before, at its peak while parsing, and after, and the error line shown."""
    labels = ", ".join(f'"t{i}"' for i in range(n))
    row_text = "[" + ",".join(["0"] * n) + "]"
    data = (f'{{"mechanism": "dot", "queries": [{labels}], "keys": [{labels}], "weights": ['
            + ",".join([row_text] * n) + "]}").encode()

    async def run(url: str) -> RunResult:
        async with StreamlitSession(url, "compare") as s:
            await s.open()
            result = await s.upload("AttentionMap JSON", "huge.json", data, "application/json")
            await s.rerun()     # a rerun afterwards, the upload still in its widget
            return result

    with classroom(1, proxy=False, log_dir=log_dir, warm=warm_up) as dep:
        pid = dep.replicas[0].pid
        before = rss_mb([pid])
        with ResourceSampler([pid], interval=0.05) as res:
            result = asyncio.run(run(dep.url))
        after = rss_mb([pid])
    shown = re.sub(r"\\(.)", r"\1", (result.error_alerts or ["(no error line)"])[0])   # Markdown escapes off
    return pd.DataFrame([{"upload": f"{n} × {n} map, {len(data) / 2 ** 20:.1f} MB JSON", "shown": shown[:110],
                          "rerun (s)": result.seconds, "RSS before (MB)": before,
                          "RSS peak (MB)": max(res.rss), "RSS after (MB)": after}])


# ---- hostile sessions: one student asking for the most expensive work -------------------------------------
HOSTILE_AFTER = 30.0      # seconds measured after the work should have stopped (budget, or the user leaving)
ATTRIBUTION_TOGGLE = "Compute attribution for this long input"


async def _hostile_translate(url: str, pid: int, stay: float) -> tuple[str, ResourceSampler, list[float]]:
    """A 10,000-character word through the Bible translators, attribution switched on, the tab kept open."""
    async with StreamlitSession(url, "translate", timeout=30) as s:
        await s.open()
        await s.set_value("radio", "Task", "Bible verses, English → French")
        with ResourceSampler([pid], interval=0.2) as res:
            await s.set_value("text_area", "English sentence", "x" * 10_000)
            shown = await _switch_on(s)
            cpu = await _cpu_windows(s, pid, stay)
    return shown, res, cpu


async def _hostile_document(url: str, pid: int, stay: float) -> tuple[str, ResourceSampler, list[float]]:
    """A 20,000-character document, attribution switched on, the tab closed 10 s later."""
    from benchmarks.long_inputs import NEWS
    with ResourceSampler([pid], interval=0.2) as res:
        s = StreamlitSession(url, "document", timeout=60)
        await s.connect()
        await s.open()
        await s.set_value("text_area", "Document", "\n\n".join([NEWS] * 7))
        shown = await _switch_on(s)
        await s.stay(10.0)
        await s.close()                                 # the student leaves
        cpu = await _cpu_windows(None, pid, stay)
    return shown, res, cpu


async def _switch_on(s: StreamlitSession) -> str:
    """Switch the long-input attribution on; → how the run ended (a page that computes in its script thread
    does not finish within the session's timeout)."""
    try:
        run = await s.set_value("checkbox", ATTRIBUTION_TOGGLE, True)
    except ProtocolError as exc:
        return f"script still running ({exc})"
    return run.error_alerts[0][:80] if run.error_alerts else f"script finished in {run.seconds:.1f} s"


async def _cpu_windows(s: StreamlitSession | None, pid: int, stay: float) -> list[float]:
    """Cores busy in consecutive 10-s windows over ``stay`` seconds (the session ``s``, if any, stays open)."""
    out = []
    for _ in range(int(stay // 10)):
        before, t0 = cpu_seconds([pid]), time.monotonic()
        if s is not None:
            await s.stay(10.0)
        else:
            await asyncio.sleep(10.0)
        out.append((cpu_seconds([pid]) - before) / (time.monotonic() - t0))
    return out


def hostile(log_dir: Path | None, budget_spec: str) -> pd.DataFrame:
    """The battery's hostile sessions on one replica under ``budget_spec``: peak memory, CPU, and whether a
    core is still busy after the work should have stopped."""
    from attention_core.budget import ENV, parse_budget
    seconds = parse_budget(budget_spec).seconds
    os.environ[ENV] = budget_spec               # the replica reads it (an older app ignores it)
    rows = []
    for name, case, stay in [("Translate: one 10,000-character word, attribution on, tab open", _hostile_translate,
                               seconds + HOSTILE_AFTER),
                              ("Document: 20,000 characters, attribution on, tab closed after 10 s",
                               _hostile_document, HOSTILE_AFTER + 30)]:
        with classroom(1, proxy=False, log_dir=log_dir) as dep:
            pid = dep.replicas[0].pid
            before = rss_mb([pid])
            shown, res, cpu = asyncio.run(case(dep.url, pid, stay))
            after = rss_mb([pid])
        rows.append({"case": name, "page said": shown, "RSS before (MB)": before, "RSS peak (MB)": max(res.rss),
                     "RSS after (MB)": after, "CPU s": res.cpu_used, "wall s": res.wall,
                     "cores busy, last 10 s": cpu[-1] if cpu else float("nan"),
                     "cores busy per 10 s": " ".join(f"{c:.2f}" for c in cpu)})
    return pd.DataFrame(rows)


def write_docs(path: Path, section: str, text: str) -> None:
    """Replace the text between ``<!-- load:<section>:begin/end -->`` in ``path`` (appended when missing)."""
    begin, end = f"<!-- load:{section}:begin -->", f"<!-- load:{section}:end -->"
    doc = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text.strip()}\n{end}"
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    path.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    """Run the cases, print the tables (Markdown), optionally write them into a file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    parser.add_argument("--sessions", nargs="+", type=int, default=[1, 10, 30])
    parser.add_argument("--replicas", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--think", nargs=2, type=float, default=[1.0, 3.0], metavar=("MIN", "MAX"),
                        help="seconds a student pauses between actions (uniform)")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which the sessions arrive")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="bound on each case")
    parser.add_argument("--timeout", type=float, default=120.0, help="bound on one rerun")
    parser.add_argument("--memory", action="store_true", help="idle-session memory and soak instead")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="start each replica without opening every page first (a quick check: models then load "
                             "during the first measured requests, so the numbers are not the documented ones)")
    parser.add_argument("--idle", type=int, default=30, help="idle sessions for --memory")
    parser.add_argument("--soak", type=int, default=200, help="reruns of one session for --memory")
    parser.add_argument("--warm", type=int, default=SOAK_WARM,
                        help="soak reruns before its drift is measured (caches filled, models loaded)")
    parser.add_argument("--upload-side", type=int, default=2500,
                        help="for --memory: the side of the square map uploaded to Compare (over the cell cap)")
    parser.add_argument("--lesson", action="store_true",
                        help="a class session instead: students answering through the replicas on PostgreSQL, "
                             "one replica killed mid-step (benchmarks.class_load)")
    parser.add_argument("--database", help="for --lesson: an existing PostgreSQL URL (default: start one here)")
    parser.add_argument("--hostile", action="store_true",
                        help="with --memory: also one student's most expensive requests (attribution of a "
                             "10,000-character word, of a 20,000-character document then leaving)")
    parser.add_argument("--budget", default="classroom", help="the replica's budget for --hostile")
    parser.add_argument("--log-dir", type=Path, help="replica logs (default: a new temporary folder)")
    parser.add_argument("--write", type=Path, help="also write the tables between this run's markers here")
    parser.add_argument("--section", help="marker name for --write (default: memory, stress when --think 0 0, "
                                          "else cases)")
    args = parser.parse_args(argv)
    if max(args.sessions) > MAX_SESSIONS:
        parser.error(f"at most {MAX_SESSIONS} sessions")
    if args.memory and args.soak and not 1 <= args.warm < args.soak:   # the drift is measured after the warm-up
        parser.error(f"--soak must be more than the {args.warm} warm-up reruns (--warm, at least 1) its drift is "
                     "measured after")
    if args.memory and args.upload_side ** 2 <= MAX_CELLS:    # the upload is there to be refused
        parser.error(f"--upload-side must make a map over the {MAX_CELLS:,}-cell cap")
    if args.lesson and max(args.replicas) < 2:        # one replica is killed: the students need another
        parser.error("--lesson kills a replica mid-step, so it needs --replicas 2 or more")
    if args.log_dir is None:
        args.log_dir = Path(tempfile.mkdtemp(prefix="atlas-load-logs-"))
    print(f"replica logs: {args.log_dir}", file=sys.stderr)
    started = time.strftime("%Y-%m-%d %H:%M")
    section = args.section or ("memory" if args.memory else "lesson" if args.lesson
                               else "stress" if max(args.think) == 0 else "cases")
    if args.lesson:
        from benchmarks.class_load import measure_class, table
        run = measure_class(max(args.sessions), max(args.replicas),   # by default 30 students, 2 replicas
                            args.database, tuple(args.think), args.timeout)
        text = table(run).to_markdown(index=False, floatfmt=".2f")
        print(text)
        for error in run.errors[:10]:
            print(f"  error: {error}")
        if args.write:
            write_docs(args.write, section, f"Measured {started} (`python -m benchmarks.load --lesson`, load average "
                                            f"{os.getloadavg()[0]:.1f} after):\n\n{text}")
        return 0
    if args.memory:
        text = ""
        if args.hostile:
            text = (f"One student's most expensive requests (budget `{args.budget}`):\n\n"
                    + hostile(args.log_dir, args.budget).to_markdown(index=False, floatfmt=".2f") + "\n\n")
            print(text, flush=True)
        if args.idle or args.soak:
            table = memory(args.pages, args.idle, args.soak, args.log_dir, args.warm, not args.no_warm_up)
            upload = big_upload(args.log_dir, args.upload_side, not args.no_warm_up)
            text += (table.to_markdown(index=False, floatfmt=".1f") + "\n\n"
                     + upload.to_markdown(index=False, floatfmt=".1f"))
        print(text)
        if args.write:
            write_docs(args.write, section,
                       f"Measured {started} (`python -m benchmarks.load --memory`):\n\n{text}")
        return 0
    results = []
    for replicas in args.replicas:
        for page in args.pages:
            for sessions in args.sessions:
                r = measure(page, replicas, sessions, args)
                results.append(r)
                print(pd.DataFrame([row(r)]).to_markdown(index=False, floatfmt=".2f"), flush=True)
                for error in r.errors[:5]:
                    print(f"  error: {error}", flush=True)
    table = pd.DataFrame([row(r) for r in results])
    text = table.to_markdown(index=False, floatfmt=".2f")
    largest = max(args.sessions)
    actions = pd.DataFrame([a for r in results if r.sessions == largest for a in action_rows(r)])
    text += "\n\nPer action, " + f"{largest} sessions:\n\n" + actions.to_markdown(index=False, floatfmt=".2f")
    print("\n" + text)
    errors = [f"- {r.page}, {r.replicas} replica(s), {r.sessions} sessions: {e}"
              for r in results for e in r.errors[:3]]
    if args.write:
        command = " ".join(["python -m benchmarks.load", *(a for a in (argv if argv is not None else sys.argv[1:])
                                                            if a not in ("--write", str(args.write)))])
        note = (f"Measured {started}: `{command}` (think {args.think[0]:g}–{args.think[1]:g} s, "
                f"ramp {args.ramp:g} s).")
        errors_text = "\n\nErrors:\n" + "\n".join(errors) if errors else ""
        write_docs(args.write, section, note + "\n\n" + text + errors_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
