"""The command line on damaged model files and odd inputs: exit 2 with one line, never a traceback or a hang."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attention_core.cli import main
from attention_core.models import base, captioning, registry, translation

ROOT = Path(__file__).resolve().parents[2]
DATE = "Monday, November 23, 2026"
SCENE = str(ROOT / "attention_core" / "samples" / "scene-1.png")


@pytest.fixture
def weights_copy(tmp_path, monkeypatch):
    """Copies of the dates and caption families that the registry and loaders read instead."""
    root = tmp_path / "weights"
    for family in ("dates-en-fr", "caption"):
        shutil.copytree(ROOT / "attention_core" / "weights" / family, root / family)
    for module in (base, translation, captioning):
        monkeypatch.setattr(module, "WEIGHTS_DIR", root)
    monkeypatch.setattr(registry, "_LOADED", {})
    translation.tokenizer.cache_clear()
    yield root
    translation.tokenizer.cache_clear()


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


DAMAGE = {
    "truncated safetensors": ("dates-en-fr/local-m/model.safetensors", _truncate),
    "garbage safetensors": ("dates-en-fr/local-m/model.safetensors", lambda p: p.write_bytes(b"garbage" * 50)),
    "bad config.json": ("dates-en-fr/local-m/config.json", lambda p: p.write_text('{"model": \x01}')),
    "config.json of another shape": ("dates-en-fr/local-m/config.json", lambda p: p.write_text('{"x": 1}')),
    "missing config.json": ("dates-en-fr/local-m/config.json", lambda p: p.unlink()),
    "bad tokenizer.json": ("dates-en-fr/tokenizer.json", lambda p: p.write_text("{\x07")),
    "tokenizer.json that is not a tokenizer": ("dates-en-fr/tokenizer.json", lambda p: p.write_text('{"a": 1}')),
    "wrong-architecture weights": ("dates-en-fr/local-m/model.safetensors",
                                   lambda p: shutil.copy(p.parents[1] / "luong-concat" / "model.safetensors", p)),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_translation_model_exits_2_with_one_line(weights_copy, capsys, case):
    relative, damage = DAMAGE[case]
    damage(weights_copy / relative)
    status = main(["explain", "--model", "dates-en-fr/local-m", "--text", DATE])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err
    assert "dates-en-fr/local-m" in err


@pytest.mark.parametrize("relative, damage", [
    ("caption/soft/model.safetensors", _truncate),
    ("caption/soft/config.json", lambda p: p.write_text("not json")),
    ("caption/vocab.json", lambda p: p.write_text("[\x01")),
    ("caption/soft/model.safetensors",        # a translation model's weights: another architecture
     lambda p: shutil.copy(p.parents[2] / "dates-en-fr" / "bahdanau" / "model.safetensors", p)),
])
def test_damaged_captioner_exits_2_with_one_line_on_the_image_path(weights_copy, capsys, relative, damage):
    damage(weights_copy / relative)
    status = main(["explain", "--model", "caption/soft", "--image", SCENE])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "caption/soft" in err and "Traceback" not in err


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "attention_core", *args], cwd=ROOT, env=env, **kwargs)


def test_a_fifo_as_image_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    proc = _cli("explain", "--model", "caption/soft", "--image", str(fifo), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=120)   # before the fix this waited forever for a writer
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the CLI blocked on a FIFO")
    assert proc.returncode == 2 and "not a regular file" in err
    assert len(err.strip().splitlines()) == 1


def test_output_into_a_closed_pipe_ends_without_a_traceback():
    """``explain … | head -c 100``: the reader stops early; the CLI must not print a BrokenPipeError."""
    # MiniLM's 72 maps make JSON far larger than a pipe's buffer, so the writer is still writing when the
    # reader closes (a small output would fit in the buffer and never meet the closed pipe)
    proc = _cli("explain", "--model", "transformer/minilm-l6", "--text", "The cat sat on the mat. " * 4,
                "--json", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert head.startswith(b"{")
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_same_size_garbage_weights_are_refused_not_run_to_nan(tmp_path):
    """Garbage of the same size behind a sound header loaded and printed 'rotten (nan)' with exit 0."""
    import os
    import shutil
    import struct
    root = Path(__file__).resolve().parents[2]
    copy = tmp_path / "project"
    shutil.copytree(root / "attention_core", copy / "attention_core", ignore=shutil.ignore_patterns("__pycache__"))
    weights = copy / "attention_core" / "weights" / "sentence" / "lin" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    start = 8 + struct.unpack("<Q", data[:8])[0]
    data[start:] = os.urandom(len(data) - start)
    weights.write_bytes(bytes(data))
    run = subprocess.run([sys.executable, "-m", "attention_core", "explain", "--model", "sentence/lin", "--text",
                          "A fine film."], capture_output=True, text=True, timeout=300, cwd=copy,
                         env={**os.environ, "PYTHONPATH": str(copy)})
    assert run.returncode == 2 and "nan" not in run.stdout
    assert "does not match its recorded SHA-256" in run.stderr and len(run.stderr.strip().splitlines()) == 1
