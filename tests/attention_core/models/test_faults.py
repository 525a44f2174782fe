"""Faults stay local: one broken model folder disables that model only, with a one-line reason."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attention_core.models import ModelLoadError, base, get_spec, load_model, registry, translation

ROOT = Path(__file__).resolve().parents[3]


def _same_size_garbage(path: Path) -> None:
    """Overwrite the tensor bytes (not the header) with noise of the same size: the file still parses."""
    import struct
    data = bytearray(path.read_bytes())
    start = 8 + struct.unpack("<Q", data[:8])[0]
    data[start:] = os.urandom(len(data) - start)
    path.write_bytes(bytes(data))


@pytest.fixture
def weights_copy(tmp_path, monkeypatch):
    """A copy of the dates family's weights that the registry reads instead of the shipped ones."""
    root = tmp_path / "weights"
    shutil.copytree(ROOT / "attention_core" / "weights" / "dates-en-fr", root / "dates-en-fr")
    monkeypatch.setattr(base, "WEIGHTS_DIR", root)
    monkeypatch.setattr(translation, "WEIGHTS_DIR", root)
    monkeypatch.setattr(registry, "_LOADED", {})
    return root / "dates-en-fr"


@pytest.mark.parametrize("damage, words", [
    (lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:1000]), "truncated"),
    (lambda f: (f / "model.safetensors").write_bytes(b"garbage" * 10), "safetensors"),
    (lambda f: (f / "config.json").write_text('{"model": \x01}'), "config.json is unreadable"),
    (lambda f: (f / "config.json").unlink(), "config.json is missing"),
    (lambda f: _same_size_garbage(f / "model.safetensors"), "does not match its recorded SHA-256"),
])
def test_a_damaged_model_is_unavailable_with_a_reason_and_its_siblings_still_work(weights_copy, damage, words):
    damage(weights_copy / "local-m")
    spec = get_spec("dates-en-fr/local-m")
    assert words in spec.problem() and not spec.is_available()
    with pytest.raises(ModelLoadError, match="dates-en-fr/local-m"):
        load_model("dates-en-fr/local-m")
    assert load_model("dates-en-fr/bahdanau").explain("Monday, November 23, 2026").output.text


def test_wrong_architecture_weights_fail_to_load_with_one_line(weights_copy):
    shutil.copy(weights_copy / "bahdanau" / "model.safetensors", weights_copy / "local-m" / "model.safetensors")
    # with its digest too (else the digest check refuses it before loading): a sound file of the wrong model
    shutil.copy(weights_copy / "bahdanau" / "model.safetensors.sha256",
                weights_copy / "local-m" / "model.safetensors.sha256")
    with pytest.raises(ModelLoadError) as info:
        load_model("dates-en-fr/local-m")
    assert "\n" not in str(info.value) and "could not be loaded" in str(info.value)


def test_corrupt_metadata_does_not_break_import_listing_or_other_models(tmp_path):
    """The failure the issue describes: a control character in a family's JSON at import time."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "attention_core", copy / "attention_core",
                    ignore=shutil.ignore_patterns("__pycache__", "model.safetensors"))
    # keep real weights for one healthy model so the explain call below is real
    for mech in ("bahdanau", "local-m"):
        shutil.copy(ROOT / "attention_core/weights/dates-en-fr" / mech / "model.safetensors",
                    copy / "attention_core/weights/dates-en-fr" / mech / "model.safetensors")
    (copy / "attention_core/weights/dates-en-fr/heldout.json").write_text('[{"source": "x\x01"')
    (copy / "attention_core/weights/dates-en-fr/local-m/config.json").write_text("{\x07}")
    env = {**os.environ, "PYTHONPATH": str(copy)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "attention_core", *a], cwd=copy, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    listing = run("models", "--json")
    assert listing.returncode == 0, listing.stderr
    rows = {r["id"]: r for r in json.loads(listing.stdout)}
    assert rows["dates-en-fr/bahdanau"]["available"]
    assert "config.json is unreadable" in rows["dates-en-fr/local-m"]["problem"]
    assert "model.safetensors is missing" in rows["bible-en-fr/local-m"]["problem"]
    ok = run("explain", "--model", "dates-en-fr/bahdanau", "--text", "Monday, November 23, 2026")
    assert ok.returncode == 0 and "lundi" in ok.stdout
    bad = run("explain", "--model", "dates-en-fr/local-m", "--text", "Monday, November 23, 2026")
    assert bad.returncode == 2 and "config.json is unreadable" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
