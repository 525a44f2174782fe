"""Dashboard speed: cold start and the time of one rerun per page after a widget change.

    python -m benchmarks.dashboard              # AppTest and browser (headless Chromium)
    python -m benchmarks.dashboard --no-browser

AppTest: cold start = a fresh process's first run of the home page (imports included); per page, the
first render (models load) and the median of several reruns after changing one widget. Browser: the
dashboard server is started, a page is opened in headless Chromium and timed until drawn; a rerun is
timed from the browser's rerun request (the websocket frame it sends after the widget click) to the
server's "script finished" message as the browser receives it.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dashboard.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")


@dataclass(frozen=True)
class PageCase:
    """A page and one widget to flip between two values for a rerun (from dashboard.pages)."""

    page: str            # file relative to dashboard/app.py
    url: str             # browser path
    kind: str            # AppTest element kind: toggle | radio | slider | selectbox
    label: str           # the widget's label
    values: tuple        # the two values to alternate


CASES = [PageCase(p.path, p.url, *p.widget) for p in PAGES if p.widget is not None]


def _widget(at, case: PageCase):
    for w in getattr(at, case.kind):
        if w.label == case.label:
            return w
    raise LookupError(f"{case.page}: no {case.kind} labelled {case.label!r}")


def apptest_times(cases: list[PageCase], repeats: int = 7) -> list[dict[str, object]]:
    """Per page: first render and median rerun (ms) through Streamlit's AppTest."""
    from streamlit.testing.v1 import AppTest
    rows = []
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    for case in cases:
        t0 = time.perf_counter()
        at.switch_page(case.page)
        at.run()
        first = (time.perf_counter() - t0) * 1000
        if at.exception:
            rows.append({"page": case.url, "via": "AppTest", "first render (ms)": first,
                         "rerun median (ms)": None, "note": "exception"})
            continue
        times = []
        for i in range(repeats):
            _widget(at, case).set_value(case.values[i % 2])
            t0 = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
        rows.append({"page": case.url, "via": "AppTest", "first render (ms)": first,
                     "rerun median (ms)": statistics.median(times), "note": case.label})
    return rows


def cold_start_ms() -> float:
    """A fresh interpreter: import + first run of the home page, through AppTest (ms)."""
    code = ("import time; t=time.perf_counter(); from streamlit.testing.v1 import AppTest; "
            f"at=AppTest.from_file({APP!r}, default_timeout=120); at.run(); "
            "print((time.perf_counter()-t)*1000)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def browser_times(cases: list[PageCase], repeats: int = 5) -> list[dict[str, object]]:
    """Per page in headless Chromium: time to drawn page, and median click → script-finished time."""
    from playwright.sync_api import sync_playwright
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sys.path.insert(0, str(ROOT))
    from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server, wait_for_idle

    rows = []
    t_server = time.perf_counter()
    with dashboard_server() as url, sync_playwright() as p:
        server_ms = (time.perf_counter() - t_server) * 1000
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        finished: list[float] = []
        sent: list[float] = []

        def on_ws(ws) -> None:
            def on_frame(payload) -> None:
                # "script finished" is a tiny message: skip parsing the large figure deltas, which
                # would put the benchmark's own protobuf decoding on the measured path
                if isinstance(payload, (bytes, bytearray)) and len(payload) < 1024:
                    msg = ForwardMsg()
                    try:
                        msg.ParseFromString(bytes(payload))
                    except Exception:
                        return
                    if msg.WhichOneof("type") == "script_finished":
                        finished.append(time.perf_counter())
            ws.on("framereceived", on_frame)
            # the browser's rerun request: the round trip is timed from here, so Playwright's own
            # click handling (actionability checks, scrolling) is not counted
            ws.on("framesent", lambda payload: sent.append(time.perf_counter()))

        page.on("websocket", on_ws)
        t0 = time.perf_counter()
        page.goto(url)
        wait_for_idle(page)
        rows.append({"page": "home (cold: first visit)", "via": "browser",
                     "first render (ms)": (time.perf_counter() - t0) * 1000, "rerun median (ms)": None,
                     "note": f"server up in {server_ms:.0f} ms"})
        for case in cases:
            t0 = time.perf_counter()
            page.goto(f"{url}/{case.url}")
            wait_for_idle(page, timeout_ms=180_000)
            first = (time.perf_counter() - t0) * 1000
            times = []
            for i in range(repeats):
                before, sent_before = len(finished), len(sent)
                # a toggle flips when its label is clicked; a radio needs the option itself
                target = case.values[i % 2] if case.kind == "radio" else case.label
                t0 = time.perf_counter()
                page.get_by_text(str(target), exact=True).first.click()
                deadline = time.perf_counter() + 30
                while len(finished) == before and time.perf_counter() < deadline:
                    page.wait_for_timeout(5)
                if len(finished) > before and len(sent) > sent_before:
                    times.append((finished[before] - sent[sent_before]) * 1000)
                wait_for_idle(page)
            rows.append({"page": case.url, "via": "browser", "first render (ms)": first,
                         "rerun median (ms)": statistics.median(times) if times else None,
                         # browser and server share the machine's cores, so the spread is wide
                         "note": f"{case.label}; range {min(times):.0f}–{max(times):.0f} ms" if times
                         else case.label})
        browser.close()
    return rows


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    import pandas as pd
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pages", nargs="*", help="only these pages (e.g. translate caption)")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.pages or c.url in args.pages]
    rows: list[dict[str, object]] = [{"page": "home (cold start, fresh process)", "via": "AppTest",
                                      "first render (ms)": cold_start_ms(), "rerun median (ms)": None,
                                      "note": "imports + first run"}]
    rows += apptest_times(cases, args.repeats)
    if not args.no_browser:
        rows += browser_times(cases, args.repeats + 2)
    frame = pd.DataFrame(rows)
    print(frame.to_markdown(index=False, floatfmt=".0f"))


if __name__ == "__main__":
    main()
