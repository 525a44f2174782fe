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
