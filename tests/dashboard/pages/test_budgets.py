"""Budgets on the expensive paths (issue 22.1): attribution off the script thread and cancelled, maps too large
for a browser pooled before Plotly (AppTest)."""
import re

import numpy as np

from attention_core import AttentionMap
from attention_core.budget import ENV
from benchmarks.long_inputs import NEWS
from dashboard.components import COMPARE_KEY
from dashboard.components.background import running_jobs

from .conftest import charts, settled, values, widget

LONG_DOCUMENT = "\n\n".join([NEWS] * 7)          # 19,6xx characters: the battery's 7-minute attribution


def _live():
    """Background jobs still meant to finish (a cancelled one may still be ending its last model run)."""
    return [j for j in running_jobs() if not j.cancelled]


def _cells(chart) -> int:
    z = np.array(values(chart["data"][0]["z"]))
    return int(z.size)


def test_compare_pools_maps_too_large_for_a_browser_and_says_how_large(open_page):
    square = AttentionMap("dot", [f"q{i}" for i in range(1000)], [f"k{i}" for i in range(1000)],
                          np.full((1000, 1000), 1e-3, dtype=np.float32))
    line = AttentionMap("dot", ["q"], [f"k{i}" for i in range(1_000_000)],
                        np.full((1, 1_000_000), 1e-6, dtype=np.float32))
    at = open_page("app_pages/compare.py")
    at.session_state[COMPARE_KEY] = {"square": square.to_dict(), "line": line.to_dict()}
    at.run()
    assert not at.exception
    figures = charts(at)
    assert len(figures) == 2 and all(_cells(f) <= 40_000 for f in figures)
    assert max(len(f["layout"]["xaxis"]["ticktext"]) for f in figures) <= 40     # labels that do not overlap
    said = " ".join(c.value for c in at.caption)
    assert "1,000 × 1,000 = 1,000,000 cells" in said and "1 × 1,000,000 = 1,000,000 cells" in said
    assert "200 × 200" in said and "1 × 2,000" in said
    rows = np.array(values(figures[0]["data"][0]["z"])).sum(1)
    np.testing.assert_allclose(rows, 1, atol=1e-3)                  # pooling keeps row sums


def test_a_stricter_budget_pools_smaller_maps(open_page, monkeypatch):
    monkeypatch.setenv(ENV, "draw_cells=100")
    at = open_page("app_pages/compare.py")
    at.session_state[COMPARE_KEY] = {"m": AttentionMap("dot", list("abcdefghijkl"), list("abcdefghijkl"),
                                                       np.eye(12, dtype=np.float32)).to_dict()}
    at.run()
    assert _cells(charts(at)[0]) <= 100 and any("12 × 12 = 144 cells" in c.value for c in at.caption)


def _document_with_attribution(open_page):
    at = open_page("app_pages/document.py")
    at.text_area[0].set_value(LONG_DOCUMENT)
    at.run()
    assert not at.exception
    caption = next(c.value for c in at.caption if "computed on request" in c.value)
    assert "inputs over 5,000 characters" in caption and "model runs" in caption
    assert not _live()                                            # nothing starts before the click
    widget(at, "toggle", "Compute attribution for this long input").set_value(True)
    at.run()
    assert not at.exception
    (job,) = _live()
    assert at.get("progress"), "a progress bar while the work runs"
    return at, job


def test_leaving_the_page_cancels_a_long_document_attribution(open_page):
    """The battery's case: a 20,000-character attribution kept a core busy for minutes after the user left."""
    at, job = _document_with_attribution(open_page)
    at.switch_page("app_pages/translate.py")          # which starts (and waits for) work of its own
    at.run()
    assert job.cancelled and job.reason == "the page no longer asks for it"
    assert job.done.wait(120), "the work stops at its next model run"
    assert not job.thread.is_alive() and not [j for j in _live() if j.key[1] == "document/han"]
    for other in _live():                               # the Translate page's own work: not the next test's
        other.cancel("test over")
        other.done.wait(60)


def test_switching_attribution_off_or_changing_the_text_cancels_it(open_page):
    at, job = _document_with_attribution(open_page)
    at.text_area[0].set_value(LONG_DOCUMENT + " One more sentence.")
    at.run()
    assert job.cancelled and job.reason in {"the input changed", "the page no longer asks for it"}
    assert job.done.wait(120)
    (second,) = _live()
    widget(at, "toggle", "Compute attribution for this long input").set_value(False)
    at.run()
    assert second.cancelled and second.done.wait(120) and not _live()


def test_work_past_the_time_budget_stops_with_one_line_and_can_be_tried_again(open_page, monkeypatch):
    monkeypatch.setenv(ENV, "seconds=2")
    at, job = _document_with_attribution(open_page)
    assert job.done.wait(120) and job.cancelled
    settled(at)
    assert not at.exception
    (error,) = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]       # as the reader sees it
    assert error == "Attribution did not finish: stopped after 2 s, this server's time budget for one request."
    assert any(b.label == "Try again" for b in at.button)


def test_a_job_without_a_watcher_stops(monkeypatch):
    """No poll for HEARTBEAT seconds (the tab closed) cancels the work at its next check."""
    import threading
    import time

    from dashboard.components import background
    monkeypatch.setattr(background, "HEARTBEAT", 0.2)
    started = threading.Event()

    def work(job):
        started.set()
        while True:
            job.report(0.5, "spinning")
            time.sleep(0.05)

    job = background.start(("test", "heartbeat"), work, seconds=600)
    assert started.wait(10) and job.done.wait(30)
    assert job.reason == "nobody is waiting for it any more" and background.finished(("test", "heartbeat")) == (False, None)


def test_a_finished_result_is_shared_and_an_error_is_one_line():
    from dashboard.components import background
    ok = background.start(("test", "ok"), lambda job: 42, seconds=60)
    assert ok.done.wait(10) and background.finished(("test", "ok")) == (True, 42)
    bad = background.start(("test", "bad"), lambda job: 1 / 0, seconds=60)
    assert bad.done.wait(10) and bad.error == "ZeroDivisionError: division by zero"

