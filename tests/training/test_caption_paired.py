"""training.caption_paired's fresh-draw options: another held-out seed draws other scenes of the same kinds, and
--heldout-only reads nothing else."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scene_kinds import make_kind_scenes

ROOT = Path(__file__).resolve().parents[2]


def _pixels(scenes: list[dict]) -> list[np.ndarray]:
    return [np.asarray(s["image"]) for s in scenes]


def test_another_heldout_seed_draws_other_scenes_and_the_same_seed_the_same():
    kind = "small (~30 px)"
    default, again = _pixels(make_kind_scenes(kind, 3)), _pixels(make_kind_scenes(kind, 3))
    fresh = _pixels(make_kind_scenes(kind, 3, seed=2027))
    assert all(np.array_equal(a, b) for a, b in zip(default, again))
    assert not any(np.array_equal(a, b) for a, b in zip(default, fresh))


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    folder = str(WEIGHTS_DIR / "caption")
    return subprocess.run([sys.executable, "-m", "training.caption_paired", "--new", folder, "--old", folder,
                           "--skip-heads", "--decoders", "soft", "--out", str(tmp_path / "out.json"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_heldout_only_writes_the_heldout_kinds_and_their_seed_and_nothing_else(tmp_path):
    run = _run(tmp_path, "--heldout-only", "--heldout-seed", "2027", "--scenes", "1")
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["heldout_seed"] == 2027 and "validation_300" not in out and "card_test_300" not in out
    assert len(out["heldout_kinds"]) == 6
    assert all(k["soft"]["new_minus_old"]["value"] == 0 for k in out["heldout_kinds"].values())
    for k in out["heldout_kinds"].values():        # each side's own interval holds its rate (same weights: equal)
        low, high = k["soft"]["new_interval"]
        assert low <= k["soft"]["new"] <= high and k["soft"]["new_interval"] == k["soft"]["old_interval"]


def test_heldout_only_with_skip_heldout_is_refused_in_one_line(tmp_path):
    run = _run(tmp_path, "--heldout-only", "--skip-heldout")
    assert run.returncode == 2 and "--heldout-only" in run.stderr and "Traceback" not in run.stderr
