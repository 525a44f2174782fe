"""One error contract for ``python -m attention_core``: bad argument ranges, an ``--out`` that cannot be
written, bad input files, a Ray Client address without ``ray[client]`` and Ctrl-C each end with exit 2 (130 for
Ctrl-C), exactly one line on stderr, nothing on stdout and no traceback, before any work.

The sweep calls the command line's ``main`` in this process (each case is refused before any work, and a
subprocess per case spent its ~3 s importing torch); a few cases also run as real ``python -m attention_core``
processes, which must say exactly the same, so the sweep stands for the command users type.

Cases already covered elsewhere are not repeated: unknown model / dataset / input kind and a non-empty
``--out`` (atlas/test_export.py), malformed rows of each file type (atlas/test_datasets.py), damaged
weights, a FIFO and a closed pipe (test_cli_faults.py), an unknown faithfulness model
(attribution/test_faithfulness.py).
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from io import StringIO
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
MODEL = "dates-en-fr/luong-dot"          # a small translator: loads in well under a second
DATE = "Monday, November 23, 2026"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "attention_core", *args]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(_cli(*args), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)


def _run_here(args: list[str]) -> subprocess.CompletedProcess:
    """The command line's ``main`` in this process, its stdout and stderr captured (an exception escapes: the
    process would have printed a traceback)."""
    from attention_core.cli import main
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(args)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def _export(dataset: Path | str, out: Path | str, *extra: str, model: str = MODEL) -> list[str]:
    return ["export", "--model", model, "--engine", "local", "--dataset", str(dataset), "--out", str(out), *extra]


def _faith(*extra: str) -> list[str]:
    return ["faithfulness", "--model", MODEL, "--quiet", *extra]


def _assert_one_line(run: subprocess.CompletedProcess, status: int, *needles: str) -> str:
    """The contract: ``status``, one stderr line holding every needle, empty stdout, no traceback."""
    lines = run.stderr.splitlines()
    assert run.returncode == status, run.stderr[-2000:]
    assert len(lines) == 1, run.stderr[-2000:]
    assert run.stdout == "", run.stdout[-2000:]
    assert "Traceback" not in run.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@dataclass(frozen=True)
class Case:
    """One refused command: its arguments (given the inputs folder), what its line must say, a folder check."""

    args: Callable[[Path], list[str]]
    needles: tuple[str, ...]
    check: Callable[[Path], None] | None = None
    input_file: bool = False   # the line names the user's file by its name, not by the folder it sits in


def _kept_empty(name: str) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        assert (folder / name).is_dir() and not any((folder / name).iterdir())
    return check


def _absent(name: str) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        assert not (folder / name).exists()
    return check


def _unwritable(folder: Path) -> Path:
    """A folder this process cannot create files in: a read-only one, or (as root, who ignores permission
    bits) a path under /proc, where no file can be created."""
    locked = folder / "locked"
    if os.geteuid() != 0:
        return locked / "out"
    return Path("/proc/attention-atlas-contract-out")


CASES: dict[str, Case] = {
    # argument ranges: argparse refuses them before anything is loaded
    "export --limit -1": Case(lambda d: _export(d / "one.txt", d / "o-limit-neg", "--limit", "-1"),
                              ("--limit", "at least 1"), _absent("o-limit-neg")),
    "export --limit 0": Case(lambda d: _export(d / "one.txt", d / "o-limit-0", "--limit", "0"),
                             ("--limit", "at least 1"), _absent("o-limit-0")),
    "export --batch-size -1": Case(lambda d: _export(d / "one.txt", d / "o-bs-neg", "--batch-size", "-1"),
                                   ("--batch-size", "at least 1")),
    "export --batch-size 0": Case(lambda d: _export(d / "one.txt", d / "o-bs-0", "--batch-size", "0"),
                                  ("--batch-size", "at least 1"), _absent("o-bs-0")),
    "faithfulness --n 0": Case(lambda d: _faith("--n", "0", "--out", str(d / "f-n0")), ("--n", "at least 1"),
                               _absent("f-n0")),
    "faithfulness --n -3": Case(lambda d: _faith("--n", "-3", "--out", str(d / "f-nneg")), ("--n", "at least 1")),
    "faithfulness --threads 0": Case(lambda d: _faith("--n", "1", "--threads", "0", "--out", str(d / "f-t0")),
                                     ("--threads", "at least 1"), _absent("f-t0")),
    # --out: a folder that can be written, checked before computing
    "export --out is a file": Case(lambda d: _export(d / "one.txt", d / "a-file"), ("a-file", "is a file")),
    "export --out under a file": Case(lambda d: _export(d / "one.txt", d / "a-file" / "sub"),
                                      ("a-file", "is a file")),
    "export --out unwritable": Case(lambda d: _export(d / "one.txt", _unwritable(d)), ("cannot write to",)),
    "faithfulness --out is a file": Case(lambda d: _faith("--n", "1", "--out", str(d / "a-file")),
                                         ("a-file", "is a file")),
    "faithfulness without --out or --ship": Case(lambda d: _faith("--n", "1"), ("--out DIR", "--ship")),
    "faithfulness --out with --ship": Case(lambda d: _faith("--n", "1", "--ship", "--out", str(d / "f-both")),
                                           ("not allowed",)),
    "faithfulness --docs missing": Case(lambda d: _faith("--n", "1", "--out", str(d / "f-docs"), "--docs",
                                                         str(d / "no-such.md")),
                                        ("no-such.md",), _absent("f-docs")),
    "faithfulness --docs without tables": Case(lambda d: _faith("--n", "1", "--out", str(d / "f-docs2"),
                                                                "--docs", str(d / "plain.md")),
                                               ("plain.md", "<!-- faithfulness -->"), _absent("f-docs2")),
    # bad input files: named by their own name, blamed, never half-exported
    "JSONL with malformed links": Case(lambda d: _export(d / "links.jsonl", d / "o-links"),
                                       ("links.jsonl", "row 2", "'links'"), _absent("o-links"), input_file=True),
    "JSONL nested 5,000 deep": Case(lambda d: _export(d / "deep.jsonl", d / "o-deep"),
                                    ("deep.jsonl", "line 1", "nested too deeply"), input_file=True),
    "CSV field over 131,072 characters": Case(lambda d: _export(d / "big.csv", d / "o-big"),
                                              ("big.csv", "line 3", "field larger than field limit"), input_file=True),
    "folder with no images": Case(lambda d: _export(d / "no-images", d / "o-img", model="caption/soft"),
                                  ("no-images", "no images"), _absent("o-img"), input_file=True),
    "empty .txt": Case(lambda d: _export(d / "empty.txt", d / "o-empty"), ("empty.txt", "no inputs"),
                       _absent("o-empty"), input_file=True),
    # a Ray Client address without ray[client]: what to install, or the local alternative; the empty folder stays
    "--address ray:// without ray[client]": Case(
        lambda d: ["export", "--model", MODEL, "--engine", "ray", "--address", "ray://127.0.0.1:1",
                   "--dataset", str(d / "one.txt"), "--out", str(d / "pre-existing")],
        ('pip install "ray[client]"', "--address auto", "ray start"), _kept_empty("pre-existing")),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Small input files, one per case, in one folder."""
    d = tmp_path_factory.mktemp("cli-contract")
    (d / "one.txt").write_text(DATE + "\n", encoding="utf-8")
    (d / "empty.txt").write_text("", encoding="utf-8")
    (d / "a-file").write_text("not a folder")
    (d / "plain.md").write_text("# Notes\n\nNo tables here.\n")
    good = {"text": "Jun 1 , 2000", "target": "1 juin 2000", "links": [[0, 1], [1, 0]]}
    (d / "links.jsonl").write_text(json.dumps(good) + "\n" + json.dumps({**good, "links": [[0, "x"], [1]]}) + "\n")
    (d / "deep.jsonl").write_text('{"text": "a", "x": ' + "[" * 5000 + "]" * 5000 + "}\n")
    (d / "big.csv").write_text("text\nshort\n" + "a" * 140_000 + "\n", encoding="utf-8")
    (d / "no-images").mkdir()
    (d / "no-images" / "notes.txt").write_text("not an image")
    (d / "pre-existing").mkdir()
    (d / "locked").mkdir()
    (d / "locked").chmod(0o555)
    yield d
    (d / "locked").chmod(0o755)


