"""Start the dashboard on a free localhost port for browser tests and benchmarks."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(timeout: float = 90.0) -> Iterator[str]:
    """Run ``streamlit run dashboard/app.py`` on localhost; yield its base URL; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"dashboard exited early: {proc.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError("dashboard did not start in time")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has drawn the page and finished running the script."""
    # The status widget (running icon + Stop) exists only while the script runs; the main block has
    # elements once the page has been drawn. Both must hold twice in a row, 250 ms apart.
    check = ("() => !document.querySelector(\"[data-testid='stStatusWidget']\") && "
             "document.querySelectorAll(\"[data-testid='stMainBlockContainer'] [data-testid]\").length > 0")
    for _ in range(2):
        page.wait_for_function(check, timeout=timeout_ms, polling=100)
        page.wait_for_timeout(250)
