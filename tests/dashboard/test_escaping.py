"""The one escaping rule (dashboard.escaping.escape): Markdown and HTML."""
import re

from markdown_it import MarkdownIt

from dashboard.escaping import escape


def _shown(markdown: str) -> str:
    """The text CommonMark renders from ``markdown`` (no tags)."""
    return re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").render(markdown)).strip()


def test_markdown_shows_every_character_as_typed():
    hostile = r"![h](http://x/y.png) [a](b) <b>x</b> *e* _u_ `c` # h \ back\slash a\b.txt :red[r] $m$ ~s~ | t |"
    import html
    assert html.unescape(_shown(escape(hostile))) == hostile


def test_markdown_breaks_bare_url_and_email_autolinks():
    out = escape("http://127.0.0.1:9/x www.example.org a@b.org")
    assert "://" not in out and "www." not in out and "@" not in out.replace("\\@", "")


def test_html_escapes_tags_and_quotes():
    assert escape("<img src='x'> & \"", html=True) == "&lt;img src=&#x27;x&#x27;&gt; &amp; &quot;"


def test_non_strings_are_shown_as_their_text():
    assert escape(3.5) == "3\\.5"


def test_messages_lose_the_servers_folders():
    from dashboard.escaping import without_paths
    message = "cannot import name 'x' from 'dashboard.panel' (/work/main/dashboard/components/panel.py)"
    assert without_paths(message) == "cannot import name 'x' from 'dashboard.panel' (panel.py)"
    assert without_paths("/tmp/atlas-3f/binary.txt: not UTF-8 text") == "binary.txt: not UTF-8 text"
    assert without_paths("a 3/4 split and 1/2") == "a 3/4 split and 1/2"
