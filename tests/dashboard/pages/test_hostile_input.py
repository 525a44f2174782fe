"""Hostile or odd input on the pages: shown literally, cleaned or explained — never as markup or as nothing."""
import re
import unicodedata

import pytest

from .conftest import charts, compute_upload, widget

MARKDOWN_NAME = "![a](x)"


def _has_markdown_image(markdown: str) -> bool:
    """True when the Markdown source would render an image: an unescaped ``![…](…)``."""
    return re.search(r"(?<!\\)!(?<!\\)\[[^\]]*(?<!\\)\]\(", markdown) is not None


@pytest.mark.parametrize("page, name, data", [
    ("app_pages/caption.py", f"{MARKDOWN_NAME}.png", b"not an image at all"),
    ("app_pages/document.py", f"{MARKDOWN_NAME}.txt", b"\xff\xfe\x00 not utf-8"),
])
def test_an_uploaded_file_name_is_not_markdown(open_page, page, name, data):
    at = open_page(page)
    at.file_uploader[0].set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert _has_markdown_image(f"{MARKDOWN_NAME} unescaped")          # the check itself can fail
    assert not _has_markdown_image(message), message
    assert re.sub(r"\\(.)", r"\1", message).startswith(name)           # the reader sees the name as typed


def test_classroom_words_go_through_the_text_cleaner(open_page):
    """Invisible and bidi-override characters never become lesson labels."""
    at = open_page("app_pages/classroom.py")
    at.text_input(key="lesson_words").set_value("the\u202e cat\u200b sat\u2066 on\u0000 the mat")
    at.run()
    at.session_state["lesson_predict"] = False   # the scores table without a prediction first
    at.session_state["lesson_step"] = 1
    at.run()
    assert not at.exception and not at.error
    words = list(at.dataframe[-1].value["word"])
    assert words == ["the", "cat", "sat", "on", "the", "mat"]
    assert all(unicodedata.category(ch)[0] != "C" for w in words for ch in w)


def test_transformers_hiding_every_token_explains_itself(open_page):
    """Input that is only [CLS] (after hiding [CLS] and [SEP] nothing is left): a message, not a 0 × 0 map."""
    at = open_page("app_pages/transformers.py")
    widget(at, "toggle", "Hide [CLS] and [SEP]").set_value(True)
    at.text_area[0].set_value("[CLS]")
    at.run()
    assert not at.exception
    assert any("no tokens besides" in e.value for e in list(at.info) + list(at.error))
    assert not charts(at)
    assert not any("✗" in c.value for c in at.caption)
    at.text_area[0].set_value("The cat sat on the mat.")
    at.run()
    assert not at.exception and charts(at)


@pytest.mark.parametrize("name, data, says", [
    (f"{MARKDOWN_NAME}.csv", b"no_text_column,other\n1,2\n", "text"),          # a header without 'text'
    (f"{MARKDOWN_NAME}.txt", b"", "no inputs"),                                # empty: an error, not "0 maps"
])
def test_dataset_compute_blames_the_file_in_plain_text_and_leaves_no_folder(open_page, name, data, says,
                                                                            tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))            # where the page's work folders go
    at = open_page("app_pages/dataset.py")
    compute_upload(at, name, data)
    assert not at.exception and len(at.error) == 1
    message = at.error[0].value
    assert not _has_markdown_image(message), message
    assert says in message and "/tmp" not in message and str(tmp_path) not in message
    assert not any(tmp_path.glob("atlas-*")), "the failed computation's work folder is removed"
