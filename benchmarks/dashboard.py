"""Dashboard speed: cold start and the time of one rerun per page after a widget change.

    python -m benchmarks.dashboard              # AppTest and browser (headless Chromium)
    python -m benchmarks.dashboard --no-browser
    python -m benchmarks.dashboard --long-only  # long documents (2k–20k chars) and 64–512-token texts

AppTest: cold start = a fresh process's first run of the home page (imports included); per page, the
first render (models load) and the median of several reruns after changing one widget. Browser: the
dashboard server is started, a page is opened in headless Chromium and timed until drawn; a rerun is
timed from the browser's rerun request (the websocket frame it sends after the widget click) to the
server's "script finished" message as the browser receives it. Presentation mode is switched in the browser
and runs nothing on the server: it is timed in the page, from the click to every chart drawn in its new size
(and the messages the browser sent meanwhile are counted: none is expected).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from benchmarks.timing import median_ms
from dashboard.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")


@dataclass(frozen=True)
class PageCase:
    """A page and one widget to flip between two values for a rerun (from dashboard.pages)."""

    page: str            # file relative to dashboard/app.py
    url: str             # browser path
    kind: str            # AppTest element kind: toggle | radio | selectbox | slider | select_slider | number_input,
                         # or "presentation": the browser-side switch (no page run; not in AppTest)
    label: str           # the widget's label (or its start, for labels that name a count)
    values: tuple        # the two values to alternate
    scope: str = "page"  # "page": a page-wide widget (every chart may change); "view": the main view's own


CASES = ([PageCase(p.path, p.url, *p.widget) for p in PAGES if p.widget is not None]
         + [PageCase(p.path, p.url, *p.interaction, scope="view") for p in PAGES if p.interaction is not None])


def _widget(at, case: PageCase):
    for w in getattr(at, case.kind):
        if w.label.startswith(case.label):
            return w
    raise LookupError(f"{case.page}: no {case.kind} labelled {case.label!r}")


def _browser_action(page, case: PageCase, i: int) -> Callable[[], None]:
    """The browser action that changes ``case``'s widget (the ``i``-th change alternates its two values)."""
    value = case.values[i % 2]
    if case.kind in ("toggle", "presentation"):       # a toggle flips when its label is clicked
        return page.get_by_text(case.label, exact=True).first.click
    if case.kind == "radio":        # a radio needs the option itself
        return page.get_by_text(str(value), exact=True).first.click
    if case.kind == "selectbox":
        from dashboard.local_server import choose_option
        return lambda: choose_option(page, case.label, str(value))
    if case.kind == "number_input":
        def act() -> None:
            box = page.locator("[data-testid='stNumberInput']", has_text=case.label).first.locator("input")
            box.fill(str(value))
            box.press("Enter")
        return act
    # sliders: one step right, then back left, with the keyboard on the thumb
    thumb = page.locator("[data-testid='stSlider']", has_text=case.label).first.get_by_role("slider")
    return lambda: thumb.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")


