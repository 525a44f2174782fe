"""Exports computed on the Dataset atlas page: kept in one folder per server process, a few at a time.

The Compute form works in a temporary folder that is always removed; a finished export moves here so the page
can query it with DuckDB and offer its Parquet for download. The store keeps the :data:`KEPT` newest exports of
all sessions (older ones are deleted) and is removed when the process exits.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

KEPT = 8
_lock = threading.Lock()
_root: Path | None = None
_kept: list[Path] = []


def _store() -> Path:
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="attention-atlas-exports-"))
        atexit.register(shutil.rmtree, _root, True)
    return _root


def store_export(folder: Path) -> str:
    """Move a finished export ``folder`` into the store; returns its new path (the oldest beyond
    :data:`KEPT` are deleted)."""
    with _lock:
        target = _store() / uuid.uuid4().hex
        shutil.move(str(folder), target)
        _kept.append(target)
        while len(_kept) > KEPT:
            shutil.rmtree(_kept.pop(0), ignore_errors=True)
        return str(target)
