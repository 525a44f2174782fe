"""Figures of the Document page: class probabilities and sentence weights."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from attention_core.outputs import ClassDistribution
from attention_core.record import AttentionMap

from .labels import safe


def class_bars(output: ClassDistribution, title: str = "Class probabilities") -> go.Figure:
    """Horizontal bars of every class's probability, in the model's label order."""
    probs = output.probabilities
    fig = go.Figure(go.Bar(x=list(probs.values()), y=list(probs), orientation="h", marker_color="#268bd2",
                           hovertemplate="%{y}: %{x:.3g}<extra></extra>"))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), xaxis=dict(range=[0, 1]),
                      title=title, yaxis=dict(autorange="reversed"))
    return fig


def sentence_bars(sentence_map: AttentionMap, *, title: str = "Sentence weights") -> go.Figure:
    """One bar per sentence (``sentence_map`` is a ``level="sentence"`` map: 1 row × sentences)."""
    weights = sentence_map.weights[0]
    labels = [f"{i + 1}. {safe(k, 50)}" for i, k in enumerate(sentence_map.keys)]
    fig = go.Figure(go.Bar(x=weights, y=labels, orientation="h", marker_color="#268bd2",
                           hovertemplate="%{y}<br>weight %{x:.3g}<extra></extra>"))
    fig.update_layout(height=120 + 24 * len(labels), margin=dict(l=10, r=10, t=30, b=10),
                      title=title, yaxis=dict(autorange="reversed"))
    return fig


def sentence_overview(sentence_map: AttentionMap, selected: int | None = None, top: int = 5) -> go.Figure:
    """Sentence weights in reading order, one vertical bar per sentence: a navigable overview of any length.

    The ``top`` heaviest sentences are drawn darker and ``selected`` (0-based) in red; hover shows the
    sentence's start. Meant for ``st.plotly_chart(on_select="rerun")``: a click gives the sentence (x, 1-based).
    """
    weights = np.asarray(sentence_map.weights[0], dtype=float)
    n = len(weights)
    heaviest = set(np.argsort(weights)[::-1][:top].tolist())
    colours = ["#dc322f" if i == selected else "#073642" if i in heaviest else "#268bd2" for i in range(n)]
    fig = go.Figure(go.Bar(
        x=np.arange(1, n + 1), y=weights, marker_color=colours, marker_line_width=0,
        customdata=[safe(k, 80) for k in sentence_map.keys],
        hovertemplate="sentence %{x} · weight %{y:.3g}<br>%{customdata}<br>(click to read its words)<extra></extra>"))
    fig.update_layout(
        title=dict(text=f"Sentence weights in reading order ({n} sentences; the {min(top, n)} heaviest darker"
                        f"{', the chosen one red' if selected is not None else ''})", font=dict(size=13)),
        height=260, margin=dict(l=10, r=10, t=40, b=10), bargap=0.15 if n < 60 else 0,
        xaxis=dict(title="sentence", range=[0.5, n + 0.5]), yaxis=dict(title="weight", rangemode="tozero"),
        plot_bgcolor="white", clickmode="event+select", dragmode="zoom")
    return fig


def word_bars(word_map: AttentionMap, *, title: str | None = None) -> go.Figure:
    """One sentence's word weights as bars, words along the axis in reading order (a ``level="word"`` map)."""
    weights = word_map.weights[0]
    words = [safe(k, 20) for k in word_map.keys]
    fig = go.Figure(go.Bar(x=np.arange(len(words)), y=weights, marker_color="#dc322f", customdata=words,
                           hovertemplate="%{customdata}: %{y:.3g}<extra></extra>"))
    fig.update_layout(title=dict(text=safe(title or word_map.title, 90), font=dict(size=13)), height=260,
                      margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white",
                      xaxis=dict(tickmode="array", tickvals=list(range(len(words))), ticktext=words,
                                 tickangle=-50 if len(words) > 12 else 0),
                      yaxis=dict(title="word weight", rangemode="tozero"))
    return fig
