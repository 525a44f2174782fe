"""The classroom deployment: replicas behind nginx keep each browser on its replica; students never see
tracebacks; a browser works through the proxy."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from attention_core import AttentionMap
from dashboard.classroom import AFFINITY_COOKIE, classroom, find_nginx
from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, wait_for_idle
from dashboard.session_client import StreamlitSession

pytestmark = pytest.mark.slow
needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
                                 reason="nginx is not installed (.ci/run installs it)")
OUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


async def _upload_a_map(url: str, i: int) -> tuple[str | None, list[str], list[str]]:
    """One browser session: open Compare, upload a map; → its replica cookie, errors, exceptions."""
    amap = AttentionMap("dot", ["x"], ["a", "b"], np.array([[0.3 + i / 100, 0.7 - i / 100]]))
    async with StreamlitSession(url, "compare") as s:
        await s.open()
        run = await s.upload("AttentionMap JSON", f"map-{i}.json", amap.to_json().encode(), "application/json")
        return s.http.cookies.get(AFFINITY_COOKIE), run.error_alerts, run.exceptions


@needs_nginx
def test_sessions_stay_on_their_replica_through_the_proxy():
    """An upload reaches Streamlit over HTTP while the session lives on a websocket: both must hit the same
    replica (Streamlit refuses an upload for a session it does not hold). First visits alternate."""
    find_nginx()
    with classroom(2, warm=False) as dep:
        async def run() -> list:
            return await asyncio.gather(*[_upload_a_map(dep.url, i) for i in range(6)])
        results = asyncio.run(run())
    cookies = [cookie for cookie, _, _ in results]
    assert set(cookies) == {"replica-1", "replica-2"}, cookies
    for cookie, alerts, exceptions in results:
        assert not alerts and not exceptions


def test_students_see_a_message_not_a_traceback_and_the_log_keeps_it(tmp_path):
    """client.showErrorDetails = "none" in every replica: no exception type, message, path or stack trace
    reaches the browser; the replica's log has the traceback."""
    app = tmp_path / "broken_app.py"
    app.write_text("import streamlit as st\nst.title('Lesson')\n"
                   "raise RuntimeError('secret detail from /srv/atlas/weights')\n")
    logs = tmp_path / "logs"
    with classroom(1, proxy=False, warm=False, app=app, log_dir=logs) as dep:
        async def run():
            async with StreamlitSession(dep.url, "") as s:
                return await s.open()
        result = asyncio.run(run())
    assert len(result.exceptions) == 1
    shown = result.exceptions[0]
    assert "secret detail" not in shown and "RuntimeError" not in shown
    assert "/" not in shown and "Traceback" not in shown and str(tmp_path) not in shown
    log = re.sub(r"\x1b\[[0-9;]*m", "", (logs / "replica-1.log").read_text())   # without terminal colours
    assert "RuntimeError: secret detail from /srv/atlas/weights" in log and "Traceback" in log


@needs_nginx
@pytest.mark.browser
def test_a_browser_draws_through_the_proxy_on_two_replicas():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    OUT.mkdir(parents=True, exist_ok=True)
    with classroom(2, warm=False) as dep, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        replicas = set()
        for i in range(2):   # two students: first visits go to the replicas in turn
            context = browser.new_context(viewport={"width": 1300, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{dep.url}/classroom")
            wait_for_idle(page, timeout_ms=180_000)
            page.get_by_text("Next ▶", exact=True).click()
            wait_for_idle(page, timeout_ms=60_000)
            page.wait_for_selector("text=Step 2 · How well does each word match the query?", timeout=30_000)
            # predict first: the scores appear once a prediction is checked
            prediction = page.locator("[data-testid='stRadio']").filter(has_text="Your prediction")
            prediction.locator("[data-testid='stRadioOption']").first.click()
            wait_for_idle(page, timeout_ms=60_000)
            page.get_by_role("button", name="Check my prediction").click()
            wait_for_idle(page, timeout_ms=60_000)
            page.wait_for_selector(".js-plotly-plot .barlayer", timeout=30_000)
            assert page.locator("[data-testid='stException']").count() == 0
            cookie = {c["name"]: c["value"] for c in context.cookies()}.get("atlas_replica")
            replicas.add(cookie)
            page.screenshot(path=str(OUT / f"classroom-through-proxy-{i + 1}.png"), full_page=True)
            assert not errors, errors
            context.close()
        browser.close()
    assert replicas == {"replica-1", "replica-2"}


def test_without_nginx_the_command_exits_2_with_one_line(monkeypatch, capsys):
    from dashboard import classroom as deployment
    monkeypatch.setattr(deployment.shutil, "which", lambda name: None)
    monkeypatch.setattr(deployment.os, "access", lambda path, mode: False)
    assert deployment.main(["--replicas", "2", "--port", "0", "--no-warm-up"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: nginx is not installed (Debian/Ubuntu: sudo apt-get install -y nginx)"
