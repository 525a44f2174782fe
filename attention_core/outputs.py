"""Typed model outputs: what a model produced besides its maps (a translation, a caption, classes...)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Union


@dataclass(frozen=True)
class Translation:
    """Generated target text."""

    text: str
    kind: ClassVar[str] = "translation"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Caption:
    """A generated image caption."""

    text: str
    kind: ClassVar[str] = "caption"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ClassDistribution:
    """A predicted class with the probability of every class (ordered as the model's labels).

    ``penalty`` is the structured self-attention penalty ‖AAᵀ − I‖²_F when the model has hops.
    """

    label: str
    probabilities: dict[str, float]
    penalty: float | None = None
    kind: ClassVar[str] = "classes"

    @property
    def confidence(self) -> float:
        """Probability of the predicted class."""
        return float(self.probabilities.get(self.label, 0.0))

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable classes, best first."""
        return sorted(self.probabilities.items(), key=lambda kv: -kv[1])[:k]

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence:.2f})"


@dataclass(frozen=True)
class TokenSequence:
    """An encoder's input tokens and the shape of its attention stack (no prediction)."""

    tokens: list[str]
    layers: int
    heads: int
    full_length: int = 0
    kind: ClassVar[str] = "tokens"

    def __str__(self) -> str:
        return " ".join(self.tokens)


@dataclass(frozen=True)
class PatchGrid:
    """A vision transformer's input as patches: image side in px, patch grid ``[h, w]``, tokens ([CLS] +
    patches), layers, heads, and the patch asked about (``None`` when only [CLS] rows were asked for)."""

    size: int
    grid: list[int]
    tokens: int
    layers: int
    heads: int
    query_patch: list[int] | None = None
    kind: ClassVar[str] = "patches"

    def __str__(self) -> str:
        return f"{self.grid[0]} × {self.grid[1]} patches of a {self.size}-px image"


@dataclass(frozen=True)
class Generation:
    """A language model's continuation of a prompt (greedy), and how many tokens it generated."""

    prompt: str
    text: str
    new_tokens: int
    kind: ClassVar[str] = "generation"

    def __str__(self) -> str:
        return self.text


Output = Union[Translation, Caption, ClassDistribution, TokenSequence, PatchGrid, Generation]
OUTPUT_TYPES: dict[str, type] = {t.kind: t for t in (Translation, Caption, ClassDistribution, TokenSequence,
                                                     PatchGrid, Generation)}


def output_to_dict(output: Output) -> dict[str, Any]:
    """JSON-ready dict with a ``kind`` tag."""
    return {"kind": output.kind, **asdict(output)}


def output_from_dict(data: dict[str, Any]) -> Output:
    """Inverse of :func:`output_to_dict`."""
    data = dict(data)
    cls = OUTPUT_TYPES[data.pop("kind")]
    return cls(**data)


__all__ = ["Caption", "ClassDistribution", "OUTPUT_TYPES", "Output", "TokenSequence", "Translation",
           "output_from_dict", "output_to_dict"]
