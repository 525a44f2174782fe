"""Corpus views of the Dataset page: head atlas, position profiles, AER and BLEU plots (Plotly, no Streamlit)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .labels import safe


def head_distance_figure(labels: Sequence[str], distance: np.ndarray, examples: int) -> go.Figure:
    """``distance [heads, heads]`` as a heatmap, heads in the given (clustered) order; dark = alike."""
    fig = go.Figure(go.Heatmap(
        z=distance, x=list(labels), y=list(labels), colorscale="Viridis", zmin=0.0,
        colorbar=dict(title="JS distance", thickness=12),
        hovertemplate="%{y} vs %{x}<br>mean JS distance %{z:.3g}<extra></extra>"))
    fig.update_layout(title=f"Mean Jensen–Shannon distance between heads · {examples} inputs · clustered",
                      height=760, margin=dict(l=10, r=10, t=50, b=10),
                      xaxis=dict(tickfont=dict(size=8), tickangle=-90), yaxis=dict(tickfont=dict(size=8),
                                                                                   autorange="reversed"))
    return fig


def head_scatter(table: pd.DataFrame, x: str, y: str, selected: str | None = None) -> go.Figure:
    """One point per head (colour = layer); clicking a point selects that head."""
    fig = go.Figure()
    for layer, part in table.groupby("layer", sort=True):
        fig.add_trace(go.Scatter(
            x=part[x], y=part[y], mode="markers+text", text=part["label"], textposition="top center",
            textfont=dict(size=8), name=f"layer {layer}", customdata=part[["layer", "head"]].astype(int).to_numpy().tolist(),
            marker=dict(size=[16 if lab == selected else 9 for lab in part["label"]],
                        line=dict(width=[2 if lab == selected else 0 for lab in part["label"]], color="black")),
            hovertemplate="%{text}<br>" + x + " %{x:.3g}<br>" + y + " %{y:.3g}<extra></extra>"))
    fig.update_layout(title="Heads: click one to see the inputs behind it", height=460,
                      margin=dict(l=10, r=10, t=40, b=10), xaxis_title=x, yaxis_title=y,
                      clickmode="event+select")
    return fig


def profile_figure(labels: Sequence[str], profile: np.ndarray, offsets: Sequence[str]) -> go.Figure:
    """``profile [heads, offsets]``: where each head's weight sits relative to the query's own position."""
    fig = go.Figure(go.Heatmap(
        z=profile, x=list(offsets), y=list(labels), colorscale="Blues", zmin=0.0,
        colorbar=dict(title="share", thickness=12),
        hovertemplate="%{y} · offset %{x}<br>share of weight %{z:.3g}<extra></extra>"))
    fig.update_layout(title="Relative-position profile (column − query position)", height=760,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis=dict(tickfont=dict(size=8), autorange="reversed"),
                      xaxis=dict(type="category"))
    return fig


def aer_figure(points: pd.DataFrame) -> go.Figure:
    """AER distribution per model: a box with every example as a point."""
    fig = go.Figure()
    for model, part in points.dropna(subset=["aer"]).groupby("model", sort=False):
        fig.add_trace(go.Box(y=part["aer"], name=safe(model.split("/")[-1]), boxpoints="all", jitter=0.5,
                             pointpos=0, marker=dict(size=4, opacity=0.6),
                             customdata=part[["model", "example_index"]].to_numpy(),
                             hovertemplate="%{customdata[0]} · example %{customdata[1]}<br>AER %{y:.3g}<extra></extra>"))
    fig.update_layout(title="Alignment error rate of argmax attention against the gold alignment, per example",
                      height=420, margin=dict(l=10, r=10, t=40, b=10), yaxis=dict(title="AER", range=[-0.05, 1.05]),
                      showlegend=False)
    return fig


def bleu_entropy_figure(points: pd.DataFrame, x: str = "entropy") -> go.Figure:
    """Sentence BLEU against mean attention entropy, one point per translated example, colour = model."""
    fig = go.Figure()
    for model, part in points.dropna(subset=["bleu"]).groupby("model", sort=False):
        fig.add_trace(go.Scatter(
            x=part[x], y=part["bleu"], mode="markers", name=safe(model.split("/")[-1]),
            marker=dict(size=6, opacity=0.7), customdata=part[["model", "example_index"]].to_numpy(),
            hovertemplate="%{customdata[0]} · example %{customdata[1]}<br>" + x
                          + " %{x:.3g}<br>BLEU %{y:.3g}<extra></extra>"))
    fig.update_layout(title="Sentence BLEU vs attention entropy (select points to list them)", height=460,
                      margin=dict(l=10, r=10, t=40, b=10), xaxis_title=f"mean row {x} (nats)" if x == "entropy"
                      else x, yaxis_title="sentence BLEU")   # no dragmode: Streamlit keeps clicks selecting
    return fig
