"""The words a subword translation family saw in its training sources, and a notice for an input full of others.

A subword vocabulary has no unknown token (every word splits into known pieces), so it cannot tell a user that
"chipmaker" or "parliament" never occurred in the Bible verses the model learnt from. The family's shipped
``source_words.json`` holds every lower-cased word of its training sources and a rule chosen on validation
(``training/known_words.py``): an input is flagged when at least ``min_unseen`` of its words, and at least
``min_share`` of them, were never seen in training.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .base import read_json

FILE = "source_words.json"
# letters or digits; not "_", which Markdown would read as emphasis when a notice quotes the word
WORD = re.compile(r"[^\W\d_]+|\d+")
QUOTED = 6   # at most this many unseen words are quoted in a notice


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (runs of letters, runs of digits), in order."""
    return WORD.findall(text.lower())


@dataclass(frozen=True)
class KnownWords:
    """A family's training-source words and its rule for flagging an input."""

    words: frozenset[str]
    min_unseen: int
    min_share: float
    trained_on: str = ""

    def unseen(self, text: str) -> tuple[list[str], int, int]:
        """The distinct words of ``text`` never seen in training (in order), how many of its words are unseen
        (repeats counted) and how many words it has."""
        found = words(text)
        missing = [w for w in found if w not in self.words]
        return list(dict.fromkeys(missing)), len(missing), len(found)

    def flags(self, text: str) -> bool:
        """Whether ``text`` has enough words unseen in training to be named as out of the family's domain."""
        return self._flags(*self.unseen(text)[1:])

    def _flags(self, count: int, total: int) -> bool:
        return total > 0 and count >= self.min_unseen and count / total >= self.min_share

    def notice(self, text: str) -> str | None:
        """The notice for ``text`` (None when the rule does not flag it)."""
        unseen, count, total = self.unseen(text)
        if not self._flags(count, total):
            return None
        quoted = ", ".join(unseen[:QUOTED]) + (", …" if len(unseen) > QUOTED else "")
        what = f" ({self.trained_on})" if self.trained_on else ""
        return (f"{count} of {total} words never occur in the training texts{what}: {quoted}. The model "
                "has learnt no translation for them, so the output and its attention say little about them.")


def load_known_words(path: Path, trained_on: str = "") -> KnownWords | None:
    """The family's known words from ``path`` (None when the family ships none)."""
    return _load(str(path), trained_on) if path.exists() else None


@lru_cache(maxsize=None)
def _load(path: str, trained_on: str) -> KnownWords:
    data = read_json(Path(path))
    return KnownWords(frozenset(data["words"]), int(data["min_unseen"]), float(data["min_share"]), trained_on)
