"""Start the dashboard on a free localhost port (browser tests, benchmarks, load tests) and wait in Chromium."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, failure: Callable[[], Exception | None], timeout: float) -> None:
    """Poll ``url``'s Streamlit health endpoint until it answers 200; raise what ``failure()`` returns as soon
    as it returns something (e.g. the server process exited), or ``TimeoutError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        problem = failure()
        if problem is not None:
            raise problem
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.3)


@contextlib.contextmanager
def dashboard_server(timeout: float = 90.0, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run dashboard/app.py`` on localhost (``env``: extra environment, e.g. the models
    folder); yield its base URL; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, lambda: None if proc.poll() is None else
                     RuntimeError(f"dashboard exited early: {proc.stderr.read()[-2000:]}"), timeout)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_idle(page, timeout_ms: int = 60_000, quiet_ms: int = 1500) -> None:
    """Wait until the page has a title, every chart is drawn and Streamlit has shown no running indicator
    for ``quiet_ms``."""
    # Streamlit shows its status widget (running icon + Stop) only a moment after a run starts, so one
    # look is not enough: the page must stay quiet for a while.
    # the app's own script state (shown with every toolbar mode, unlike the status widget, which
    # client.toolbarMode = "minimal" hides), the status widget, and a drawn title
    busy = ("() => { const app = document.querySelector(\"[data-testid='stApp']\");"
            " return !app || app.getAttribute('data-test-script-state') !== 'notRunning' || "
            "!!document.querySelector(\"[data-testid='stStatusWidget']\") || "
            "!document.querySelector(\"[data-testid='stMainBlockContainer'] h1\") || "
            # a chart whose latest figure plotly.js has not drawn yet (live_figure.js draws after the run)
            "[...(window.__atlasUndrawn || [])].some(c => c.isConnected); }")
    start = quiet_since = time.monotonic()
    while True:
        now = time.monotonic()
        if page.evaluate(busy):
            quiet_since = now
        elif (now - quiet_since) * 1000 >= quiet_ms:
            return
        if (now - start) * 1000 > timeout_ms:
            raise TimeoutError("the dashboard page did not finish running")
        page.wait_for_timeout(100)


def fill_text(page, text: str, timeout_ms: int = 180_000) -> None:
    """Type ``text`` into the page's first text area, submit it (Ctrl+Enter) and wait for the rerun."""
    area = page.locator("textarea").first
    area.fill(text)
    area.press("Control+Enter")
    wait_for_idle(page, timeout_ms=timeout_ms)


def choose_option(page, label: str, typed: str) -> None:
    """Pick an option of the selectbox labelled ``label`` by typing it (the box filters) and pressing Enter."""
    box = page.locator("[data-testid='stSelectbox']", has_text=label).first.locator("input")
    box.click()
    box.fill(typed)
    box.press("Enter")


def tall_screenshot(page, path: str, height: int = 3200, width: int = 1400) -> None:
    """A screenshot of a long page: the app scrolls inside its main block, so a tall viewport shows it whole."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": 1000})
