"""Views for long inputs: the line head view (pruned edges), the statistics grid, the token view, the
sentence overview. Figures are checked as data: what is drawn, what the title says was left out."""
import numpy as np

from attention_core import AttentionMap
from attention_core.head_stats import head_table, token_profile
from attention_core.large_maps import column_window
from dashboard.views.document_views import sentence_overview, word_bars
from dashboard.views.head_lines import head_edges, head_lines
from dashboard.views.head_overview import head_grid
from dashboard.views.token_view import token_heads

N = 300


def _heads(n=N, heads=3, seed=0):
    rng = np.random.default_rng(seed)
    tokens = [f"w{i}" for i in range(n)]
    tokens[5] = "<b>"                                   # a label that must be escaped
    return [AttentionMap("multi-head", tokens, tokens, rng.dirichlet(np.full(n, 0.05), n).astype(np.float32),
                         layer=2, head=h, meta={"label": f"L2 H{h}"}) for h in range(heads)]


def _segments(fig) -> int:
    """Line segments drawn (each is x = 0, 1, gap)."""
    return sum(len(t.x) // 3 for t in fig.data if t.mode == "lines")


def test_line_view_draws_each_tokens_top_k_edges_above_the_threshold_and_says_so():
    maps = _heads()
    fig = head_lines(maps, k=2, threshold=0.1)
    expected = sum(int((np.sort(m.weights, 1)[:, -2:] >= 0.1).sum()) for m in maps)
    assert _segments(fig) == expected < 2 * N * len(maps)          # pruned: some top-2 weights are < 0.1
    title = fig.layout.title.text
    assert f"{expected:,} of {len(maps) * N * N:,} lines drawn" in title and "weight ≥ 0.1" in title
    assert "&lt;b&gt;" in fig.data[-1].text[5]                     # token labels escaped
    assert {t.name for t in fig.data if t.mode == "lines"} == {"head 0", "head 1", "head 2"}
    colours = {t.name: t.line.color for t in fig.data if t.mode == "lines"}
    assert len(set(colours.values())) == 3                          # one colour per head
    # every drawn segment joins a query (left, y = −row) to one of its k strongest keys (right, y = −col)
    for amap, rows, cols, vals in head_edges(maps, 2, 0.1):
        top2 = np.argsort(amap.weights, 1)[:, -2:]
        assert all(c in top2[r] for r, c in zip(rows, cols)) and (vals >= 0.1).all()


def test_picking_a_token_keeps_only_its_lines():
    maps = _heads()
    fig = head_lines(maps, k=3, threshold=0.0, token=7)
    for trace in (t for t in fig.data if t.mode == "lines"):
        ys = np.asarray(trace.y, dtype=float).reshape(-1, 3)
        assert ((ys[:, 0] == -7) | (ys[:, 1] == -7)).all()          # every line leaves or reaches token 7
    assert "token #7" in fig.layout.title.text
    assert _segments(fig) <= len(maps) * 6


def test_statistics_grid_has_one_panel_per_statistic_and_marks_the_chosen_head():
    maps = [m for layer in range(2) for m in _heads(20, 4, seed=layer)]
    for i, m in enumerate(maps):
        m.layer, m.head = i // 4, i % 4
    fig = head_grid(head_table(maps), selected=(1, 3))
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert len(heat) == 8 and all(np.asarray(t.z).shape == (2, 4) for t in heat)
    clicks = [t for t in fig.data if t.type == "scatter"]              # a click target on every cell
    assert len(clicks) == 8 and all(len(t.x) == 8 for t in clicks)
    assert len(fig.layout.shapes) == 8 and fig.layout.shapes[0].x0 == 2.5
    assert "tokens" in fig.layout.annotations[-1].text               # mean distance states its range


def test_token_view_marks_the_token_inside_a_column_window():
    maps = _heads(40, 2)
    out, inc = token_profile(maps, 25)
    fig = token_heads(column_window(out, 20, 30), column_window(inc, 20, 30))
    assert [len(t.x) for t in fig.data] == [12, 12]                  # ◂, 10 tokens, ▸
    assert fig.data[0].x[0] == "◂ 0–19" and fig.data[0].x[6] == "#25 w25"
    assert fig.layout.shapes[0].x0 == 6                               # the marker sits on token 25


def test_sentence_overview_is_one_bar_per_sentence_in_reading_order():
    weights = np.array([0.1, 0.5, 0.05, 0.3, 0.05])
    smap = AttentionMap("hierarchical", ["document"], [f"s{i}" for i in range(5)], weights, level="sentence")
    fig = sentence_overview(smap, selected=3, top=2)
    bar = fig.data[0]
    assert list(bar.x) == [1, 2, 3, 4, 5] and np.allclose(bar.y, weights)
    assert bar.marker.color[3] == "#dc322f" and bar.marker.color[1] == "#073642" and bar.marker.color[0] == "#268bd2"
    wmap = AttentionMap("hierarchical", ["sentence 1"], ["a", "<i>"], [0.4, 0.6], level="word")
    assert list(word_bars(wmap).layout.xaxis.ticktext) == ["a", "&lt;i&gt;"]
