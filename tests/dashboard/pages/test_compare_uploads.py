"""Compare page: every malformed AttentionMap JSON gives one error line; the page and its basket stay sound."""
import json
import re
import tracemalloc

import numpy as np
import pytest

from attention_core import AttentionMap
from dashboard.components import COMPARE_KEY

from .conftest import charts

GOOD = {"mechanism": "dot", "queries": ["x", "y"], "keys": ["a", "b"], "weights": [[0.4, 0.6], [1.0, 0.0]]}


def _nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for _ in range(depth):
        value = {"deeper": value}
    return value


def _deep_list(depth: int) -> list:
    value: list = [0.5]
    for _ in range(depth):
        value = [value]
    return value


MALFORMED = {
    "zero keys": json.dumps({**GOOD, "keys": [], "weights": [[], []]}).encode(),
    "zero queries": json.dumps({**GOOD, "queries": [], "weights": []}).encode(),
    "meta a string": json.dumps({**GOOD, "meta": "just a note"}).encode(),
    "meta a list": json.dumps({**GOOD, "meta": ["model", "label"]}).encode(),
    "window not a number (old meta)": json.dumps({**GOOD, "meta": {"width": "wide"}}).encode(),
    "window not a number": json.dumps({**GOOD, "window": "wide"}).encode(),
    "deep nesting in meta": json.dumps({**GOOD, "meta": _nested(50)}).encode(),
    "deep nesting in weights": json.dumps({**GOOD, "weights": _deep_list(50)}).encode(),
    # deeper than the JSON parser itself can go: json.loads raises RecursionError
    "nesting json.loads cannot parse": b"[" * 200_000 + b"]" * 200_000,
    "not UTF-8": b"\xff\xfe{\x00",
    "not JSON": b"{mechanism: dot",
    "a list, not an object": b"[1, 2, 3]",
    "weights of the wrong shape": json.dumps({**GOOD, "weights": [[0.4, 0.6, 0.1]]}).encode(),
    "NaN weights": b'{"mechanism": "dot", "queries": ["x"], "keys": ["a"], "weights": [[NaN]]}',
}


def _seen(markdown: str) -> str:
    """What a reader sees of escaped Markdown (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _upload(at, *files):
    at.file_uploader[0].set_value([(name, data, "application/json") for name, data in files])
    at.run()
    assert not at.exception, at.exception


def _page_still_works(at):
    assert not at.get("exception")
    assert any("Nothing to compare" in i.value for i in at.info)
    basket = at.session_state[COMPARE_KEY] if COMPARE_KEY in at.session_state else {}
    assert not basket
    next(b for b in at.button if b.label.startswith("Example"))       # the rest of the page is drawn


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_map_gives_one_error_line_and_stays_out_of_the_basket(open_page, case):
    at = open_page("app_pages/compare.py")
    _upload(at, ("map.json", MALFORMED[case]))
    assert len(at.error) == 1, [e.value for e in at.error]
    message = _seen(at.error[0].value)
    assert message.startswith("map.json: not an AttentionMap JSON (")
    assert "\n" not in message.strip() and "Traceback" not in message
    _page_still_works(at)
    # the bad map stays out: a good upload next to it is drawn alone, and the page reruns cleanly
    good = AttentionMap.from_dict(GOOD).to_json().encode()
    _upload(at, ("map.json", MALFORMED[case]), ("good.json", good))
    assert len(at.error) == 1 and len(charts(at)) == 1
    assert list(at.session_state[COMPARE_KEY]) == ["upload-good.json"]
    next(t for t in at.toggle if t.label == "Shared colour scale").set_value(False)
    at.run()
    assert not at.exception and len(charts(at)) == 1


def test_null_meta_reads_as_no_meta(open_page):
    at = open_page("app_pages/compare.py")
    _upload(at, ("null-meta.json", json.dumps({**GOOD, "meta": None}).encode()))
    assert not at.error and len(charts(at)) == 1


def test_a_map_over_the_cell_cap_is_refused_with_the_cap_and_little_memory(open_page):
    """2500 × 2500 (12.5 MB of JSON, under the upload limit): refused before any array or figure is made."""
    n = 2500
    labels = json.dumps([f"t{i}" for i in range(n)])
    row = "[" + ",".join(["0"] * n) + "]"
    data = (f'{{"mechanism": "dot", "queries": {labels}, "keys": {labels}, "weights": ['
            + ",".join([row] * n) + "]}").encode()
    assert 12e6 < len(data) < 20 * 2 ** 20
    at = open_page("app_pages/compare.py")
    at.file_uploader[0].set_value([("huge.json", data, "application/json")])
    tracemalloc.start()
    try:
        at.run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not at.exception
    assert len(at.error) == 1
    assert "2500 × 2500 cells (at most 1,000,000 are accepted)" in _seen(at.error[0].value)
    # parsing the upload costs ~60 MB of Python lists; drawing it (the old behaviour) took over a gigabyte
    assert peak < 300 * 2 ** 20, f"peak {peak / 2 ** 20:.0f} MB"
    _page_still_works(at)


def test_negative_weights_get_a_warning(open_page):
    at = open_page("app_pages/compare.py")
    edited = AttentionMap("dot", ["x"], ["a", "b"], np.array([[1.4, -0.4]]))
    _upload(at, ("edited.json", edited.to_json().encode()))
    assert not at.error and len(charts(at)) == 1
    assert any("negative weights" in w.value for w in at.warning)
    fresh = open_page("app_pages/compare.py")   # a new session (the basket keeps what was added)
    fine = AttentionMap("dot", ["x"], ["a", "b"], np.array([[0.6, 0.4]]))
    _upload(fresh, ("fine.json", fine.to_json().encode()))
    assert len(charts(fresh)) == 1 and not any("negative weights" in w.value for w in fresh.warning)


def test_a_file_name_with_markdown_is_shown_literally(open_page):
    """A file named like a Markdown image must not become an <img> in the error line."""
    at = open_page("app_pages/compare.py")
    _upload(at, ("![a](x).json", b"{broken"))
    message = at.error[0].value
    assert "![a](x)" not in message and r"\!\[a\]\(x\)" in message


def test_the_example_shows_a_failing_models_error(open_page, monkeypatch):
    """One dates model fails: its one-line error stays on the page (no rerun erases it), the others draw."""
    from dashboard.components import model_access
    real = model_access._explain_cached

    def flaky(model_id, inp, options):
        if model_id == "dates-en-fr/luong-dot":
            raise RuntimeError("weights went missing\nsecond line of detail")
        return real(model_id, inp, options)

    monkeypatch.setattr(model_access, "_explain_cached", flaky)
    at = open_page("app_pages/compare.py")
    next(b for b in at.button if b.label.startswith("Example")).click()
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    message = _seen(at.error[0].value)
    assert "dates-en-fr/luong-dot" in message and "weights went missing" in message
    assert "second line" not in message
    assert len(charts(at)) == 6
