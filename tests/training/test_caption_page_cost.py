"""training.caption_page_cost: two weights folders timed side by side; a folder it cannot read as ``…/caption`` is
refused in one line."""
import json
import subprocess
import sys
from pathlib import Path

from attention_core.checkpoint import WEIGHTS_DIR

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "training.caption_page_cost", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_shipped_folder_against_itself_gives_the_same_samples_and_times_both(tmp_path):
    out = tmp_path / "page.json"
    run = _run("--old", str(WEIGHTS_DIR / "caption"), "--repeats", "1", "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["samples_same_as_old"] == {"soft": True, "hard": True}
    assert all(ms > 0 for side in result["page_ms"].values() for ms in side.values())


def test_a_folder_not_named_caption_is_refused_in_one_line(tmp_path):
    run = _run("--old", str(tmp_path), "--out", str(tmp_path / "page.json"))
    assert run.returncode == 2 and "--old must be a weights folder named caption" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "page.json").exists()
