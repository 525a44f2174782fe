"""A lesson as data: a YAML or JSON file of steps, each an input, one or more models and a question kind.

A teacher writes one (or starts from a shipped lesson); :func:`parse_lesson` checks it completely before a
class sees it, so a bad file is one clear line, never a half-working lesson. Only shipped sample images
can be named: a lesson file cannot make the server read arbitrary files.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_LESSON_BYTES = 64 * 1024
MAX_STEPS = 20
MAX_TEXT = 2000
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
STEP_KEYS = {"title", "ask", "model", "models", "input", "image", "params", "intro", "after"}
LESSON_KEYS = {"id", "title", "summary", "steps"}


class LessonError(ValueError):
    """A lesson file that cannot be used; the message is one line naming the step and the field."""


@dataclass(frozen=True)
class Step:
    """One step: the models it runs on its input, the question kind and its parameters, the texts around it.

    ``intro`` is shown with the question; ``after`` (the critical framing) only once the map is revealed.
    """

    title: str
    ask: str
    models: tuple[str, ...]
    input: str | None = None
    image: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    intro: str = ""
    after: str = ""

    @property
    def takes_text(self) -> bool:
        """True when the step's input is text (a teacher may replace it with their own)."""
        return self.image is None

    @property
    def image_path(self) -> Path | None:
        """The shipped sample image the step shows (None for text steps)."""
        return None if self.image is None else SAMPLES / self.image


@dataclass(frozen=True)
class Lesson:
    """A lesson: id, title, one-paragraph summary and its steps."""

    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]

    def to_json(self) -> str:
        """The lesson as JSON text (what a class session stores, so every replica reads the same lesson)."""
        return json.dumps({"id": self.id, "title": self.title, "summary": self.summary,
                           "steps": [{k: v for k, v in {
                               "title": s.title, "ask": s.ask, "models": list(s.models), "input": s.input,
                               "image": s.image, "params": s.params, "intro": s.intro, "after": s.after}.items()
                               if v not in (None, "", {})} for s in self.steps]}, ensure_ascii=False)


def _text(value: Any, where: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(f"{where} must be {'a non-empty ' if required else ''}text")
    if len(value) > MAX_TEXT:
        raise LessonError(f"{where} is longer than {MAX_TEXT} characters")
    return value.strip()


def _step(raw: Any, i: int) -> Step:
    where = f"step {i + 1}"
    if not isinstance(raw, dict):
        raise LessonError(f"{where} must be a mapping (title, ask, model, input, …)")
    unknown = set(raw) - STEP_KEYS
    if unknown:
        raise LessonError(f"{where} has unknown field(s) {', '.join(sorted(map(str, unknown)))}; "
                          f"allowed: {', '.join(sorted(STEP_KEYS))}")
    models = raw.get("models", [raw["model"]] if "model" in raw else [])
    if isinstance(models, str):
        models = [models]
    if not isinstance(models, list) or not models or not all(isinstance(m, str) and m for m in models):
        raise LessonError(f"{where} needs 'model' (one model id) or 'models' (a list of ids)")
    if ("input" in raw) == ("image" in raw):
        raise LessonError(f"{where} needs exactly one of 'input' (text) or 'image' (a shipped sample's name)")
    image = None
    if "image" in raw:
        image = _text(raw["image"], f"{where}: image")
        # a name, not a path: only the package's own samples can be shown
        if Path(image).name != image or not (SAMPLES / image).is_file():
            shipped = ", ".join(sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".png", ".jpg")))
            raise LessonError(f"{where}: image must be one of the shipped samples ({shipped})")
    params = raw.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(v, (str, int, float)) for v in params.values()):
        raise LessonError(f"{where}: params must map names to plain values")
    return Step(_text(raw.get("title"), f"{where}: title"), _text(raw.get("ask"), f"{where}: ask"),
                tuple(models), _text(raw["input"], f"{where}: input") if "input" in raw else None, image,
                dict(params), _text(raw.get("intro"), f"{where}: intro", required=False),
                _text(raw.get("after"), f"{where}: after", required=False))


def parse_lesson(data: Any) -> Lesson:
    """A lesson from parsed YAML/JSON, checked: fields, question kinds, models and what they can draw."""
    from .questions import check_step
    if not isinstance(data, dict):
        raise LessonError("a lesson must be a mapping with id, title, summary and steps")
    unknown = set(data) - LESSON_KEYS
    if unknown:
        raise LessonError(f"the lesson has unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError("the lesson needs a non-empty list of steps")
    if len(steps) > MAX_STEPS:
        raise LessonError(f"a lesson has at most {MAX_STEPS} steps ({len(steps)} given)")
    parsed = tuple(_step(s, i) for i, s in enumerate(steps))
    for i, step in enumerate(parsed):
        problem = check_step(step)
        if problem:
            raise LessonError(f"step {i + 1}: {problem}")
    lesson_id = _text(data.get("id"), "the lesson's id")
    if not all(ch.isalnum() or ch in "-_" for ch in lesson_id) or len(lesson_id) > 80:
        raise LessonError("the lesson's id may hold letters, digits, '-' and '_' (at most 80)")
    return Lesson(lesson_id, _text(data.get("title"), "the lesson's title"),
                  _text(data.get("summary"), "the lesson's summary", required=False), parsed)


def read_lesson(source: str | bytes) -> Lesson:
    """A lesson from YAML or JSON text (JSON is YAML); :class:`LessonError` with one line if unusable."""
    raw = source.encode() if isinstance(source, str) else source
    if len(raw) > MAX_LESSON_BYTES:
        raise LessonError(f"the lesson file is larger than {MAX_LESSON_BYTES // 1024} KB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError("the lesson file is not UTF-8 text (YAML or JSON expected)") from None
    try:
        data = yaml.safe_load(text)   # safe_load: no Python objects from a teacher's file
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise LessonError(f"the lesson file is not valid YAML or JSON{where}") from None
    return parse_lesson(data)


def load_lesson(path: str | Path) -> Lesson:
    """A lesson from a ``.yaml``/``.yml``/``.json`` file."""
    path = Path(path)
    try:
        return read_lesson(path.read_bytes())
    except OSError as exc:
        raise LessonError(f"cannot read {path.name}: {exc.strerror}") from None


SHIPPED = Path(__file__).resolve().parent / "shipped"


def shipped_lessons() -> list[Lesson]:
    """The lessons that ship with the package, in file-name order."""
    return [load_lesson(p) for p in sorted(SHIPPED.glob("*.yaml"))]
