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

SCALES = {"entropy (0–1)": "Viridis", "mean distance": "Oranges"}   # the rest: shares of weight, Blues


def _click_targets(xs: list, ys: list, z: np.ndarray, xaxis: str, yaxis: str, hover: str) -> dict:
    """Invisible markers on every cell: heatmaps cannot be selected in Plotly, markers can, so a click on a
    cell reaches ``st.plotly_chart(on_select=...)`` as a point with the cell's x and y."""
    gx, gy = np.meshgrid(np.arange(len(xs)), np.arange(len(ys)))
    return dict(type="scatter", mode="markers", x=[xs[i] for i in gx.ravel()], y=[ys[j] for j in gy.ravel()],
                customdata=z.ravel(), xaxis=xaxis, yaxis=yaxis, showlegend=False, hovertemplate=hover,
                marker=dict(size=14, symbol="square", color="rgba(0,0,0,0)"),
                selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)))


def _domains(count: int, gap: float) -> list[tuple[float, float]]:
    """``count`` equal intervals of [0, 1] separated by ``gap``."""
    size = (1 - gap * (count - 1)) / count
    return [(i * (size + gap), i * (size + gap) + size) for i in range(count)]


def head_grid(table: pd.DataFrame, stats: list[str] | None = None, columns: int = 4,
              selected: tuple[int, int] | None = None) -> go.Figure:
    """Small multiples, one ``layers × heads`` heatmap per statistic (``table`` from ``head_table``).

    Hover gives the head and the value; ``selected`` (layer, head) is outlined in every panel. Built as
    one dict (not ``make_subplots`` + updates): 8 panels cost ~0.5 s through Plotly's object updates.
    """
    stats = [s for s in (stats or list(STATISTICS)) if s in table.columns]
    rows = (len(stats) + columns - 1) // columns
    values = table.set_index(["layer", "head"])
    layers = [int(v) for v in sorted(table["layer"].unique())]
    heads = [int(v) for v in sorted(table["head"].unique())]
    xs, ys = _domains(columns, 0.045), _domains(rows, 0.2 if rows > 1 else 0.1)[::-1]
    data, shapes, notes, layout = [], [], [], {}
    for i, stat in enumerate(stats):
        n = "" if i == 0 else str(i + 1)
        z = values[stat].unstack("head").reindex(index=layers, columns=heads).to_numpy(dtype=float)
        finite = z[np.isfinite(z)]
        # each panel on its own scale, 0 to its largest value (said in its title): shares such as "to [SEP]"
        # can be small for every head, and a 0–1 scale would show them all as white
        zmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        data.append(dict(
            type="heatmap", z=z, x=heads, y=layers, zmin=0, zmax=zmax, colorscale=SCALES.get(stat, "Blues"),
            showscale=False, xgap=1, ygap=1, name=stat, xaxis=f"x{n}", yaxis=f"y{n}", hoverinfo="skip"))
        data.append(_click_targets(
            heads, layers, z, f"x{n}", f"y{n}",
            f"layer %{{y}} · head %{{x}}<br>{safe(stat)}: %{{customdata:.3f}}<br>"
            f"{safe(STATISTICS[stat][1], 90)}<br>(click to open this head)<extra></extra>"))
        x0, x1 = xs[i % columns]
        y0, y1 = ys[i // columns]
        axis = dict(showgrid=False, tickfont=dict(size=9), dtick=1)
        last_row, first_col = i // columns == rows - 1 or i + columns >= len(stats), i % columns == 0
        # fixed ranges: the invisible click markers would otherwise widen the axes by a cell
        layout[f"xaxis{n}"] = dict(axis, domain=[x0, x1], anchor=f"y{n}", range=[-0.5, len(heads) - 0.5],
                                   title=dict(text="head" if last_row else "", font=dict(size=10)))
        layout[f"yaxis{n}"] = dict(axis, domain=[y0, y1], anchor=f"x{n}", range=[len(layers) - 0.5, -0.5],
                                   title=dict(text="layer" if first_col else "", font=dict(size=10)))
        scale = f"0–{zmax:.1f} tokens" if stat == "mean distance" else f"0–{zmax:.2f}"
        notes.append(dict(text=f"{safe(stat)} <span style='font-size:10px;color:#657b83'>({scale})</span>",
                          x=(x0 + x1) / 2, y=y1, xref="paper", yref="paper", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=12)))
        if selected is not None:
            layer, head = selected
            shapes.append(dict(type="rect", xref=f"x{n}", yref=f"y{n}", x0=head - 0.5, x1=head + 0.5,
                               y0=layer - 0.5, y1=layer + 0.5, line=dict(color="#dc322f", width=2)))
    layout.update(height=60 + rows * (38 + 26 * len(layers)), margin=dict(l=10, r=10, t=40, b=10),
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
                                 "%{y} · offset %{x}: %{customdata:.3f}<br>(click to open this head)<extra></extra>"))
    if selected in rows:
        i = rows.index(selected)
        fig.add_shape(type="rect", x0=-0.5, x1=len(profiles.keys) - 0.5, y0=i - 0.5, y1=i + 0.5,
                      line=dict(color="#dc322f", width=2))
    fig.update_layout(
        title=dict(text="Where each head looks: share of attention at offset j − i (0 = itself, −1 = previous "
                        "token; the end columns pool everything farther away)", font=dict(size=13)),
        height=120 + 9 * len(rows), margin=dict(l=10, r=10, t=50, b=10), plot_bgcolor="white",
        yaxis=dict(autorange="reversed", tickfont_size=8),
        xaxis=dict(side="top", tickfont_size=10, type="category"),   # "−1", "+2" would read as numbers
        clickmode="event+select")
    return fig
