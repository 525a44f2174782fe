"""Attention beside attribution on one scale, agreement tables and erasure bars (pure builders, no Streamlit).

One scale: attention rows sum to 1 and attribution rows are divided by their absolute sum, so both are
shares of a row's total; attention is drawn from 0 (white) to the shared top in blue, attributions from
−top (red: argues against the decision) to +top (blue: supports it).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.attribution.agreement import Agreement, reading
from attention_core.record import AttentionMap

from .labels import safe

ATTENTION_SCALE = "Blues"
ATTRIBUTION_SCALE = "RdBu"     # red = negative, blue = positive (reversescale off: plotly's RdBu runs red→blue)


def shared_top(maps: list[AttentionMap]) -> float:
    """The largest |weight| over ``maps`` (the top of the one colour scale)."""
    return float(max((np.abs(m.weights).max() for m in maps if m.weights.size), default=1.0)) or 1.0


def _trace(amap: AttentionMap, top: float, x: np.ndarray, y: np.ndarray, colorbar: dict | None) -> go.Heatmap:
    attribution = amap.is_attribution
    rows, cols = amap.shape
    custom = np.empty((rows, cols, 2), dtype=object)
    custom[..., 0] = np.array([safe(q) for q in amap.queries], dtype=object)[:, None]
    custom[..., 1] = np.array([safe(k) for k in amap.keys], dtype=object)[None, :]
    what = "attribution (share, signed)" if attribution else "attention"
    return go.Heatmap(z=amap.weights, x=x, y=y, customdata=custom, xgap=1, ygap=1,
                      zmin=-top if attribution else 0.0, zmax=top,
                      colorscale=ATTRIBUTION_SCALE if attribution else ATTENTION_SCALE,
                      showscale=colorbar is not None, colorbar=colorbar or {},
                      hovertemplate=f"%{{customdata[0]}} → %{{customdata[1]}}<br>{what}: %{{z:.3g}}<extra></extra>")


def short_name(amap: AttentionMap) -> str:
    """A row name for a stacked figure: the attribution method (with its steps) or the attention's label."""
    return str(amap.meta.get("method_label") or amap.label)


def beside(maps: list[AttentionMap], title: str = "", top: float | None = None,
           names: list[str] | None = None) -> go.Figure:
    """Single-row maps over the same columns as one stack of rows on one axis: attention first, then each
    attribution; one colour scale (blue 0 → top for attention, red/blue −top → top for attributions)."""
    if not maps:
        return go.Figure()
    top = top or shared_top(maps)
    names = names or [short_name(m) for m in maps]
    cols = maps[0].shape[1]
    fig = go.Figure()
    shown: set[str] = set()
    for i, amap in enumerate(maps):
        bar = None
        if amap.kind not in shown:
            shown.add(amap.kind)
            bar = dict(title=dict(text="attention" if not amap.is_attribution else "attribution", side="right"),
                       thickness=10, len=0.42, y=0.78 if not amap.is_attribution else 0.22, yanchor="middle")
        fig.add_trace(_trace(amap, top, np.arange(cols), np.array([i]), bar))
    fig.update_xaxes(tickmode="array", tickvals=list(range(cols)), ticktext=[safe(k, 16) for k in maps[0].keys],
                     tickangle=-60 if cols > 6 else 0, side="top", showgrid=False)
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(maps))), ticktext=[safe(n, 34) for n in names],
                     autorange="reversed", showgrid=False)
    label_room = 6 * min(max((len(k) for k in maps[0].keys), default=1), 16) if cols > 6 else 18
    fig.update_layout(title=dict(text=safe(title, 90), font=dict(size=14), y=1.0, yanchor="top", yref="container",
                                 pad=dict(t=8)),
                      height=int(max(230, 70 + label_room + 44 * len(maps))),
                      margin=dict(l=10, r=10, t=40 + label_room, b=10), plot_bgcolor="white")
    return fig


def paired(maps: list[AttentionMap], top: float | None = None) -> go.Figure:
    """Multi-row maps with the same rows and columns side by side (e.g. target × source), one scale."""
    if not maps:
        return go.Figure()
    top = top or shared_top(maps)
    rows, cols = maps[0].shape
    # "method · model" titles stand on two lines: side by side on one line, three panels' titles ran into
    # each other (more so in presentation mode's larger font)
    titles = ["<br>".join(safe(part, 26) for part in m.label.split(" · ", 1)) for m in maps]
    lines = max(t.count("<br>") + 1 for t in titles)
    fig = make_subplots(rows=1, cols=len(maps), shared_yaxes=True, horizontal_spacing=0.03, subplot_titles=titles)
    shown = set()
    for i, amap in enumerate(maps, start=1):
        bar = None
        if amap.kind not in shown:
            shown.add(amap.kind)
            bar = dict(title="attribution" if amap.is_attribution else "attention", thickness=10, len=0.45,
                       y=0.75 if not amap.is_attribution else 0.25)
        fig.add_trace(_trace(amap, top, np.arange(cols), np.arange(rows), bar), row=1, col=i)
        fig.update_xaxes(tickmode="array", tickvals=list(range(cols)), ticktext=[safe(k, 12) for k in amap.keys],
                         tickangle=-60, row=1, col=i)
    fig.update_yaxes(tickmode="array", tickvals=list(range(rows)), ticktext=[safe(q, 14) for q in maps[0].queries],
                     autorange="reversed", row=1, col=1)
    fig.update_annotations(font_size=12)
    fig.update_layout(height=int(min(900, 190 + 20 * rows)), margin=dict(l=10, r=10, t=24 + 16 * lines, b=90),
                      plot_bgcolor="white")
    return fig


