"""The closed set of tasks a registered model can perform (one value per kind of page and output)."""
from __future__ import annotations

from enum import Enum


class NamedEnum(str, Enum):
    """A ``str`` enum that prints as its value (JSON listings and string comparisons keep working)."""

    def __str__(self) -> str:
        return self.value


class Task(NamedEnum):
    """What a model does; a ``str`` enum so JSON listings and old string comparisons keep working."""

    TRANSLATION = "translation"
    CAPTIONING = "captioning"
    IMAGE_CLASSIFICATION = "image-classification"
    DOCUMENT_CLASSIFICATION = "document-classification"
    SENTENCE_CLASSIFICATION = "sentence-classification"
    ENCODER = "encoder"
    VISION = "vision"


class InputKind(NamedEnum):
    """What a model takes as input."""

    TEXT = "text"
    IMAGE = "image"
