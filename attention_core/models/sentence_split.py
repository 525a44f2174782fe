"""Sentences as people write them: paragraphs at blank lines, hard-wrapped lines joined, then syntok.

A ``.txt`` is often hard-wrapped (a licence at 72 columns, an e-mail at 78): its line breaks fall inside
sentences. A line break is taken as a wrap when the next line's first word would not have fitted on the
line within the text's wrap width — the rule a greedy wrapper (an editor's "fill", ``textwrap``) breaks
by — so a short line (a headline, a list item, a signature) keeps its break. Blank lines end paragraphs,
and a paragraph ends a sentence. Inside a paragraph syntok's rule-based segmenter (abbreviations, initials,
decimals, quotations) finds the sentence ends; it was chosen over pysbd, which on the BBC test articles
orphans a closing quote at the start of the next sentence 108 times (syntok: 6), and is linear in the
text's length (1 MB in ~1.7 s; pysbd took 5.9 s for one 137 k-character paragraph).
"""
from __future__ import annotations

from typing import NamedTuple

from syntok import segmenter

# Lines wrapped by hand or by an editor are at most this wide; wider "lines" are whole paragraphs, so
# every break in such a text is a real one (a text pasted one paragraph per line).
MAX_WRAP_WIDTH = 150
# The wrap width is read off the text's line lengths at this quantile, not their maximum: a stray long
# line (a URL, a table row) must not make every wrapped line look short.
WIDTH_QUANTILE = 0.9
# Hand-wrapped text is ragged (GPL-3 at "72 columns" breaks lines whose next word would have reached 64–84), so
# a break is a wrap when the next word would have reached this share of the width; a headline or a list
# item stops well short of it.
WRAP_SLACK = 0.85


class Paragraph(NamedTuple):
    """One paragraph's text with its hard-wrapped lines joined, and how many wrapped breaks were joined."""

    text: str
    joined: int


def wrap_width(lines: list[str]) -> int | None:
    """The width ``lines`` look wrapped at (the 90th percentile of their lengths), or None when they are
    wider than hand-wrapped text ever is (each line is then a paragraph of its own)."""
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 2:
        return None
    width = lengths[min(len(lengths) - 1, int(WIDTH_QUANTILE * len(lengths)))]
    return width if width <= MAX_WRAP_WIDTH else None


def _wrapped(line: str, next_line: str, width: int | None) -> bool:
    """Whether the break between ``line`` and ``next_line`` was made by wrapping (the next word would not have
    fitted, give or take a ragged margin)."""
    if width is None:
        return False
    first = next_line.split(maxsplit=1)[0]
    return len(line.rstrip()) + 1 + len(first) > WRAP_SLACK * width


def paragraphs(text: str) -> list[Paragraph]:
    """``text``'s paragraphs (blank lines between them), each with its wrapped line breaks joined by a space;
    a break that is not a wrap (a short line: a headline, a list item) ends a paragraph too."""
    lines = text.splitlines()
    width = wrap_width(lines)
    out: list[Paragraph] = []
    current: list[str] = []
    joined = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        current.append(line.strip())
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if following.strip() and _wrapped(line, following, width):
            joined += 1
            continue
        out.append(Paragraph(_join(current), joined))
        current, joined = [], 0
    return out


def _join(lines: list[str]) -> str:
    """Wrapped lines as one line: a space between them, none after a hyphen (a wrapper may break after the
    hyphen of "nineteen-year-old"; a word hyphenated by hand stays "soft-ware", its hyphen kept)."""
    out = lines[0] if lines else ""
    for line in lines[1:]:
        glue = "" if len(out) > 1 and out[-1] == "-" and out[-2].isalpha() and line[0].isalpha() else " "
        out += glue + line
    return out


def _segment(paragraph: str) -> list[str]:
    """syntok's sentences of one paragraph, each as the paragraph's own characters (spacing kept)."""
    out = []
    for part in segmenter.process(paragraph):
        for sentence in part:
            start, end = sentence[0].offset, sentence[-1].offset + len(sentence[-1].value)
            out.append(paragraph[start:end].strip())
    return [s for s in out if s]


class SplitText(NamedTuple):
    """A text's sentences, how many of its line breaks were joined as wrapping, and the width it looked wrapped at."""

    sentences: list[str]
    joined_breaks: int
    wrap_width: int | None


def split_text(text: str) -> SplitText:
    """``text`` split as written: paragraphs and hard-wrapped lines joined, then sentences by syntok."""
    parts = paragraphs(text)
    return SplitText([s for p in parts for s in _segment(p.text)], sum(p.joined for p in parts),
                     wrap_width(text.splitlines()))


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as written (see :func:`split_text`)."""
    return split_text(text).sentences
