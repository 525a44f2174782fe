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