def agreement_frame(rows: list[tuple[str, Agreement]]) -> pd.DataFrame:
    """One line per (what is compared, agreement): τ, its p-value, Spearman ρ, top-k overlap, the reading."""
    def num(v: float) -> float | None:
        return None if math.isnan(v) else round(v, 3)
    return pd.DataFrame([{"compared": name, "n": a.n, "Kendall τ": num(a.tau), "p (τ)": num(a.tau_p),
                          "Spearman ρ": num(a.rho), f"top-{a.k} overlap": f"{round(a.overlap * a.k)}/{a.k}",
                          "reading": reading(a, *_sides(name))}
                         for name, a in rows])


def _sides(name: str) -> tuple[str, str]:
    """"word: attention vs leave-one-out" → ("attention", "leave-one-out")."""
    first, _, second = name.partition(" vs ")
    return first.split(": ")[-1] or "attention", second or "the attribution"


def mean_agreement(agreements: list[Agreement]) -> dict[str, float]:
    """Mean τ, share significant and mean top-k overlap over rows (e.g. every generated token)."""
    taus = [a.tau for a in agreements if not math.isnan(a.tau)]
    return {"rows": len(agreements), "mean τ": float(np.mean(taus)) if taus else float("nan"),
            "share p < 0.05": float(np.mean([a.significant for a in agreements])) if agreements else float("nan"),
            "mean top-k overlap": float(np.mean([a.overlap for a in agreements])) if agreements else float("nan")}


def erasure_bars(names: list[str], after: list[float], before: float, new_labels: list[str],
                 flipped: list[bool], decision: str, k: int) -> go.Figure:
    """p(original decision) after removing k tokens by each ranking; red bars = the decision changed."""
    colours = ["#dc322f" if f else "#268bd2" for f in flipped]
    text = [f"→ {safe(l, 20)}" for l in new_labels]
    fig = go.Figure(go.Bar(x=[safe(n) for n in names], y=after, marker_color=colours, text=text,
                           textposition="outside", hovertemplate="%{x}: %{y:.3g}<extra></extra>"))
    fig.add_hline(y=before, line=dict(color="#586e75", dash="dash"))
    fig.update_layout(title=f"p({safe(decision, 30)}) after removing {k} token{'s' if k != 1 else ''} "
                            f"(dashed: {before:.3g} before)",
                      yaxis=dict(range=[0, 1.15], title="probability"), height=330,
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def layer_lines(per_layer: dict[str, list[float]], title: str) -> go.Figure:
    """One line per series over layers 1..L (e.g. Spearman ρ of raw / rollout / flow with blank-out)."""
    fig = go.Figure()
    for name, values in per_layer.items():
        fig.add_trace(go.Scatter(x=list(range(1, len(values) + 1)), y=values, mode="lines+markers", name=safe(name)))
    fig.update_layout(title=safe(title, 90), xaxis=dict(title="layer", dtick=1), yaxis=dict(title="Spearman ρ",
                      range=[-1, 1]), height=320, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def eraser_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> go.Figure:
    """ERASER's curves for one input: per ranking, comprehensiveness (left) and sufficiency (right) ``[K]``
    over k % of the tokens (:data:`attention_core.attribution.eraser.BINS`)."""
    from attention_core.attribution.eraser import BINS
    ks = [100 * k for k in BINS]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("comprehensiveness ↑", "sufficiency ↓"))
    palette = ["#268bd2", "#dc322f", "#859900", "#b58900", "#6c71c4", "#2aa198"]
    for i, (name, (comp, suff)) in enumerate(curves.items()):
        colour = "#93a1a1" if name == "random" else palette[i % len(palette)]
        dash = "dot" if name == "random" else "solid"
        for col, values in ((1, comp), (2, suff)):
            fig.add_trace(go.Scatter(x=ks, y=list(values), mode="lines+markers", name=safe(name), legendgroup=name,
                                     showlegend=col == 1, line=dict(color=colour, dash=dash),
                                     hovertemplate="k = %{x:.0f} %: %{y:.3g}<extra>" + safe(name) + "</extra>"),
                          row=1, col=col)
    fig.update_xaxes(type="log", tickvals=ks, ticktext=[f"{k:g} %" for k in ks], title="top k % removed", col=1)
    fig.update_xaxes(type="log", tickvals=ks, ticktext=[f"{k:g} %" for k in ks], title="only the top k % kept", col=2)
    fig.update_yaxes(title="drop in p", row=1, col=1)
    fig.update_layout(title=safe(title, 90), height=340, margin=dict(l=10, r=10, t=70, b=10),
                      legend=dict(orientation="h", y=-0.42))   # below the axis titles, at any font size
    return fig