def apptest_times(cases: list[PageCase], repeats: int = 7) -> list[dict[str, object]]:
    """Per page: first render and median rerun (ms) through Streamlit's AppTest."""
    from streamlit.testing.v1 import AppTest
    rows = []
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    for case in cases:
        if case.kind == "presentation":      # switched in the browser: there is no page run to time here
            continue
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
        rows.append({"page": case.url, "via": "AppTest", "changed": case.scope, "first render (ms)": first,
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

    sys.path.insert(0, str(ROOT))
    from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server, wait_for_idle

    rows = []
    t_server = time.perf_counter()
    with dashboard_server() as url, sync_playwright() as p:
        server_ms = (time.perf_counter() - t_server) * 1000
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # rerun round trips are timed from the browser's request, so Playwright's own click handling
        # (actionability checks, scrolling) is not counted
        frames = _Frames(page)
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
            if case.kind == "presentation":
                rows.append(_switch_row(page, frames, case, repeats, first))
                continue
            times, drawn = [], []
            for i in range(repeats):
                finished, done = frames.timed(page, _browser_action(page, case, i), timeout=30)
                if finished is not None:
                    times.append(finished)
                    drawn.append(done)
                wait_for_idle(page)
            rows.append({"page": case.url, "via": "browser", "changed": case.scope, "first render (ms)": first,
                         "rerun median (ms)": statistics.median(times) if times else None,
                         "drawn median (ms)": statistics.median(drawn) if drawn else None,
                         # browser and server share the machine's cores, so the spread is wide
                         "note": f"{case.label}; range {min(times):.0f}–{max(times):.0f} ms" if times
                         else case.label})
        browser.close()
    return rows


# times from the click on the switch (captured before any handler) to the charts in the viewport drawn in their
# new size, and to every chart on the page drawn, each then one frame more for the browser to paint it
_SWITCH_CLOCK = ("() => { window.__atlasClicked = null; document.addEventListener('click',"
                 " () => { window.__atlasClicked = performance.now(); }, { capture: true, once: true }); }")
_SWITCH_DRAWN = ("async () => { const inView = c => { const r = c.getBoundingClientRect();"
                 " return r.width > 0 && r.bottom > 0 && r.top < window.innerHeight; };"
                 " const left = seen => [...(window.__atlasUndrawn || [])]"
                 ".some(c => c.isConnected && (!seen || inView(c)));"
                 " const end = performance.now() + 30000, painted = () => new Promise(r =>"
                 " requestAnimationFrame(() => setTimeout(r, 0))), times = [];"
                 " for (const seen of [true, false]) {"
                 " while ((window.__atlasClicked === null || left(seen)) && performance.now() < end)"
                 " await new Promise(r => setTimeout(r, 2));"
                 " await painted();"
                 " times.push(window.__atlasClicked === null || left(seen) ? null"
                 " : performance.now() - window.__atlasClicked); }"
                 " return times; }")


def switch_timed(page, frames: "_Frames", action: Callable[[], None]) -> tuple[float | None, float | None, int]:
    """Run ``action`` (a click on a browser-side switch) → (click → the charts in view drawn anew, click → every
    chart drawn anew, in ms; the number of messages the browser sent the server meanwhile)."""
    page.evaluate(_SWITCH_CLOCK)
    sent = len(frames.sent)
    action()
    seen, every = page.evaluate(_SWITCH_DRAWN)
    page.wait_for_timeout(300)          # a message the switch would send arrives by now
    return seen, every, len(frames.sent) - sent


def _switch_row(page, frames: "_Frames", case: PageCase, repeats: int, first: float) -> dict[str, object]:
    """The row of a browser-side switch: median click → drawn (charts in view; every chart), and the messages
    sent to the server."""
    timed = [switch_timed(page, frames, _browser_action(page, case, i)) for i in range(repeats)]
    if repeats % 2:                     # leave the page as found
        switch_timed(page, frames, _browser_action(page, case, repeats))
    seen = [t[0] for t in timed if t[0] is not None]
    every = [t[1] for t in timed if t[1] is not None]
    messages = sum(t[2] for t in timed)
    return {"page": case.url, "via": "browser", "changed": "page (in the browser)", "first render (ms)": first,
            "rerun median (ms)": None, "drawn median (ms)": statistics.median(seen) if seen else None,
            "note": f"{case.label}: no page run ({messages} messages to the server in {len(timed)} switches); "
                    "drawn = the charts in view" + (f", range {min(seen):.0f}–{max(seen):.0f} ms; every chart "
                                                    f"{statistics.median(every):.0f} ms" if seen and every else "")}


# ---- long inputs (issue 11): documents of 2k–20k characters, transformer inputs of 64–512 tokens ---------
DOCUMENT_SIZES = (2_000, 10_000, 20_000)
TOKEN_LENGTHS = (64, 128, 256, 512)


def document_inputs() -> dict[str, str]:
    """``"2k"`` … ``"20k"`` → a BBC document of about that many characters (whole articles)."""
    from benchmarks.long_inputs import bbc_document
    return {f"{size // 1000}k": bbc_document(size) for size in DOCUMENT_SIZES}


def transformer_inputs() -> dict[str, str]:
    """``"64"`` … ``"512"`` → a text MiniLM reads as exactly that many tokens (the benchmark's news text)."""
    from benchmarks.long_inputs import text_of_tokens
    return {str(n): text_of_tokens(n) for n in TOKEN_LENGTHS}


def document_server_times(texts: dict[str, str], repeats: int) -> list[dict[str, object]]:
    """Per document: HAN's pass (explain) and building every figure/HTML block the page draws (uncached)."""
    from attention_core.models import load_model
    from dashboard.views import document_html
    from dashboard.views.document_views import class_bars, sentence_overview, word_bars
    han = load_model("document/han")
    rows = []
    for name, text in texts.items():
        result = han.explain(text)
        smap = next(m for m in result.maps if m.level == "sentence")
        words = [m for m in result.maps if m.level == "word"]
        top = smap.weights[0].argsort()[::-1][:5].tolist()

        def figures() -> None:
            class_bars(result.output)
            sentence_overview(smap, selected=top[0])
            word_bars(words[top[0]])
            document_html(result.maps, only=[top[0]])
            document_html(result.maps, only=top)
            document_html(result.maps, only=range(min(40, len(words))))
        rows.append({"input": f"document {name} ({len(text):,} chars, {smap.shape[1]} sentences)",
                     "model (ms)": median_ms(lambda: han.explain(text), repeats),
                     "figures (ms)": median_ms(figures, repeats)})
    return rows


def transformer_server_times(texts: dict[str, str], repeats: int) -> list[dict[str, object]]:
    """Per length: MiniLM's pass with word pieces merged, the head statistics, and the figures of the
    overview, one head (window/pooled as the page does), the token view and the line view (uncached)."""
    from attention_core.head_stats import distance_profiles, head_table, token_profile
    from attention_core.large_maps import column_window, focus_window, pool_spans, window_around
    from attention_core.models import load_model
    from dashboard.views import heatmap
    from dashboard.views.head_lines import head_lines
    from dashboard.views.head_overview import distance_heatmap, head_grid
    from dashboard.views.token_view import token_heads
    minilm = load_model("transformer/minilm-l6")
    max_side = 96
    rows = []
    for name, text in texts.items():
        result = minilm.explain(text, merge_words=True)
        maps = sorted(result.maps, key=lambda m: (m.layer, m.head))
        table, profiles = head_table(maps), distance_profiles(maps)
        n = maps[0].shape[0]
        last = [m for m in maps if m.layer == maps[-1].layer]

        def one_head() -> None:
            amap = maps[40]
            shown = amap if n <= max_side else pool_spans(focus_window(amap, *window_around(1, n, 64)), max_side)
            heatmap(shown, zmax=1.0)

        def token() -> None:
            out, inc = token_profile(maps, 1)
            if n > max_side:
                start, stop = window_around(1, n, max_side)
                out, inc = column_window(out, start, stop), column_window(inc, start, stop)
            token_heads(out, inc)
        rows.append({"input": f"transformer {name} tokens ({n} after merging word pieces)",
                     "model (ms)": median_ms(lambda: minilm.explain(text, merge_words=True), repeats),
                     "statistics (ms)": median_ms(lambda: (head_table(maps), distance_profiles(maps)), repeats),
                     "figures (ms)": median_ms(lambda: (head_grid(table), distance_heatmap(profiles)), repeats),
                     "one head (ms)": median_ms(one_head, repeats),
                     "token view (ms)": median_ms(token, repeats),
                     "line view (ms)": median_ms(lambda: head_lines(last, k=2, threshold=0.1), repeats)})
    return rows


class _Frames:
    """The page's websocket traffic: when the browser sent a rerun request, when a script finished."""

    def __init__(self, page) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        self.sent: list[float] = []
        self.finished: list[float] = []

        def on_ws(ws) -> None:
            def on_frame(payload) -> None:
                if isinstance(payload, (bytes, bytearray)) and len(payload) < 1024:   # skip figure deltas
                    msg = ForwardMsg()
                    try:
                        msg.ParseFromString(bytes(payload))
                    except Exception:
                        return
                    if msg.WhichOneof("type") == "script_finished":
                        self.finished.append(time.perf_counter())
            ws.on("framereceived", on_frame)
            ws.on("framesent", lambda payload: self.sent.append(time.perf_counter()))
        page.on("websocket", on_ws)

    def timed(self, page, action, timeout: float = 180) -> tuple[float | None, float | None]:
        """Run ``action`` (which makes the page rerun) → (request → script finished, request → drawn) in ms.

        Drawn = the script finished and Streamlit shows no stale element any more (the new deltas are on
        the page), polled every 10 ms.
        """
        before, sent_before = len(self.finished), len(self.sent)
        action()
        deadline = time.perf_counter() + timeout
        while len(self.finished) == before and time.perf_counter() < deadline:
            page.wait_for_timeout(5)
        if len(self.finished) == before or len(self.sent) == sent_before:
            return None, None
        while page.evaluate("() => !!document.querySelector('[data-stale=\"true\"]')") and \
                time.perf_counter() < deadline:
            page.wait_for_timeout(10)
        drawn = time.perf_counter()
        start = self.sent[sent_before]
        return (self.finished[before] - start) * 1000, (drawn - start) * 1000


def _submit_text(page, text: str):
    def act() -> None:
        area = page.locator("textarea").first
        area.fill(text)
        area.press("Control+Enter")
    return act


def _choose(page, label: str, typed: str):
    """An action picking an option of the selectbox labelled ``label`` (timed by the caller)."""
    from dashboard.local_server import choose_option
    return lambda: choose_option(page, label, typed)


def _set_number(page, value: int):
    def act() -> None:
        box = page.locator("input[type=number]").first
        box.fill(str(value))
        box.press("Enter")
    return act


def long_browser_times(documents: dict[str, str], texts: dict[str, str], repeats: int) -> list[dict[str, object]]:
    """In headless Chromium: the first render of each long input (from its submission) and the median
    rerun after choosing another sentence (documents) or another head / token (transformers)."""
    from playwright.sync_api import sync_playwright

    from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server, wait_for_idle
    rows = []
    with dashboard_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        frames = _Frames(page)
        page.goto(f"{url}/document")
        wait_for_idle(page, timeout_ms=180_000)
        for name, text in documents.items():
            first = frames.timed(page, _submit_text(page, text))
            wait_for_idle(page)
            reruns = [frames.timed(page, _set_number(page, 1 + i % 3)) for i in range(repeats)]
            rows.append(_browser_row(f"document {name}", first, reruns, "choose another sentence"))
        page.goto(f"{url}/transformers")
        wait_for_idle(page, timeout_ms=180_000)
        for name, text in texts.items():
            page.get_by_text("overview: head statistics", exact=True).first.click()
            wait_for_idle(page)
            first = frames.timed(page, _submit_text(page, text))
            wait_for_idle(page)
            page.get_by_text("one head", exact=True).first.click()
            wait_for_idle(page)
            heads = [frames.timed(page, _choose(page, "Head", str(3 + i % 2))) for i in range(repeats)]
            rows.append(_browser_row(f"transformer {name} tokens", first, heads, "one head: choose another head"))
            page.get_by_text("token-centred", exact=True).first.click()
            wait_for_idle(page)
            tokens = [frames.timed(page, _choose(page, "Token", f"#{5 + i % 2} ")) for i in range(repeats)]
            rows.append(_browser_row(f"transformer {name} tokens", None, tokens, "token-centred: another token"))
        browser.close()
    return rows


def _browser_row(name: str, first: tuple | None, reruns: list[tuple], note: str) -> dict[str, object]:
    done = [r for r in reruns if r[0] is not None]
    return {"input": name, "first render → finished (ms)": first[0] if first else None,
            "first render → drawn (ms)": first[1] if first else None,
            "rerun → finished, median (ms)": statistics.median(r[0] for r in done) if done else None,
            "rerun → drawn, median (ms)": statistics.median(r[1] for r in done) if done else None,
            "note": f"{note} ({len(done)} of {len(reruns)} timed)"}


def long_inputs_report(repeats: int, browser: bool) -> str:
    """The long-input tables (server side, then browser) as Markdown."""
    import os

    import pandas as pd
    import torch
    torch.set_num_threads(int(os.environ.get("ATTENTION_ATLAS_THREADS", "1")))   # as the dashboard runs models
    documents, texts = document_inputs(), transformer_inputs()
    load = f"load average {os.getloadavg()[0]:.1f} at the start"
    server = pd.DataFrame(document_server_times(documents, repeats) + transformer_server_times(texts, repeats))
    out = "Server side (median ms):\n\n" + server.to_markdown(index=False, floatfmt=".0f", missingval="–")
    if browser:
        rows = long_browser_times(documents, texts, repeats)
        out += "\n\nBrowser (headless Chromium, ms):\n\n" + pd.DataFrame(rows).to_markdown(
            index=False, floatfmt=".0f", missingval="–")
    return out + f"\n\n({load}, {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores)"


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    import pandas as pd
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pages", nargs="*", help="only these pages (e.g. translate caption)")
    parser.add_argument("--long", action="store_true", help="also time long documents and transformer inputs")
    parser.add_argument("--long-only", action="store_true", help="only the long-input tables")
    args = parser.parse_args()
    if not args.long_only:
        cases = [c for c in CASES if not args.pages or c.url in args.pages]
        rows: list[dict[str, object]] = [{"page": "home (cold start, fresh process)", "via": "AppTest",
                                          "first render (ms)": cold_start_ms(), "rerun median (ms)": None,
                                          "note": "imports + first run"}]
        rows += apptest_times(cases, args.repeats)
        if not args.no_browser:
            rows += browser_times(cases, args.repeats + 2)
        frame = pd.DataFrame(rows)
        print(frame.to_markdown(index=False, floatfmt=".0f"))
    if args.long or args.long_only:
        print(long_inputs_report(args.repeats, browser=not args.no_browser))


if __name__ == "__main__":
    main()
