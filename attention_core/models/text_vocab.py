"""Word tokenisation and a word vocabulary for the document and sentence models (sentences: ``sentence_split``)."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from .special_tokens import PAD, UNK
WORD = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)


def words(text: str) -> list[str]:
    """Words and punctuation marks, case kept (the vocabulary lowercases)."""
    return WORD.findall(text)


class Vocab:
    """Lowercased word → id, with ``<pad>`` = 0 and ``<unk>`` = 1."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, texts: Iterable[list[str]], max_size: int, min_count: int = 2) -> "Vocab":
        """The ``max_size`` most frequent lowercased words seen at least ``min_count`` times."""
        counts = Counter(w.lower() for ws in texts for w in ws)
        common = [w for w, c in counts.most_common(max_size - 2) if c >= min_count]
        return cls(["<pad>", "<unk>"] + common)

    def ids(self, ws: list[str]) -> list[int]:
        """Ids of words (unknown → ``<unk>``)."""
        return [self.index.get(w.lower(), UNK) for w in ws]

    def __len__(self) -> int:
        return len(self.tokens)

    def save(self, path: Path) -> None:
        """Write the vocabulary as JSON."""
        path.write_text(json.dumps({"tokens": self.tokens}, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> "Vocab":
        """Read a vocabulary written by :meth:`save`."""
        return cls(json.loads(path.read_text())["tokens"])
