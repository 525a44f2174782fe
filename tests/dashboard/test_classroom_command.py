"""The class-session deployment command from docs/lessons.md, run as written against a real PostgreSQL (only
the port, the database address and --no-warm-up changed): it migrates the store, serves through nginx and
stops cleanly on Ctrl-C; an unreachable database is one line and exit 2."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard.class_store import HEAD, open_engine, revision
from dashboard.class_store.local_postgres import local_postgres, postgres_bin
from dashboard.local_server import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
                                 reason="nginx is not installed (.ci/run installs it)")]


def _documented_command() -> list[str]:
    text = (ROOT / "docs" / "lessons.md").read_text()
    line = next(m.group(0) for m in re.finditer(r"python -m dashboard\.classroom [^\n]*--database[^\n]*", text))
    return shlex.split(line)


def test_the_documented_postgresql_deployment_runs():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    argv = _documented_command()
    port = free_port()
    with local_postgres() as db:
        argv[argv.index("--port") + 1] = str(port)
        argv[argv.index("--database") + 1] = db
        proc = subprocess.Popen([sys.executable, *argv[1:], "--no-warm-up"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            line = proc.stdout.readline()
            assert line.startswith("Classroom deployment on"), line
            assert "class sessions in postgresql" in line and "@" in line
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as r:
                assert r.status == 200
            assert revision(open_engine(db)) == HEAD
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=60)
        open_engine(db).dispose()
    assert code == 0


def test_an_unreachable_database_stops_the_deployment_in_one_line():
    argv = _documented_command()
    argv[argv.index("--database") + 1] = "postgresql://atlas:pw@127.0.0.1:1/atlas"
    argv[argv.index("--port") + 1] = str(free_port())
    start = time.monotonic()
    done = subprocess.run([sys.executable, *argv[1:], "--no-warm-up"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot be reached" in lines[0] and ":pw@" not in lines[0]
    assert time.monotonic() - start < 60
