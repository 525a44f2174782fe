"""The test-set measurements ``python -m attention_core faithfulness --measure NAME`` can run, by name.

Each writes one JSON document per model (``<root>/<model id>/<file>``) and renders its tables into the block
between its two markers in a Markdown file (``--docs``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..checkpoint import WEIGHTS_DIR


@dataclass(frozen=True)
class Measure:
    """One measurement: how to run it on a model, where its JSON goes, how its tables read."""

    name: str
    file: str
    evaluate: Callable[..., dict[str, Any]]               # (model id, n, progress=) → document
    markdown: Callable[[list[dict[str, Any]]], str]        # documents → Markdown tables
    start: str
    end: str
    check: Callable[[str], object] | None = None           # raises ValueError (one line) for a model it cannot run
    figure: Callable[[dict[str, Any], Path], Path] | None = None   # (document, folder) → the PNG it drew
    heldout: bool = True          # runs on the model's declared held-out set (else its ``check`` vets the data)
    off_heldout: Callable[[str], bool] | None = None   # a model this measure runs on other data (its check vets it)

    def reads_heldout(self, model_id: str) -> bool:
        """True when ``model_id`` is measured on its declared held-out set."""
        return self.heldout and not (self.off_heldout is not None and self.off_heldout(model_id))

    def models(self) -> list[str]:
        """The shipped models this measure covers (``--all``) in the order their tables show: the held-out
        models, then (for a measure that also runs elsewhere) the other shipped models it covers."""
        from ..models import list_models
        from .faithfulness import shipped_models
        listed = [s.id for s in list_models() if s.shipped and not s.capabilities.user]
        if not self.heldout:
            return listed
        first = shipped_models()
        extra = [m for m in listed if m not in first and self.off_heldout is not None and self.off_heldout(m)]
        return first + extra

    def problem(self, model_id: str) -> str | None:
        """Why this measure cannot run on ``model_id`` (one line), or None."""
        if self.check is None:
            return None
        try:
            self.check(model_id)
        except ValueError as exc:
            return str(exc.args[0])
        return None

    def path(self, model_id: str, root: Path = WEIGHTS_DIR) -> Path:
        """``<root>/<model id>/<file>``."""
        return Path(root) / model_id / self.file

    def write(self, doc: dict[str, Any], root: Path = WEIGHTS_DIR) -> Path:
        """Write ``doc`` (compact JSON) beside the model's weights under ``root``."""
        path = self.path(doc["model"], root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        return path

    def read(self, model_id: str, root: Path = WEIGHTS_DIR) -> dict[str, Any] | None:
        """The stored document of ``model_id`` (None when there is none or it is unreadable)."""
        try:
            return json.loads(self.path(model_id, root).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def update_docs(self, path: Path, root: Path, models: list[str]) -> None:
        """Rewrite the block between this measure's markers in ``path`` from the documents under ``root``
        (every model that has one, in ``models`` order)."""
        docs = [d for d in (self.read(m, root) for m in models) if d is not None]
        text = path.read_text(encoding="utf-8")
        if self.start not in text or self.end not in text:
            raise ValueError(f"{path} has no {self.start} … {self.end} block")
        head, rest = text.split(self.start, 1)
        _, tail = rest.split(self.end, 1)
        path.write_text(f"{head}{self.start}\n{self.markdown(docs)}\n{self.end}{tail}", encoding="utf-8")


def _agreement() -> Measure:
    from . import faithfulness, report
    return Measure("agreement", faithfulness.FILE, faithfulness.evaluate, lambda docs: report.markdown_of(docs),
                   report.START, report.END)


def _eraser() -> Measure:
    from . import eraser_report, heldout_eraser
    return Measure("eraser", heldout_eraser.FILE, heldout_eraser.evaluate, eraser_report.markdown,
                   eraser_report.START, eraser_report.END)


def _weights() -> Measure:
    from . import heldout_weights
    return Measure("weights", heldout_weights.FILE, heldout_weights.evaluate, heldout_weights.markdown,
                   heldout_weights.START, heldout_weights.END, check=heldout_weights.layers_of)


def _randomisation() -> Measure:
    from . import heldout_randomisation as r
    return Measure("randomisation", r.FILE, r.evaluate, r.markdown, r.START, r.END, check=r.check, figure=r.figure,
                   off_heldout=r.is_vision)


def _localisation() -> Measure:
    from . import heldout_localisation as h
    return Measure("localisation", h.FILE, h.evaluate, h.markdown, h.START, h.END, check=h.check, heldout=False)


MEASURES: dict[str, Callable[[], Measure]] = {"agreement": _agreement, "eraser": _eraser, "weights": _weights,
                                              "randomisation": _randomisation, "localisation": _localisation}


def get_measure(name: str) -> Measure:
    """The measure called ``name``; ``KeyError`` naming the known ones otherwise."""
    if name not in MEASURES:
        raise KeyError(f"unknown measure {name!r} (known: {', '.join(MEASURES)})")
    return MEASURES[name]()