# cases also run as real processes: an argparse range, an unwritable --out, a file the reader refuses, Ray
IN_A_PROCESS = ("export --limit -1", "export --out unwritable", "JSONL nested 5,000 deep",
                "--address ray:// without ray[client]")


@pytest.fixture(scope="module")
def results(inputs) -> dict[str, subprocess.CompletedProcess]:
    """Every case's result from ``main`` in this process, one after another."""
    return {name: _run_here(case.args(inputs)) for name, case in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_refused_in_one_line_before_any_work(results, inputs, name):
    case = CASES[name]
    line = _assert_one_line(results[name], 2, *case.needles)
    assert line.startswith("error: ")
    if case.input_file:   # e.g. the dashboard's temporary upload folder must not show
        assert str(inputs) not in line
    if case.check is not None:
        case.check(inputs)


@pytest.mark.parametrize("name", IN_A_PROCESS)
def test_the_command_users_type_says_what_main_says(results, inputs, name):
    run = _run(CASES[name].args(inputs))
    assert _assert_one_line(run, 2) == _assert_one_line(results[name], 2)


def test_a_good_export_prints_its_result_on_stdout_only(inputs):
    out = inputs / "good"
    run = _run(_export(inputs / "one.txt", out))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""   # no progress bar when stderr is not a terminal
    assert re.fullmatch(rf"1 maps from 1 examples of one\.txt by {MODEL} \(local, [0-9.]+ s\) → {out}\n",
                        run.stdout), run.stdout
    assert sorted(p.name for p in out.iterdir()) == ["atlas.json", "part-0.parquet"]


@pytest.mark.parametrize("pre_existing", [False, True], ids=["new folder", "pre-existing empty folder"])
def test_ctrl_c_during_an_export_writes_nothing(tmp_path, pre_existing):
    many = tmp_path / "many.txt"
    many.write_text(f"{DATE}\n" * 5000, encoding="utf-8")   # ~10 s of work: far longer than the wait below
    out = tmp_path / "out"
    if pre_existing:
        out.mkdir()
    # a suite started in the background (`cmd &` without job control) hands its children SIGINT ignored, and
    # Python then installs no KeyboardInterrupt handler: give the CLI the default, as a terminal would
    proc = subprocess.Popen(_cli(*_export(many, out, "--batch-size", "1")), cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(out.glob(".atlas-partial-*/part-0.parquet")):   # the model runs and writes its first file
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    run = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert _assert_one_line(run, 130) == "interrupted; nothing written"
    if pre_existing:
        assert out.is_dir() and list(out.iterdir()) == []
    else:
        assert not out.exists()
