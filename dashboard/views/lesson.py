"""Pictures for the Classroom lesson (pure Plotly; the numbers come from attention_core)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .labels import safe


def bars(values: np.ndarray, labels: list[str], title: str, color: str = "#268bd2",
         y_range: tuple[float, float] | None = None) -> go.Figure:
    """One bar per word with its value written on it."""
    fig = go.Figure(go.Bar(x=[f"{i + 1}. {safe(l)}" for i, l in enumerate(labels)], y=values,
                           marker_color=color, text=[f"{v:.2f}" for v in values], textposition="outside",
                           hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    fig.update_layout(title=title, height=300, margin=dict(l=10, r=10, t=40, b=10),
                      yaxis=dict(range=y_range) if y_range else {})
    return fig


def vectors_2d(vectors: np.ndarray, query: np.ndarray, labels: list[str]) -> go.Figure:
    """The word vectors (blue) and the query (red) as arrows from the origin, first two dimensions."""
    fig = go.Figure()
    for v, label in zip(vectors, labels):
        fig.add_trace(go.Scatter(x=[0, v[0]], y=[0, v[1]], mode="lines+markers+text",
                                 line=dict(color="#268bd2", width=3), text=["", safe(label)],
                                 textposition="top center", hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=[0, query[0]], y=[0, query[1]], mode="lines+markers+text",
                             line=dict(color="#dc322f", width=5, dash="dot"), text=["", "<b>query</b>"],
                             textposition="middle right", textfont=dict(color="#dc322f"), hoverinfo="skip", showlegend=False))
    span = float(np.abs(np.vstack([vectors[:, :2], query[None, :2]])).max() or 1) * 1.3
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), title="Words and the query as vectors",
                      xaxis=dict(range=[-span, span], zeroline=True, title="d1"),
                      yaxis=dict(range=[-span, span], scaleanchor="x", zeroline=True, title="d2"))
    return fig


def arrows_2d(vectors: np.ndarray, weights: np.ndarray, context: np.ndarray, labels: list[str]) -> go.Figure:
    """2-D word vectors as arrows (opacity = weight) and the context vector Σ wᵢ vᵢ in red."""
    fig = go.Figure()
    for v, w, label in zip(vectors, weights, labels):
        fig.add_trace(go.Scatter(x=[0, v[0]], y=[0, v[1]], mode="lines+markers+text",
                                 line=dict(color=f"rgba(38,139,210,{0.15 + 0.85 * w:.2f})", width=2 + 8 * w),
                                 text=["", f"{safe(label)} ({w:.2f})"], textposition="top center",
                                 hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=[0, context[0]], y=[0, context[1]], mode="lines+markers+text",
                             line=dict(color="#dc322f", width=5), text=["", "context"],
                             textposition="bottom center", name="context", showlegend=False))
    span = float(np.abs(np.vstack([vectors, context[None]])).max() or 1) * 1.3
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), title="Vectors and the context",
                      xaxis=dict(range=[-span, span], zeroline=True),
                      yaxis=dict(range=[-span, span], scaleanchor="x", zeroline=True))
    return fig


def local_window(content: np.ndarray, final: np.ndarray, center: float, width: int, title: str,
                 sigma: float | None = None) -> go.Figure:
    """Content weights, the final weights over positions and, when ``sigma`` is given, the Gaussian
    exp(−(s − p_t)²/2σ²), with the window [p_t − width, p_t + width] shaded."""
    s = np.arange(len(final))
    fig = go.Figure()
    lo, hi = max(center - width, -0.5), min(center + width, len(final) - 0.5)
    fig.add_vrect(x0=lo, x1=hi, fillcolor="rgba(228,87,46,0.12)", line_width=0)
    fig.add_trace(go.Bar(x=s, y=content, name="content softmax (window)", marker_color="rgba(38,139,210,0.45)"))
    fig.add_trace(go.Bar(x=s, y=final, name="final weight", marker_color="#268bd2"))
    if sigma is not None:
        fine = np.linspace(0, len(final) - 1, 200)
        sigma = max(sigma, 1e-3)
        fig.add_trace(go.Scatter(x=fine, y=np.exp(-(fine - center) ** 2 / (2 * sigma ** 2)), mode="lines",
                                 name="Gaussian exp(−(s−p)²/2σ²)", line=dict(color="#e4572e", dash="dash")))
    fig.add_vline(x=center, line=dict(color="#e4572e", width=2))
    fig.update_layout(title=title, barmode="overlay", height=360, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis=dict(title="source position s", dtick=1), yaxis=dict(range=[0, 1.05]),
                      legend=dict(orientation="h", y=-0.45))
    return fig
