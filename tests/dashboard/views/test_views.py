import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from attention_core import AttentionMap
from attention_core.aggregate import coverage
from dashboard.views import (
    alignment_lines,
    document_html,
    heatmap,
    hop_overlap,
    hop_rows,
    image_overlay,
    shared_zmax,
    word_strip,
)
from dashboard.views.hops import overlap_matrix


def _local_map():
    w = np.array([[0.6, 0.4, 0, 0, 0], [0, 0.3, 0.5, 0.2, 0], [0, 0, 0, 0.5, 0.5]])
    return AttentionMap("local-m", ["le", "le", "<b>x</b>"], ["the", "the", "cat", "&", "</s>"], w,
                        centers=[0.0, 2.0, 4.0], window=1, meta={"label": "Local-m"})


def test_heatmap_keeps_repeated_tokens_apart_and_escapes_labels():
    fig = heatmap(_local_map())
    hm = fig.data[0]
    assert list(hm.x) == [0, 1, 2, 3, 4] and list(fig.layout.xaxis.ticktext)[:2] == ["the", "the"]
    assert fig.layout.yaxis.ticktext[2] == "&lt;b&gt;x&lt;/b&gt;"
    assert fig.layout.xaxis.ticktext[3] == "&amp;"
    assert hm.customdata[1][2][1] == "cat"


def test_local_maps_draw_window_and_centres():
    fig = heatmap(_local_map())
    names = [t.name for t in fig.data]
    assert "window" in names and "p_t" in names
    centres = next(t for t in fig.data if t.name == "p_t")
    assert list(centres.x) == [0.0, 2.0, 4.0]
    window = next(t for t in fig.data if t.name == "window")
    xs = [x for x in window.x if x is not None]
    assert min(xs) == -0.5 and max(xs) == 4.5          # clipped to the sentence at both ends
    assert len(heatmap(_local_map(), show_window=False).data) == 1
    # top-k keeps its best positions anywhere: the centres are drawn, no window bounds
    topk = _local_map()
    topk.top_k = 2
    assert [t.name for t in heatmap(topk).data[1:]] == ["p_t"]


def test_shared_scale():
    a = _local_map()
    b = AttentionMap("dot", ["x"], ["y", "z"], np.array([[0.9, 0.1]]))
    assert shared_zmax([a, b]) == 0.9
    assert heatmap(a, zmax=0.9).data[0].zmax == 0.9


def test_alignment_lines_one_segment_per_weight_above_threshold():
    amap = _local_map()
    fig = alignment_lines(amap, threshold=0.25)
    segments = sum(len([x for x in t.x if x is None]) for t in fig.data if t.mode == "lines")
    assert segments == int((amap.weights >= 0.25).sum())


def test_image_overlay_word_strip_and_coverage():
    img = Image.new("RGB", (300, 200), "white")
    w = np.random.default_rng(0).dirichlet(np.ones(4), size=3)
    amap = AttentionMap("soft", ["a", "cat", "<end>"], ["r0c0", "r0c1", "r1c0", "r1c1"], w, grid=(2, 2))
    img.paste((200, 30, 30), (0, 0, 150, 100))  # red top-left quarter
    fig = image_overlay(img, amap, 1)
    assert isinstance(fig.data[0], go.Image) and np.allclose(np.asarray(fig.data[1].z), w[1].reshape(2, 2))
    # the picture travels as an embedded JPEG (not 150k numbers) and decodes to the model's square view
    uri = fig.data[0].source
    assert uri.startswith("data:image/jpeg;base64,")
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
    assert shown.shape == (224, 224, 3)
    assert shown[50, 50, 0] > 150 and shown[50, 50, 1] < 80 and shown[180, 180].min() > 200
    assert len(fig.to_json()) < 30_000
    # no colour may collide with Streamlit's theme placeholders (#000001–#000030), which it repaints
    colours = [c for _, c in fig.data[1].colorscale]
    assert colours[0] == "#000000" and not any(c.startswith("#0000") and c != "#000000" for c in colours)
    strip = word_strip(img, amap, columns=2)
    assert sum(isinstance(t, go.Heatmap) for t in strip.data) == 3
    cov = coverage(amap)
    np.testing.assert_allclose(cov.weights[0], w.sum(0))


