"""A session's text comes back after a reload or a replica's death: kept in the page's address (issue 22.6)."""
import pytest
from streamlit.testing.v1 import AppTest

from .conftest import APP, widget

PAGES = {"app_pages/document.py": "document-text", "app_pages/hops.py": "hops-text",
         "app_pages/transformers.py": "transformers-text", "app_pages/translate.py": "translate-dates-en-fr-text"}
TEXT = "Monday, March 2, 2026 — my own words, not a sample."


def _fresh(page: str, params: dict[str, str]) -> AppTest:
    """A new session (a reload, or another replica after one died) opening ``page`` with this address."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", list(PAGES))
def test_an_edited_text_comes_back_in_a_new_session_with_one_notice(open_page, page):
    at = open_page(page)
    if page.endswith("translate.py"):
        widget(at, "radio", "Task").set_value("dates-en-fr")
        at.run()
    at.text_area[0].set_value(TEXT)
    at.run()
    address = {k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
               for k in at.query_params}
    assert address[PAGES[page]] == TEXT
    again = _fresh(page, address)
    assert again.text_area[0].value == TEXT
    notices = [i.value for i in again.info if "came back from the page's address" in i.value]
    assert len(notices) == 1
    again.run()                                                          # it stays while the text is the same
    assert sum("came back" in i.value for i in again.info) == 1
    again.text_area[0].set_value(TEXT + " Edited.")
    again.run()                                                          # and goes once the user edits it
    assert not any("came back" in i.value for i in again.info)


def test_an_unedited_page_keeps_a_clean_address(open_page):
    at = open_page("app_pages/hops.py")
    assert "hops-text" not in at.query_params
    assert not any("came back" in i.value for i in at.info)


def test_an_address_is_input_an_unknown_task_is_ignored():
    at = _fresh("app_pages/translate.py", {"translate-family": "no-such-task"})
    assert widget(at, "radio", "Task").value != "no-such-task" and not at.error


def test_a_text_too_long_for_an_address_is_not_kept_and_the_page_says_so(open_page):
    at = open_page("app_pages/document.py")
    at.text_area[0].set_value("word " * 1_000)
    at.run()
    assert "document-text" not in at.query_params
    assert any("not kept in the page's address" in c.value for c in at.caption)
