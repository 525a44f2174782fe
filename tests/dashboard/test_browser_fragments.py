"""The reader's most frequent change on a page (another head, word or sentence) reruns only the main view.

The browser is asked to rerun a fragment (``BackMsg.rerun_script.fragment_id`` set), not the whole page, so the
input, the notices and the attribution panel are neither recomputed nor sent again.
"""
from __future__ import annotations

import os

import pytest

from benchmarks.dashboard import CASES, _browser_action
from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)

# the pages that draw their main view as a fragment (the Vision page's views feed its model call: a full rerun)
FRAGMENT_PAGES = {"transformers", "document", "caption"}
VIEW_CASES = [c for c in CASES if c.scope == "view" and c.url in FRAGMENT_PAGES]


def _reruns(frames: list[bytes]) -> list:
    """The rerun requests among the frames the browser sent."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    out = []
    for payload in frames:
        msg = BackMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:
            continue
        if msg.WhichOneof("type") == "rerun_script":
            out.append(msg.rerun_script)
    return out


def test_each_declared_view_change_reruns_only_its_fragment():
    assert {c.url for c in VIEW_CASES} == FRAGMENT_PAGES      # every fragment page declares its interaction
    with dashboard_server() as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sent: list[bytes] = []
        page.on("websocket", lambda ws: ws.on(
            "framesent", lambda payload: sent.append(bytes(payload)) if isinstance(payload, (bytes, bytearray))
            else None))
        for case in VIEW_CASES:
            page.goto(f"{url}/{case.url}")
            wait_for_idle(page, timeout_ms=180_000)
            before = len(sent)
            _browser_action(page, case, 0)()
            wait_for_idle(page)
            reruns = _reruns(sent[before:])
            assert reruns, f"{case.url}: changing {case.label!r} sent no rerun"
            assert all(r.fragment_id for r in reruns), f"{case.url}: {case.label!r} reran the whole page"
            assert page.locator("[data-testid='stException']").count() == 0, case.url
            # the view did change: the widget now holds the new value
            if case.kind == "selectbox":
                box = page.locator("[data-testid='stSelectbox']", has_text=case.label).first
                shown = box.locator("input").input_value() or box.inner_text()
                assert str(case.values[0]) in shown, (case.url, shown)
        browser.close()
