"""Documents split as people write them: paragraphs, hard-wrapped lines joined, real sentence ends."""
import textwrap
from pathlib import Path

import pytest

from attention_core.models.sentence_split import paragraphs, sentences, split_text, wrap_width
from benchmarks.long_inputs import NEWS

GPL3 = Path("/usr/share/common-licenses/GPL-3")   # Debian's base-files ships it, hard-wrapped by hand


@pytest.mark.parametrize("width", [40, 60, 72, 100])
def test_a_hard_wrapped_article_gives_the_same_sentences_as_its_unwrapped_paragraphs(width):
    title, body = "Tram line approved after seven-hour debate", NEWS.strip()
    flowing = f"{title}\n\n{body}"
    wrapped = f"{title}\n\n" + textwrap.fill(body, width)
    expected = sentences(flowing)
    assert len(expected) > 10 and expected[0] == title
    assert sentences(wrapped) == expected
    assert split_text(wrapped).joined_breaks == len(textwrap.wrap(body, width)) - 1


def test_blank_lines_and_short_lines_end_paragraphs_and_a_headline_is_its_own_sentence():
    text = ("Council backs tram plan\n"            # a headline: short line, no full stop
            "The council voted on Tuesday to fund a tram line. It will open in 2030.\n\n"
            "Storm warning for the coast\n\n"
            "Forecasters expect gusts of 110 km/h.")
    assert sentences(text) == ["Council backs tram plan", "The council voted on Tuesday to fund a tram line.",
                               "It will open in 2030.", "Storm warning for the coast",
                               "Forecasters expect gusts of 110 km/h."]


def test_a_line_wrapped_after_a_hyphen_is_joined_without_a_space():
    text = ("The winning goal was scored by their nineteen-year-\n"
            "old striker in the fourth minute of added time, late\n"
            "on Tuesday night.")
    assert sentences(text) == ["The winning goal was scored by their nineteen-year-old striker in the fourth "
                               "minute of added time, late on Tuesday night."]


def test_text_pasted_one_paragraph_per_line_keeps_every_break():
    lines = [NEWS[:400].rsplit(" ", 1)[0], "Weather and business", NEWS[400:900].rsplit(" ", 1)[0]]
    assert wrap_width(lines) is None                     # lines this long were not wrapped by hand
    assert [p.text for p in paragraphs("\n".join(lines))] == lines


def test_abbreviations_decimals_and_quotations_do_not_end_sentences():
    text = ('Mr. Smith paid $1.13bn to the U.S. firm on Jan. 3 at 5 p.m. on the dot. He said: "It was worth it." '
            'Shares rose 2.5% on Friday.')
    assert sentences(text) == ["Mr. Smith paid $1.13bn to the U.S. firm on Jan. 3 at 5 p.m. on the dot.",
                               'He said: "It was worth it."', "Shares rose 2.5% on Friday."]


@pytest.mark.skipif(not GPL3.exists(), reason="no /usr/share/common-licenses/GPL-3 here")
def test_the_gpl_hard_wrapped_at_72_columns_gives_real_sentences():
    text = GPL3.read_text()
    found = sentences(text)
    # the old split at every line break gave 650 pieces such as "We, the Free Software Foundation, use the"
    assert 150 < len(found) < 260
    assert ("We, the Free Software Foundation, use the GNU General Public License for most of our software; "
            "it applies also to any other work released this way by its authors.") in found
    assert not any(s.endswith(" use the") for s in found)
    # a sentence opening in lower case is a list item ("a) The work must…"), never a wrapped line's tail
    assert all(s[:2].endswith(")") for s in found if s[0].islower())


def test_empty_and_blank_texts_have_no_sentences():
    assert sentences("") == [] and sentences(" \n\n \t\n") == []
    assert split_text("one line").wrap_width is None
