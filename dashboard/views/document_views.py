"""Figures of the Document page: class probabilities and sentence weights."""
from __future__ import annotations

import plotly.graph_objects as go

from attention_core.outputs import ClassDistribution
from attention_core.record import AttentionMap

from .labels import safe


def class_bars(output: ClassDistribution, title: str = "Class probabilities") -> go.Figure:
    """Horizontal bars of every class's probability, in the model's label order."""
    probs = output.probabilities
    fig = go.Figure(go.Bar(x=list(probs.values()), y=list(probs), orientation="h", marker_color="#268bd2",
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), xaxis=dict(range=[0, 1]),
                      title=title, yaxis=dict(autorange="reversed"))
    return fig


def sentence_bars(sentence_map: AttentionMap, title: str = "Sentence weights") -> go.Figure:
    """One bar per sentence (``sentence_map`` is a ``level="sentence"`` map: 1 row × sentences)."""
    weights = sentence_map.weights[0]
    labels = [f"{i + 1}. {safe(k, 50)}" for i, k in enumerate(sentence_map.keys)]
    fig = go.Figure(go.Bar(x=weights, y=labels, orientation="h", marker_color="#268bd2",
                           hovertemplate="%{y}<br>weight %{x:.3f}<extra></extra>"))
    fig.update_layout(height=120 + 24 * len(labels), margin=dict(l=10, r=10, t=30, b=10),
                      title=title, yaxis=dict(autorange="reversed"))
    return fig
