"""Every page, fed Markdown and HTML payloads as text, file names, file contents and CSV headers: nothing the
user wrote is rendered as an image, a link (bare URLs included) or raw HTML (AppTest; issue 22.2)."""
import json
import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from dashboard.pages import PAGES

from .conftest import compute_upload, figure_elements, settled

HOST = "127.0.0.1:9"
PAYLOAD = (f"![h](http://{HOST}/x.png) [link](http://{HOST}/l) http://{HOST}/bare www.example.org "
           f"mail@example.org <img src=http://{HOST}/i.png> <a href='http://{HOST}/a'>a</a> <b>bold</b> "
           ":red[red] $x^2$ the cat sat on the mat.")
NAME = f"![h](http://{HOST}/n.png) <img src=x>"
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# GFM (Streamlit's Markdown) links bare URLs and e-mail addresses too; in escaped text their ':', '.' or '@'
# carry a backslash, so none of these matches
_AUTOLINK = re.compile(r"(?<!\\)(?:https?|ftp)(?<!\\):(?<!\\)//|(?<![\\\w])www(?<!\\)\.\w|\w(?<!\\)@\w+(?<!\\)\.\w")
TEXT_KINDS = ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader", "toast")
WIDGET_KINDS = ("selectbox", "multiselect", "radio", "text_area", "text_input", "toggle", "checkbox", "slider",
                "select_slider", "number_input", "button", "expander", "tabs", "file_uploader")


def markup_in(markdown: str) -> list[str]:
    """What Markdown source would render as markup: images, links, raw HTML, bare-URL or e-mail autolinks."""
    found = []

    def walk(tokens):
        for t in tokens:
            if t.type in ("image", "link_open", "html_inline", "html_block", "autolink"):
                found.append(t.type)
            walk(t.children or [])
    walk(_MD.parse(markdown))
    found += [f"autolink {m.group(0)!r}" for m in _AUTOLINK.finditer(markdown)]
    return found


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


def rendered_markup(at) -> list[str]:
    """Every piece of the page that renders Markdown (bodies, widget labels and help) or HTML, with the markup
    it would render."""
    problems = []
    for kind in TEXT_KINDS:
        for el in at.get(kind):
            for source in (getattr(el, "value", ""), getattr(el.proto, "help", "")):
                if isinstance(source, str) and markup_in(source):
                    problems.append((kind, source[:160], markup_in(source)))
    for kind in WIDGET_KINDS:
        for el in at.get(kind):
            for source in (getattr(el.proto, "label", ""), getattr(el.proto, "help", "")):
                if markup_in(source):
                    problems.append((kind, source[:160], markup_in(source)))
    for el in at.get("html"):   # our own HTML: coloured spans and blocks, never a tag from the user
        parser = _Tags()
        parser.feed(el.proto.body)
        ours = {"div", "span", "style"}
        if 'class="atlas-large-table-wrap"' in el.proto.body or 'class="atlas-large-copy-wrap"' in el.proto.body:
            # a table's HTML twin, or an editor's large copy: pandas escapes each cell
            ours |= {"table", "thead", "tbody", "tr", "th", "td"}
        if parser.tags - ours:
            problems.append(("html", el.proto.body[:160], sorted(parser.tags)))
    for key, spec in figure_elements(at):  # Plotly draws <a href> and <img> in text: the payload's must be escaped
        if "<a href" in spec or "<img" in spec:
            problems.append(("plotly", key, "unescaped <a>/<img> in the figure's text"))
    return problems


def test_the_check_itself_finds_markup():
    assert {"image", "link_open", "html_inline"} <= {p.split()[0] for p in markup_in(PAYLOAD)}
    assert markup_in("see http://x.org") and markup_in("www.example.org") and markup_in("a@b.org")
    assert not markup_in("plain words, 3.5 nats")


TEXT_PAGES = [p.path for p in PAGES if p.path != "app_pages/home.py"]


@pytest.mark.parametrize("page", TEXT_PAGES)
def test_payload_typed_into_every_text_box_renders_no_markup(open_page, page):
    at = open_page(page)
    boxes = [b for b in list(at.text_area) + list(at.text_input) if not b.proto.disabled]
    for box in boxes:
        box.set_value(PAYLOAD)
    settled(at)
    assert not at.exception, at.exception
    assert rendered_markup(at) == []


UPLOADS = {
    "app_pages/caption.py": (f"{NAME}.png", b"not an image"),
    "app_pages/vision.py": (f"{NAME}.png", b"not an image"),
    "app_pages/document.py": (f"{NAME}.txt", PAYLOAD.encode()),
    "app_pages/compare.py": (f"{NAME}.json", json.dumps(
        {"mechanism": PAYLOAD, "queries": [PAYLOAD, "b"], "keys": [PAYLOAD, "y"], "weights": [[0.5, 0.5], [1, 0]],
         "meta": {"label": PAYLOAD, "model": PAYLOAD}}).encode()),
}


@pytest.mark.parametrize("page", list(UPLOADS))
def test_payload_in_a_file_name_and_its_content_renders_no_markup(open_page, page):
    at = open_page(page)
    name, data = UPLOADS[page]
    uploader = at.file_uploader[0]
    uploader.set_value([(name, data, "application/octet-stream")] if uploader.proto.multiple_files else
                       (name, data, "application/octet-stream"))
    settled(at)
    assert not at.exception, at.exception
    assert rendered_markup(at) == []


@pytest.mark.parametrize("name, data", [
    (f"{NAME}.csv", f'"{PAYLOAD}",other\n1,2\n'.encode()),            # a CSV header quoted in the error
    (f"{NAME}.txt", b"\xff\xfe not utf-8"),
    (f"{NAME}.jsonl", b'{"title": "no text field"}\n'),
])
def test_dataset_compute_quotes_file_names_and_headers_as_text(open_page, name, data):
    at = open_page("app_pages/dataset.py")
    compute_upload(at, name, data)
    assert not at.exception and len(at.error) == 1
    assert rendered_markup(at) == []
    assert "/tmp" not in at.error[0].value
