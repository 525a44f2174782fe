import json

import numpy as np

from attention_core import AttentionMap

from .conftest import charts


def _upload(at, *files):
    at.file_uploader[0].set_value(list(files))
    at.run()
    assert not at.exception


def test_empty_basket_says_what_to_do(open_page):
    at = open_page("app_pages/compare.py")
    assert any("Nothing to compare" in i.value for i in at.info)


def test_the_example_fills_the_basket_with_every_dates_mechanism(open_page):
    at = open_page("app_pages/compare.py")
    next(b for b in at.button if b.label.startswith("Example")).click()
    at.run()
    assert not at.exception
    figs = charts(at)
    assert len(figs) == 7
    table = at.dataframe[0].value
    assert len(table) == 7 and (table["max weight"] > 0).all()
    # local-m and local-p carry their windows, so the window share is reported for them; top-k keeps its
    # k positions anywhere, so it has no window to report
    assert table["share inside window"].notna().sum() == 2


def test_uploaded_maps_are_drawn_on_one_scale_with_statistics(open_page):
    at = open_page("app_pages/compare.py")
    a = AttentionMap("dot", ["x", "y"], ["a", "b", "c"], np.array([[0.2, 0.3, 0.5], [1.0, 0, 0]]))
    b = AttentionMap("local-m", ["x"], ["a", "b"], np.array([[0.6, 0.4]]), centers=[0.0], window=1)
    _upload(at, ("a.json", a.to_json().encode(), "application/json"),
            ("b.json", b.to_json().encode(), "application/json"))
    figs = charts(at)
    assert len(figs) == 2
    assert {f["data"][0]["zmax"] for f in figs} == {1.0}           # shared colour scale
    table = at.dataframe[0].value
    assert list(table["max weight"]) == [1.0, 0.6]
    assert table["share inside window"].iloc[1] == 1.0
    next(t for t in at.toggle if t.label == "Shared colour scale").set_value(False)
    at.run()
    assert sorted(f["data"][0]["zmax"] for f in charts(at)) == [0.6, 1.0]


def test_a_bad_json_file_gives_one_error_and_the_page_keeps_working(open_page):
    at = open_page("app_pages/compare.py")
    _upload(at, ("bad.json", b"{not json", "application/json"),
            ("wrong.json", json.dumps({"mechanism": "x"}).encode(), "application/json"))
    assert len(at.error) == 2 and all("not an AttentionMap JSON" in e.value for e in at.error)


def test_the_same_models_map_from_two_pages_draws_twice_and_toggles(open_page):
    """Two maps with one title (added from Translate and from Any model) were one widget key: a crash."""
    from attention_core.models import load_model
    from dashboard.components.compare_basket import COMPARE_KEY
    amap = load_model("dates-en-fr/luong-dot").explain("Monday, June 3, 2024").maps[0]
    at = open_page("app_pages/compare.py")
    at.session_state[COMPARE_KEY] = {"translate-dates": amap.to_dict(), "explore-dates-0": amap.to_dict()}
    at.run()
    assert not at.exception and len(charts(at)) == 2
    next(t for t in at.toggle if t.label == "Shared colour scale").set_value(False).run()
    assert not at.exception, at.exception
    assert len(charts(at)) == 2 and len(set(at.multiselect[0].value)) == 2
