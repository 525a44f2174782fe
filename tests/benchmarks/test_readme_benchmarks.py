"""Every benchmark command the README shows runs, at a small size, and prints its table (no timing is
asserted: the numbers are the benchmark's to report, in docs/benchmarks.md)."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# README command → (options that make it small, a header or line its output must hold); the load runs skip the
# replicas' warm-up (every page opened once), which is half their time and not what they check here
SMALL: dict[str, tuple[list[str], str]] = {
    "python -m benchmarks.mechanisms": (["--sizes", "64", "--device", "cpu", "--mechanisms", "global-dot"],
                                        "global-scaled_dot / sdpa-math time"),
    "python -m benchmarks.dashboard": (["--repeats", "1", "--pages", "explore"], "rerun median (ms)"),
    "python -m benchmarks.transformers": ([], "extract 72 maps (ms)"),
    "python -m benchmarks.atlas": (["--quick", "--limit", "3", "--engines", "local"], "maps/s"),
    "python -m benchmarks.vision": (["--no-browser", "--repeats", "1", "--threads", "1", "--sizes", "224"],
                                    "rollout @ 224 px"),
    "python -m benchmarks.load": (["--pages", "caption", "--sessions", "1", "--replicas", "1", "--think", "0",
                                   "0", "--ramp", "0", "--max-seconds", "60", "--no-warm-up"], "| caption"),
    "python -m benchmarks.load --memory": (["--pages", "caption", "--idle", "1", "--soak", "4", "--warm", "2",
                                            "--upload-side", "1001", "--no-warm-up"],
                                           "MB per idle session"),
    "python -m benchmarks.load --lesson": (["--sessions", "2", "--think", "0", "0"], "replica killed at (s)"),
    "python -m benchmarks.attribution": (["--only", "flow", "--repeats", "1", "--threads", "1",
                                          "--flow-lengths", "12", "20"], "flow (s)"),
}


def readme_commands() -> list[str]:
    """The commands in the README's Benchmarks block, comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Benchmarks", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def _run(command: str) -> subprocess.CompletedProcess:
    extra, _ = SMALL[command]
    argv = shlex.split(command)
    return subprocess.run([sys.executable, *argv[1:], *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess]:
    """Every README benchmark command's finished process, two at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {c: pool.submit(_run, c) for c in readme_commands() if c in SMALL}
        return {c: f.result() for c, f in futures.items()}


def test_every_readme_benchmark_has_a_small_run():
    """A benchmark added to the README without a small run here fails, so the README stays tested."""
    assert readme_commands() and set(readme_commands()) == set(SMALL)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(SMALL))
def test_readme_benchmark_runs_and_prints_its_table(runs, command):
    run = runs[command]
    assert run.returncode == 0, run.stderr[-2000:]
    # a Markdown table (its rule line) holding the benchmark's own header
    assert SMALL[command][1] in run.stdout and re.search(r"^\|[:-]+\|", run.stdout, re.M), run.stdout[-2000:]
    assert "Traceback" not in run.stderr
