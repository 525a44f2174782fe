import numpy as np
import plotly.graph_objects as go

from attention_core import AttentionMap
from dashboard.components import cached_figure, fingerprint


def _map(w: np.ndarray, keys=("a", "b")) -> AttentionMap:
    return AttentionMap("dot", ["x", "y"], list(keys), w)


def test_fingerprint_follows_content_not_identity():
    w = np.array([[0.25, 0.75], [0.5, 0.5]])
    assert fingerprint(_map(w)) == fingerprint(_map(w.copy()))
    nudged = w.copy()
    nudged[0] = [0.2500001, 0.7499999]
    assert fingerprint(_map(nudged)) != fingerprint(_map(w))
    assert fingerprint(_map(w, keys=("a", "c"))) != fingerprint(_map(w))
    assert fingerprint(b"image-1") != fingerprint(b"image-2")


def test_cached_figure_builds_once_per_key():
    calls = []

    def build(title: str) -> go.Figure:
        calls.append(title)
        return go.Figure(layout=dict(title=title))

    key = ("test", fingerprint(b"cached-figure-test"))
    first = cached_figure(key, build, "one")
    again = cached_figure(key, build, "ignored: same key")
    other = cached_figure(key + ("other",), build, "two")
    assert first is again and calls == ["one", "two"]
    assert other.layout.title.text == "two"


def test_fingerprint_sees_every_cell_of_large_arrays_and_tables():
    import numpy as np
    import pandas as pd
    big = np.zeros((100, 100))
    changed = big.copy()
    changed[50, 50] = 1e-3                          # repr() of this array would elide the middle
    assert fingerprint(big) != fingerprint(changed)
    assert fingerprint(big) != fingerprint(big.astype(np.float32))
    table = pd.DataFrame({"a": np.arange(100.0)})
    other = table.copy()
    other.loc[50, "a"] = -1.0
    assert fingerprint(table) != fingerprint(other) and fingerprint(table) == fingerprint(table.copy())
def test_fingerprint_hashes_whole_arrays():
    """Two large arrays that differ only where repr() would print "..." get different fingerprints."""
    a = np.zeros(5000)
    b = a.copy()
    b[2500] = 1.0
    assert repr(a) == repr(b)
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) == fingerprint(a.copy())


def test_shared_figure_sends_the_same_json_and_keeps_a_large_font_copy():
    import json

    import plotly.io as pio

    from dashboard.components import SharedFigure
    from dashboard.views import heatmap

    amap = AttentionMap("local-m", ["<b>x</b>", "y"], ["a", "b", "c"],
                        np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]), centers=[0.0, 1.5], window=1)
    from dashboard.views.margins import fit_margins
    built = heatmap(amap)
    margin = fit_margins(json.loads(pio.to_json(built, validate=False)))
    assert margin["l"] > built.layout.margin.l and margin["r"] > built.layout.margin.r   # labels, colour bar
    built.layout.margin = margin
    built.update_layout(xaxis_ticklabeloverflow="allow", yaxis_ticklabeloverflow="allow")
    expected = pio.to_json(built, validate=False)   # as built, with margins that hold its labels (no overflow check)
    shared = SharedFigure.adopt(heatmap(amap))
    # what Streamlit does with a figure on every rerun
    import plotly.tools
    sent = pio.to_json(plotly.tools.return_figure_from_figure_or_data(shared, True), validate=False)
    assert sent == expected
    large = shared.large_fonts()
    assert large is shared.large_fonts() and large.layout.font.size == 18
    data = json.loads(pio.to_json(large.to_dict()))["data"]
    assert data[0]["colorbar"].pop("tickfont") == {"size": 15} and large.layout.xaxis.tickfont.size == 16
    assert data == json.loads(expected)["data"]           # only the colour bar's labels grew
    assert shared.layout.font.size is None                      # the shared figure itself is unchanged


def test_the_large_look_the_browser_switches_to_is_the_enlarged_figure():
    """Presentation mode is switched in the browser: each chart carries its large layout and, per trace as the
    in-place chart draws them (click markers folded), the text parts that grow — equal to :func:`enlarged`."""
    import json

    import plotly.graph_objects as go

    from dashboard.components import SharedFigure
    from dashboard.components.figures import LONG_TITLE
    from dashboard.views.head_overview import CLICK_TARGETS
    fig = go.Figure([go.Heatmap(z=[[0.1, 0.9], [0.5, 0.5]], texttemplate="%{z:.2f}", textfont={"size": 10}),
                     go.Scatter(x=[0, 1], y=[0, 1], mode="markers", meta=CLICK_TARGETS,
                                customdata=[[0], [1], [2], [3]]),
                     go.Bar(x=["a"], y=[1], text=["1"])])
    fig.update_layout(title="A short title")
    shared = SharedFigure.adopt(fig)
    drawn = json.loads(shared.json_text())["data"]
    look = json.loads(shared.large_json())
    assert len(look["traces"]) == len(drawn) == 2                 # aligned with the traces the browser draws
    heat, bar = look["traces"]
    assert heat["colorbar"]["tickfont"]["size"] == 15 and heat["textfont"]["size"] == 10   # cells keep theirs
    assert bar["textfont"]["size"] == 15 and "colorbar" not in bar
    assert look["layout"]["font"]["size"] == 18 and look["layout"]["title"]["font"]["size"] == 22
    assert look["layout"] == json.loads(json.dumps(shared.large_fonts().to_dict()["layout"]))
    long = SharedFigure.adopt(go.Figure(layout={"title": "x" * (LONG_TITLE + 1)}))
    assert json.loads(long.large_json())["layout"]["title"]["font"]["size"] == 14   # a long title keeps its size
