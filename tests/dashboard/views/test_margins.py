"""Margins estimated from a figure's own labels (dashboard.views.margins)."""
import json

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from dashboard.views.margins import fit_margins, text_px


def _plain(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def test_wider_labels_and_capitals_take_more_room():
    assert text_px("WWW", 12) > text_px("iii", 12) > 0
    assert text_px("a<br>longer line", 12) == text_px("longer line", 12)     # the widest line counts
    assert text_px("&lt;b&gt;", 12) == text_px("&b&", 12) > 0                # entities are one character
    assert text_px("<b>bold</b>", 12) == text_px("bold", 12)                 # tags take no room
    assert text_px("word", 18) == text_px("word", 12) * 1.5


def test_left_margin_follows_the_longest_row_label_and_the_right_one_the_colour_bar():
    def fig(rows: list[str], scale: bool) -> dict:
        return _plain(go.Figure(go.Heatmap(z=[[0.1] * 2] * len(rows), y=rows, x=["a", "b"], showscale=scale,
                                           colorbar=dict(title="weight")),
                                layout=dict(margin=dict(l=10, r=10, t=30, b=10))))
    short, long = fit_margins(fig(["a", "b"], False)), fit_margins(fig(["a", "a much longer row label"], False))
    assert long["l"] > short["l"] > 10
    assert short["r"] == 10 and fit_margins(fig(["a", "b"], True))["r"] > 60


def test_margins_are_never_lowered_and_inner_subplot_axes_need_none():
    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Scatter(x=[1, 2], y=[1, 2]), row=1, col=1)
    fig.add_trace(go.Scatter(x=[1, 2], y=["a label far too long for a margin", "b"]), row=1, col=2)
    fig.update_layout(margin=dict(l=300, r=5, t=5, b=5), showlegend=False)
    margin = fit_margins(_plain(fig))
    assert margin["l"] == 300            # already wider than the labels of the left subplot
    assert margin["r"] == 5              # the right subplot's long y labels sit between the plots
    assert margin["b"] > 5               # the bottom axes' numbers
