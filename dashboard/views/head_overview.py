"""The layers × heads overview: each head as one cell per statistic, and every head's distance profile.

Cells are small (72 per statistic) whatever the input length, so this view stays fast at 512 tokens; a
click on a cell (``st.plotly_chart(on_select="rerun")``) tells the page which head to open.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from attention_core.head_stats import STATISTICS
from attention_core.record import AttentionMap

from .labels import safe

# the ``meta`` of a trace of invisible markers, one per heatmap cell, laid over the heatmap just before it:
# Streamlit's chart element selects markers but not heatmap cells, so a clickable grid needs them there (the
# in-place chart folds them into the heatmap: dashboard/components/live_figure.heatmap_clicks)
CLICK_TARGETS = "click-targets"
SCALES = {"entropy (0–1)": "Viridis", "mean distance": "Oranges"}   # the rest: shares of weight, Blues


def _click_targets(xs: list, ys: list, z: np.ndarray, xaxis: str, yaxis: str, hover: str,
                   custom: np.ndarray | None = None) -> dict:
    """Invisible markers on every cell: heatmaps cannot be selected in Plotly, markers can, so a click on a
    cell reaches ``st.plotly_chart(on_select=...)`` as a point with the cell's x and y (and ``custom``)."""
    gx, gy = np.meshgrid(np.arange(len(xs)), np.arange(len(ys)))
    return dict(type="scatter", mode="markers", x=[xs[i] for i in gx.ravel()], y=[ys[j] for j in gy.ravel()],
                customdata=z.ravel() if custom is None else custom, xaxis=xaxis, yaxis=yaxis, showlegend=False,
                hovertemplate=hover, marker=dict(size=14, symbol="square", color="rgba(0,0,0,0)"), meta=CLICK_TARGETS,
                selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)))


GAP_X, GAP_Y = 2.5, 1.5   # between panels, in cells: room for the panel titles (above) and air between panels


