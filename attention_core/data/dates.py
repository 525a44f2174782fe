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
