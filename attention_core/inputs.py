"""Validation of user input shared by the CLI and the dashboard: one clear error, never a traceback."""
from __future__ import annotations

import io
import os
import stat
import unicodedata
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

# Longer text is cut (and the caller is told). Each model declares its own cap (``ModelSpec.max_chars``):
MAX_TEXT_CHARS = 2000          # sentence-sized models (translation, self-attentive sentences)
MAX_DOCUMENT_CHARS = 2 ** 20   # whole documents: every .txt within the Document page's 1 MB upload limit fits
MAX_ENCODER_CHARS = 100_000    # transformers: far past 512 tokens (every BBC article whole), so the model
                               # counts the real length and reports the token cut itself
MAX_DOCUMENT_UPLOAD_MB = 1     # the Document page's upload limit (HAN reads ~1 MB in ~3 s on one CPU core)
MAX_IMAGE_BYTES = 20 * 2 ** 20  # uploads above this are refused before decoding
MAX_IMAGE_PIXELS = 40_000_000  # a larger header is refused: decompression-bomb guard
MAX_IMAGE_SIDE = 1024          # accepted images are downscaled to this longest side


class InputError(ValueError):
    """Bad user input; the message is one line meant for the user."""


@dataclass(frozen=True)
class TextInput:
    """Cleaned text plus whether it was cut to the limit."""

    text: str
    truncated: bool
    original_chars: int


def clean_text(text: object, max_chars: int = MAX_TEXT_CHARS) -> TextInput:
    """NFC-normalise, drop control characters, refuse empty text, cut to ``max_chars``."""
    if not isinstance(text, str):
        raise InputError("text input must be a string")
    text = unicodedata.normalize("NFC", text)
    # Control and format characters (bidi overrides, NUL...) carry no words and break layouts.
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    kept = kept.strip()
    if not kept:
        raise InputError("the text is empty: type or paste at least one word")
    truncated = len(kept) > max_chars
    return TextInput(kept[:max_chars].rstrip() if truncated else kept, truncated, len(kept))


def load_image(source: str | os.PathLike | bytes | BinaryIO, max_bytes: int = MAX_IMAGE_BYTES,
               max_pixels: int = MAX_IMAGE_PIXELS, max_side: int = MAX_IMAGE_SIDE) -> Image.Image:
    """Open an image safely → RGB PIL image no larger than ``max_side``; raise :class:`InputError` otherwise."""
    data = _read_bytes(source, max_bytes)
    if not data:
        raise InputError("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size       # header only: nothing decoded yet
            if width * height > max_pixels:
                raise InputError(f"the image is too large ({width}×{height} pixels; limit "
                                 f"{max_pixels // 1_000_000} megapixels)")
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at reduced scale
            image.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError("the image is too large to decode safely") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InputError("this file is not a readable image (PNG, JPEG or WebP expected)") from None
    image = _to_rgb(image)
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side))
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with high-bit-depth grey scaled to 8 bits: Pillow's own conversion clips a 16-bit PNG's values at
    255, which turned a 16-bit grey photo 99.6 % white."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        if image.mode == "F":          # floats: [0, 1] when they fit there, else 8-bit values
            top = 1.0 if values.size and values.max() <= 1.0 else 255.0
        else:                          # 16-bit data (also what Pillow opens as 32-bit "I")
            top = 65535.0 if image.mode.startswith("I;16") or (values.size and values.max() > 255) else 255.0
        grey = np.clip(np.rint(values / top * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    return image.convert("RGB")


def _read_bytes(source: str | os.PathLike | bytes | BinaryIO, max_bytes: int) -> bytes:
    """Read at most ``max_bytes + 1`` bytes from a path, bytes or file object."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            # O_NONBLOCK: opening a FIFO would otherwise wait forever for a writer; then only a regular
            # file is read (not a FIFO, a device such as /dev/zero, or a directory)
            fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
            with open(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise InputError(f"{os.fspath(source)!r} is not a regular file")
                data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot read {os.fspath(source)!r}: {exc.strerror or exc}") from None
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"the file is larger than {max_bytes // 2 ** 20} MB")
    return data