def head_grid(table: pd.DataFrame, stats: list[str] | None = None, columns: int = 4,
              selected: tuple[int, int] | None = None) -> go.Figure:
    """Small multiples, one ``layers × heads`` heatmap per statistic (``table`` from ``head_table``).

    The panels share one pair of axes, each shifted by whole panels (``GAP_X`` / ``GAP_Y`` cells apart): the
    browser lays out and labels two axes instead of two per panel, which was most of the chart's drawing time.
    Columns of panels share the head ticks (bottom), rows share the layer ticks (left). Hover gives the head and
    the value; a click reports ``customdata = [layer, head, value]``; ``selected`` (layer, head) is outlined in
    every panel. Built as one dict (``make_subplots`` + updates cost ~0.5 s for 8 panels).
    """
    stats = [s for s in (stats or list(STATISTICS)) if s in table.columns]
    rows = (len(stats) + columns - 1) // columns
    values = table.set_index(["layer", "head"])
    layers = [int(v) for v in sorted(table["layer"].unique())]
    heads = [int(v) for v in sorted(table["head"].unique())]
    step_x, step_y = len(heads) + GAP_X, len(layers) + GAP_Y
    data, shapes, notes = [], [], []
    for i, stat in enumerate(stats):
        x0, y0 = (i % columns) * step_x, (i // columns) * step_y
        xs, ys = [x0 + j for j in range(len(heads))], [y0 + j for j in range(len(layers))]
        z = values[stat].unstack("head").reindex(index=layers, columns=heads).to_numpy(dtype=float)
        finite = z[np.isfinite(z)]
        # each panel on its own scale, 0 to its largest value (said in its title): shares such as "to [SEP]"
        # can be small for every head, and a 0–1 scale would show them all as white
        zmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        data.append(dict(
            type="heatmap", z=z, x=xs, y=ys, zmin=0, zmax=zmax, colorscale=SCALES.get(stat, "Blues"),
            showscale=False, xgap=1, ygap=1, name=stat, hoverinfo="skip"))
        grid_layer, grid_head = np.meshgrid(layers, heads, indexing="ij")
        custom = np.stack([grid_layer.ravel(), grid_head.ravel(), z.ravel()], axis=-1)
        data.append(_click_targets(
            xs, ys, z, "x", "y",
            f"layer %{{customdata[0]}} · head %{{customdata[1]}}<br>{safe(stat)}: %{{customdata[2]:.3g}}<br>"
            f"{safe(STATISTICS[stat][1], 90)}<br>(click to open this head)<extra></extra>", custom))
        scale = f"0–{zmax:.1f} tokens" if stat == "mean distance" else f"0–{zmax:.2f}"
        notes.append(dict(text=f"{safe(stat)} <span style='font-size:10px;color:#657b83'>({scale})</span>",
                          x=x0 + (len(heads) - 1) / 2, y=y0 - 0.6, xref="x", yref="y", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=12)))
        if selected is not None and selected[0] in layers and selected[1] in heads:
            cx, cy = x0 + heads.index(selected[1]), y0 + layers.index(selected[0])
            shapes.append(dict(type="rect", xref="x", yref="y", x0=cx - 0.5, x1=cx + 0.5, y0=cy - 0.5, y1=cy + 0.5,
                               line=dict(color="#dc322f", width=2)))
    panels_x = range(min(columns, len(stats)))
    axis = dict(showgrid=False, zeroline=False, tickfont=dict(size=9), tickmode="array")
    layout = dict(
        # fixed ranges: the invisible click markers would otherwise widen the axes by a cell; the top keeps
        # room for the first row's panel titles
        xaxis=dict(axis, range=[-0.5, (len(panels_x) - 1) * step_x + len(heads) - 0.5],
                   tickvals=[c * step_x + j for c in panels_x for j in range(len(heads))],
                   ticktext=[str(h) for _ in panels_x for h in heads], title=dict(text="head", font=dict(size=10))),
        yaxis=dict(axis, range=[(rows - 1) * step_y + len(layers) - 0.5, -0.5 - GAP_Y],
                   tickvals=[r * step_y + j for r in range(rows) for j in range(len(layers))],
                   ticktext=[str(v) for _ in range(rows) for v in layers], title=dict(text="layer", font=dict(size=10))),
        height=60 + rows * (38 + 26 * len(layers)), margin=dict(l=10, r=10, t=10, b=10),
        plot_bgcolor="white", clickmode="event+select", annotations=notes, shapes=shapes)
    return go.Figure(dict(data=data, layout=layout))


def distance_heatmap(profiles: AttentionMap, selected: str | None = None) -> go.Figure:
    """Every head's attention by relative position j − i (rows = heads ``L0 H0``…, columns = offsets).

    ``profiles`` comes from ``attention_core.head_stats.distance_profiles``; ``selected`` names a row to mark.
    """
    rows = profiles.queries
    fig = go.Figure(go.Heatmap(
        z=profiles.weights, x=profiles.keys, y=rows, zmin=0, zmax=float(profiles.weights.max()) or 1.0,
        colorscale="Blues", xgap=1, colorbar=dict(title="share", thickness=10), hoverinfo="skip"))
    fig.add_trace(_click_targets(profiles.keys, rows, profiles.weights, "x", "y",
                                 "%{y} · offset %{x}: %{customdata:.3g}<br>(click to open this head)<extra></extra>"))
    if selected in rows:
        i = rows.index(selected)
        fig.add_shape(type="rect", x0=-0.5, x1=len(profiles.keys) - 0.5, y0=i - 0.5, y1=i + 0.5,
                      line=dict(color="#dc322f", width=2))
    fig.update_layout(
        title=dict(text="Where each head looks: share of attention at offset j − i (0 = itself, −1 = previous "
                        "token; the end columns pool everything farther away)", font=dict(size=13),
                   y=1.0, yref="container", yanchor="top", pad=dict(t=10)),   # above the offsets on top
        height=150 + 9 * len(rows), margin=dict(l=10, r=10, t=80, b=10), plot_bgcolor="white",
        yaxis=dict(autorange="reversed", tickfont_size=8),
        xaxis=dict(side="top", tickfont_size=10, type="category"),   # "−1", "+2" would read as numbers
        clickmode="event+select")
    return fig
