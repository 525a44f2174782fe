"""Pictures for the Classroom lesson (pure Plotly; the numbers come from attention_core)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .labels import safe


def bars(values: np.ndarray, labels: list[str], title: str, color: str = "#268bd2",
         y_range: tuple[float, float] | None = None) -> go.Figure:
    """One bar per word with its value written on it."""
    fig = go.Figure(go.Bar(x=[f"{i + 1}. {safe(l)}" for i, l in enumerate(labels)], y=values,
                           marker_color=color, text=[f"{v:#.3g}".rstrip(".") for v in values], textposition="outside",
                           hovertemplate="%{x}: %{y:.3g}<extra></extra>"))
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
                                 text=["", f"{safe(label)} ({w:#.3g})"], textposition="top center",
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


def region_grid(image, regions: int, chosen: int | None = None, height: int = 420) -> go.Figure:
    """The image cut into ``regions`` × ``regions`` numbered cells (a click picks one; ``chosen`` is outlined)."""
    from .image_overlay import VIEW_SIZE, _data_uri, _square
    step = VIEW_SIZE / regions
    centres = [((c + 0.5) * step, (r + 0.5) * step, r * regions + c + 1) for r in range(regions) for c in range(regions)]
    fig = go.Figure([go.Image(source=_data_uri(_square(image)), hoverinfo="skip"),
                     go.Scatter(x=[x for x, _, _ in centres], y=[y for _, y, _ in centres], mode="markers+text",
                                text=[str(n) for _, _, n in centres], customdata=[n for _, _, n in centres],
                                textfont=dict(size=16, color="white"),
                                marker=dict(size=34, color="rgba(0,0,0,0.35)", line=dict(width=0)),
                                # after a click Plotly dims the other points: keep their numbers readable
                                unselected=dict(marker=dict(opacity=0.6), textfont=dict(color="white")),
                                hovertemplate="region %{customdata}<extra></extra>", showlegend=False)])
    for i in range(1, regions):
        fig.add_shape(type="line", x0=i * step, x1=i * step, y0=0, y1=VIEW_SIZE, line=dict(color="white", width=1))
        fig.add_shape(type="line", y0=i * step, y1=i * step, x0=0, x1=VIEW_SIZE, line=dict(color="white", width=1))
    if chosen is not None and 1 <= chosen <= regions * regions:
        r, c = divmod(chosen - 1, regions)
        fig.add_shape(type="rect", x0=c * step, x1=(c + 1) * step, y0=r * step, y1=(r + 1) * step,
                      line=dict(color="#2aa198", width=4))
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=10, b=0), clickmode="event+select", dragmode=False)
    fig.update_xaxes(visible=False, range=[0, VIEW_SIZE])
    fig.update_yaxes(visible=False, range=[VIEW_SIZE, 0], scaleanchor="x")
    return fig