def test_hops_overlap_is_a_at():
    a = np.array([[1.0, 0, 0], [0.5, 0.5, 0]])
    amap = AttentionMap("structured", ["hop 1", "hop 2"], ["a", "b", "c"], a)
    np.testing.assert_allclose(overlap_matrix(amap), [[1.0, 0.5], [0.5, 0.5]])
    assert np.allclose(np.asarray(hop_overlap(amap).data[0].z), overlap_matrix(amap))
    # float32 overlaps are formatted in the cells, 3 significant digits (0.520, never 0.5200000405311584), and
    # float noise is the 0 it is (two hops on different tokens overlap 2e-11 in float32, not "2.48e-11")
    cells = hop_overlap(AttentionMap("structured", ["h1", "h2"], ["a", "b"],
                                     np.array([[0.6, 0.4], [1e-6, 1 - 1e-6]], dtype=np.float32))).data[0]
    assert cells.texttemplate == "%{text}"
    assert [list(row) for row in cells.text] == [["0.520", "0.400"], ["0.400", "1.00"]]
    noise = hop_overlap(AttentionMap("structured", ["h1", "h2"], ["a", "b"], np.array([[1.0, 2e-11], [0.0, 1.0]])))
    assert noise.data[0].text[0][1] == "0"
    assert hop_rows(amap).data[0].z.shape == (2, 3)


def test_document_html_escapes_user_text_and_scales_by_sentence_weight():
    maps = [AttentionMap("han", ["document"], ["<script>alert(1)</script>", "ok"], np.array([[0.8, 0.2]]),
                         level="sentence"),
            AttentionMap("han", ["sentence 1"], ["<script>alert(1)</script>", "😀"], np.array([[0.9, 0.1]]),
                         level="word"),
            AttentionMap("han", ["sentence 2"], ["ok"], np.array([[1.0]]), level="word")]
    out = document_html(maps)
    assert "<script>" not in out and "&lt;script&gt;" in out and "😀" in out
    assert "rgba(220,50,47,0.56)" in out  # sentence 2: 1·√(0.2/0.8) = 0.5 against the top 0.9
    assert document_html(maps, word_scale="raw").count("rgba(220,50,47,1.00)") == 2
    assert out.count("sentence weight") == 2


def test_lesson_vectors_draw_every_word_and_the_query():
    from dashboard.views.lesson import vectors_2d
    vectors = np.array([[1.0, 0.5, 9.0], [-0.3, 0.8, 9.0]])
    query = np.array([0.2, -0.7, 9.0])
    fig = vectors_2d(vectors, query, ["cat", "<b>mat</b>"])
    ends = [(t.x[1], t.y[1]) for t in fig.data]
    assert ends == [(1.0, 0.5), (-0.3, 0.8), (0.2, -0.7)]   # first two dimensions only
    assert fig.data[-1].text[1] == "<b>query</b>" and "<b>" not in fig.data[1].text[1]


def test_lesson_gaussian_uses_sigma_not_the_shaded_span():
    from dashboard.views.lesson import local_window
    w = np.zeros(14)
    w[5] = 1.0
    fig = local_window(w, w, center=5.0, width=14, title="top-k", sigma=1.0)
    curve = next(t for t in fig.data if t.type == "scatter")
    x, y = np.asarray(curve.x), np.asarray(curve.y)
    i = int(np.argmin(np.abs(x - 6.0)))
    assert abs(y[i] - np.exp(-((x[i] - 5.0) ** 2) / 2)) < 1e-9 and y[np.argmin(np.abs(x - 13))] < 1e-6
