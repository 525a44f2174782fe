"""Join codes, teacher secrets and student tokens: random, hard to guess, stored only as hashes."""
from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L: a code is read off a projector and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8   # 31^8 ≈ 8.5e11 codes: guessing one of a few live classes is hopeless at any request rate


def new_code() -> str:
    """A fresh join code, e.g. ``K7PX-M2QD`` without the dash."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """A typed code as stored: upper case, with spaces and dashes dropped."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def shown_code(code: str) -> str:
    """A code as shown to people: two groups of four (``K7PX-M2QD``)."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def new_secret() -> str:
    """A teacher secret or student token (URL-safe, 192 random bits)."""
    return secrets.token_urlsafe(24)


def digest(secret: str) -> str:
    """The SHA-256 hex digest stored in place of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored: str) -> bool:
    """True when ``secret`` hashes to ``stored`` (constant-time comparison)."""
    return hmac.compare_digest(digest(secret), stored)
