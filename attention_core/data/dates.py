"""Dates written by Babel (CLDR data) in English and French, with the gold token alignment.

Each pair is generated from one date and one format; every token is tagged with the date component
it spells (weekday, day, month, year) by formatting that component alone in the same locale, so the
alignment is known by construction. Punctuation ("," ".") is not linked.
"""
from __future__ import annotations

import datetime as dt
import random
import re

from babel.dates import format_date

FORMATS = ("full", "long", "medium")
# What each component looks like when formatted alone, per locale and format width.
COMPONENT_PATTERNS = {
    "full": {"weekday": "EEEE", "month": "MMMM"},
    "long": {"month": "MMMM"},
    "medium": {"month": "MMM"},
}
TOKEN = re.compile(r"\w+\.?|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Words (keeping an abbreviation's dot, e.g. "nov.") and punctuation marks as separate tokens."""
    return TOKEN.findall(text)


def _tags(tokens: list[str], date: dt.date, fmt: str, locale: str) -> list[str | None]:
    named = {"day": {str(date.day)}, "year": {str(date.year)}}
    for comp, pattern in COMPONENT_PATTERNS[fmt].items():
        named[comp] = {format_date(date, pattern, locale=locale)}
    tags = []
    for tok in tokens:
        tag = next((c for c, forms in named.items() if tok in forms or tok.rstrip(".") in
                    {f.rstrip(".") for f in forms}), None)
        tags.append(tag)
    return tags


def make_pair(date: dt.date, fmt: str) -> dict[str, object]:
    """One example: English and French tokens and the gold links ``[(target index, source index), ...]``."""
    en = tokenize(format_date(date, fmt, locale="en"))
    fr = tokenize(format_date(date, fmt, locale="fr"))
    en_tags, fr_tags = _tags(en, date, fmt, "en"), _tags(fr, date, fmt, "fr")
    links = [(t, s) for t, ft in enumerate(fr_tags) if ft for s, et in enumerate(en_tags) if et == ft]
    return {"date": date.isoformat(), "format": fmt, "source": en, "target": fr, "links": links}


def make_split(seed: int = 0, train: int = 12000, test: int = 600, valid: int = 300,
               ) -> dict[str, list[dict[str, object]]]:
    """Disjoint train/test/validation dates between 1900 and 2099 (test dates never seen in training).

    Validation dates are drawn after the test ones, so train and test are the same as before it existed.
    """
    rng = random.Random(seed)
    start, days = dt.date(1900, 1, 1), (dt.date(2099, 12, 31) - dt.date(1900, 1, 1)).days
    chosen = rng.sample(range(days), train + test + valid)
    pairs = [make_pair(start + dt.timedelta(days=d), rng.choice(FORMATS)) for d in chosen]
    return {"train": pairs[:train], "test": pairs[train:train + test], "valid": pairs[train + test:]}


# ---- more ways to write a date (issue 20.2): numeric, British, ordinal, lower case ----------------------
# English pattern (CLDR letters) → French pattern. Numeric dates are read the American way (month first, as
# Babel's "en" short format does), so "12/03/2026" is 3 December and the French swaps the two numbers.
PATTERN_FORMATS = {
    "numeric": ("MM/dd/y", "dd/MM/y"),
    "numeric-short": ("M/d/y", "dd/MM/y"),
    "gb-abbreviated": ("d MMM y", "d MMM y"),        # 3 Dec 2026 → 3 déc. 2026
    "gb-long": ("d MMMM y", "d MMMM y"),             # 3 December 2026 → 3 décembre 2026
    "gb-full": ("EEEE d MMMM y", "EEEE d MMMM y"),   # Thursday 3 December 2026 → jeudi 3 décembre 2026
}
ORDINAL_FORMATS = ("ordinal", "ordinal-us")          # 3rd December 2026 · December 3rd, 2026 → 3 décembre 2026
EXTRA_FORMATS = tuple(PATTERN_FORMATS) + ORDINAL_FORMATS
LOWERCASE_SHARE = 0.3    # of the extra pairs, English written in lower case ("december 3, 2026")
FIELD = re.compile(r"([A-Za-z])\1*|'[^']*'|[^A-Za-z']+")
FIELD_TAGS = {"d": "day", "M": "month", "L": "month", "y": "year", "E": "weekday"}


def pattern_tokens(date: dt.date, pattern: str, locale: str) -> tuple[list[str], list[str | None]]:
    """``date`` written by a CLDR ``pattern``, as tokens with the component each spells (None: punctuation).

    Each field is formatted alone, so a token's component is known even where two numbers are equal
    (03/03/2026)."""
    tokens: list[str] = []
    tags: list[str | None] = []
    for match in FIELD.finditer(pattern):
        piece = match.group(0)
        letter = piece[0]
        if letter in FIELD_TAGS:
            text, tag = format_date(date, piece, locale=locale), FIELD_TAGS[letter]
        else:
            text, tag = piece.strip("'"), None
        for tok in tokenize(text):
            tokens.append(tok)
            tags.append(tag if tok.strip(".").isalnum() else None)
    return tokens, tags


def ordinal(day: int) -> str:
    """English ordinal of a day of the month: 1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def make_extra_pair(date: dt.date, fmt: str, lowercase: bool = False) -> dict[str, object]:
    """One example in an extra format (:data:`EXTRA_FORMATS`), English optionally lower-cased, with gold links."""
    if fmt in PATTERN_FORMATS:
        en_pattern, fr_pattern = PATTERN_FORMATS[fmt]
        en, en_tags = pattern_tokens(date, en_pattern, "en")
        fr, fr_tags = pattern_tokens(date, fr_pattern, "fr")
    elif fmt in ORDINAL_FORMATS:
        month = format_date(date, "MMMM", locale="en")
        if fmt == "ordinal":
            en, en_tags = [ordinal(date.day), month, str(date.year)], ["day", "month", "year"]
        else:
            en, en_tags = [month, ordinal(date.day), ",", str(date.year)], ["month", "day", None, "year"]
        fr, fr_tags = pattern_tokens(date, "d MMMM y", "fr")
    else:
        raise ValueError(f"unknown date format {fmt!r} (known: {', '.join(EXTRA_FORMATS)})")
    lowercase = lowercase and any(ch.isalpha() for t in en for ch in t)   # numeric dates have no case
    if lowercase:
        en = [t.lower() for t in en]
    links = [(t, s) for t, ft in enumerate(fr_tags) if ft for s, et in enumerate(en_tags) if et == ft]
    return {"date": date.isoformat(), "format": fmt + (" lower" if lowercase else ""), "source": en,
            "target": fr, "links": links}


def make_extended_split(seed: int = 0, train: int = 12000, test: int = 600, valid: int = 300,
                        ) -> dict[str, list[dict[str, object]]]:
    """:func:`make_split` plus, for every one of its dates, a second pair in an extra format.

    The dates and their parts are exactly :func:`make_split`'s (so the old test set stays held out); the
    extra formats are drawn with their own generator. ``train`` holds both pairs of each training date;
    ``test`` and ``valid`` hold the old pairs, ``test_extra`` and ``valid_extra`` the new ones."""
    old = make_split(seed, train, test, valid)
    rng = random.Random(f"extra-formats-{seed}")

    def extra(pairs: list[dict[str, object]]) -> list[dict[str, object]]:
        return [make_extra_pair(dt.date.fromisoformat(str(p["date"])), rng.choice(EXTRA_FORMATS),
                                rng.random() < LOWERCASE_SHARE) for p in pairs]

    train_extra = extra(old["train"])
    mixed = [p for pair in zip(old["train"], train_extra) for p in pair]
    return {"train": mixed, "test": old["test"], "valid": old["valid"],
            "test_extra": extra(old["test"]), "valid_extra": extra(old["valid"])}
