import json

from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard.components import live_figure as live
from tests.dashboard.pages.conftest import figure_elements


def _page() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from dashboard.components import cached_figure, show_figure
    big = st.toggle("big")
    fig = cached_figure(("live-figure-test", big), lambda: go.Figure(go.Heatmap(z=[[0.1, 0.9], [0.4, 0.6]],
                                                                             zmax=1.0 if big else 0.5)))
    points = show_figure(fig, key="live-test", on_click=lambda pts: st.session_state.update(clicked=pts))
    st.write(f"points this run: {len(points)}")


def test_a_chart_keeps_its_element_and_receives_the_new_figure():
    """The chart's element id stays the same when its figure changes (so the browser restyles it in place),
    and the element carries the figure Plotly would draw."""
    at = AppTest.from_function(_page).run()
    assert not at.exception
    (key, spec), = figure_elements(at)
    assert key.endswith("live-test") and at.get("bidi_component")          # drawn by the in-place chart
    assert json.loads(spec)["data"][0]["zmax"] == 0.5
    at.toggle[0].set_value(True).run()
    (key_after, spec_after), = figure_elements(at)
    assert key_after == key and json.loads(spec_after)["data"][0]["zmax"] == 1.0
    assert json.loads(at.get("bidi_component")[0].proto.json)["clickable"] is True


def test_plotly_js_is_served_from_the_installed_package():
    assert live.live_available()
    served = live.STATIC / "plotly.min.js"
    assert served.read_bytes()[:2000] == live.PLOTLY_JS.read_bytes()[:2000]
    assert served.stat().st_size == live.PLOTLY_JS.stat().st_size


def test_without_static_serving_the_page_falls_back_to_streamlits_chart():
    live._served.clear()
    config.set_option("server.enableStaticServing", False)
    try:
        at = AppTest.from_function(_page).run()
        assert not at.exception
        assert at.get("plotly_chart") and not at.get("bidi_component")
        assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["zmax"] == 0.5
    finally:
        config.set_option("server.enableStaticServing", True)
        live._served.clear()


def test_click_markers_fold_into_their_heatmaps_cell_for_cell():
    """The in-place chart gets the overview grids without their invisible per-cell markers: each heatmap
    carries the markers' hover text and, cell for cell, their click data (the cell's own head and value)."""
    import numpy as np
    import plotly.io as pio

    from attention_core import AttentionMap
    from attention_core.head_stats import distance_profiles, head_table
    from dashboard.views.head_overview import CLICK_TARGETS, distance_heatmap, head_grid

    rng = np.random.default_rng(0)
    tokens = [f"w{i}" for i in range(12)]
    maps = [AttentionMap("multi-head", tokens, tokens, rng.dirichlet(np.ones(12), 12).astype(np.float32),
                         layer=layer, head=head) for layer in range(2) for head in range(3)]
    for fig in (head_grid(head_table(maps)), distance_heatmap(distance_profiles(maps))):
        plain = json.loads(pio.to_json(fig, validate=False))
        targets = [t for t in plain["data"] if t.get("meta") == CLICK_TARGETS]
        folded = live.heatmap_clicks(plain)
        assert targets and len(folded["data"]) == len(plain["data"]) - len(targets)
        assert [t for t in plain["data"] if t.get("meta") == CLICK_TARGETS] == targets      # the input is kept
        heatmaps = [t for t in folded["data"] if t["type"] == "heatmap"]
        assert len(heatmaps) == len(targets)
        for heat, marks in zip(heatmaps, targets):
            assert "hoverinfo" not in heat and heat["hovertemplate"] == marks["hovertemplate"]
            rows, cols = live._plain_array(heat["z"]).shape
            custom = live._plain_array(marks["customdata"])
            for r, c in [(0, 0), (rows - 1, cols - 1), (rows // 2, 1)]:
                assert np.allclose(np.asarray(heat["customdata"][r][c], dtype=float),
                                   np.asarray(custom[r * cols + c], dtype=float), equal_nan=True)
    # the overview's cells name their own layer and head
    grid = live.heatmap_clicks(json.loads(pio.to_json(head_grid(head_table(maps)), validate=False)))
    assert grid["data"][0]["customdata"][1][2][:2] == [1, 2]
    # a figure without markers passes unchanged
    plain = {"data": [{"type": "heatmap", "z": [[1, 2]]}], "layout": {}}
    assert live.heatmap_clicks(plain) is plain
    # a cell without a value (NaN) is null: the browser's JSON.parse takes no NaN
    # (the statistics of tokens these maps lack, e.g. attention to [CLS], are NaN)
    assert "NaN" not in json.dumps(grid)
