"""In a real browser, user text with Markdown and HTML payloads fetches nothing and links nowhere: the escaping
rule checked where it matters, in what Chromium renders and requests (issue 22.2)."""
from __future__ import annotations

import json
import os
import urllib.parse

import pytest

from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)

TRAP = "127.0.0.1:9"     # nothing listens there: a request to it can only come from rendered user text
PAYLOAD = (f"![h](http://{TRAP}/img.png) [l](http://{TRAP}/link) http://{TRAP}/bare "
           f"<img src='http://{TRAP}/raw.png'> <a href='http://{TRAP}/a'>a</a>")
FILE_NAME = f"![f](http:{TRAP}) <img src=x>.json"   # a file name cannot hold '/'


def test_payloads_in_text_file_names_and_labels_fetch_and_link_nothing(tmp_path):
    bad = tmp_path / FILE_NAME
    bad.write_text("{broken")                                   # the error line quotes the file name
    good = tmp_path / "labels.json"
    good.write_text(json.dumps({"mechanism": PAYLOAD, "queries": [PAYLOAD, "q"], "keys": [PAYLOAD, "k"],
                                "weights": [[0.5, 0.5], [1.0, 0.0]], "meta": {"label": PAYLOAD}}))
    with dashboard_server() as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        trapped: list[str] = []
        page.on("request", lambda r: trapped.append(r.url) if TRAP in r.url else None)
        # typed text, restored from the address (Translate shows unknown tokens and notices quoting it)
        query = urllib.parse.urlencode({"translate-family": "dates-en-fr", "translate-dates-en-fr-text": PAYLOAD})
        page.goto(f"{url}/translate?{query}")
        wait_for_idle(page, timeout_ms=180_000)
        assert page.get_by_text("came back from the page's address").count() == 1
        _no_markup(page)
        # a file name in an error line, and labels in the figure, caption and statistics
        page.goto(f"{url}/compare")
        wait_for_idle(page, timeout_ms=60_000)
        page.get_by_text("Upload AttentionMap JSON files").click()
        page.locator("input[type=file]").set_input_files([str(bad), str(good)])
        wait_for_idle(page, timeout_ms=120_000)
        assert page.locator("[data-testid='stAlertContentError']").filter(has_text="![f](http:").count() == 1
        assert page.locator(".js-plotly-plot").count() == 1
        _no_markup(page)
        page.wait_for_timeout(1000)                               # late image loads would show up here
        browser.close()
    assert trapped == []


def _no_markup(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(f"img[src*='{TRAP}'], a[href*='{TRAP}'], img[src='x']").count() == 0
