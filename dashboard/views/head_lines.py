"""The head view with lines (as bertviz draws it, offline in Plotly): tokens in two columns, a line from
each token on the left to the tokens it attends to on the right, one colour per head.

To stay readable at 512 tokens only each token's ``k`` strongest weights at or above a threshold are
drawn (the figure says how many lines that leaves of how many), and picking a token isolates its lines.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from attention_core.large_maps import token_edges, top_edges
from attention_core.record import AttentionMap

from .labels import safe

HEAD_COLOURS = qualitative.Dark24           # one colour per head; 24 covers every head of one layer
OPACITY_LEVELS = 4                           # lines are binned by weight: a few traces, not one per line
ROW_PX = 15                                  # vertical space per token


def head_edges(maps: list[AttentionMap], k: int, threshold: float, token: int | None = None,
               ) -> list[tuple[AttentionMap, np.ndarray, np.ndarray, np.ndarray]]:
    """``(map, rows, cols, weights)`` per head: the top-``k`` edges per token ≥ ``threshold`` (or ``token``'s own)."""
    out = []
    for amap in maps:
        if token is None:
            rows, cols, vals = top_edges(amap.weights, k, threshold)
        else:
            rows, cols, vals = token_edges(amap.weights, token, k, threshold)
        out.append((amap, rows, cols, vals))
    return out


def head_lines(maps: list[AttentionMap], *, k: int = 3, threshold: float = 0.05, token: int | None = None,
               colour_of: dict[int, int] | None = None) -> go.Figure:
    """Lines between two token columns for the heads in ``maps`` (same tokens; usually one layer's heads).

    Line opacity and width grow with the weight; ``token`` (a position) keeps only that token's outgoing
    and incoming lines. ``colour_of`` maps head number → palette index, so a head keeps its colour when
    others are hidden.
    """
    if not maps:
        raise ValueError("no heads to draw")
    queries, keys = maps[0].queries, maps[0].keys
    n_rows, n_cols = len(queries), len(keys)
    data: list[dict] = []
    drawn = 0
    for amap, rows, cols, vals in head_edges(maps, k, threshold, token):
        head = amap.head if amap.head is not None else 0
        colour = HEAD_COLOURS[(colour_of or {}).get(head, head) % len(HEAD_COLOURS)]
        drawn += len(vals)
        level = np.minimum((vals * OPACITY_LEVELS).astype(int), OPACITY_LEVELS - 1)   # 0.25-wide weight bins
        in_legend = False
        for lvl in range(OPACITY_LEVELS):
            pick = level == lvl
            count = int(pick.sum())
            if not count:
                continue
            # segments (0, −row) → (1, −col), separated by gaps: one path per head and weight bin
            xs = np.tile(np.array([0.0, 1.0, np.nan]), count)
            ys = np.column_stack([-rows[pick], -cols[pick], np.full(count, np.nan)]).ravel()
            data.append(dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", legendgroup=f"h{head}",
                             name=f"head {head}", showlegend=not in_legend,
                             opacity=0.25 + 0.75 * (lvl + 1) / OPACITY_LEVELS,
                             line=dict(color=colour, width=0.8 + 1.6 * lvl)))
            in_legend = True
    # token labels: queries on the left (right-aligned), keys on the right; the picked token in red
    for x, labels, pos, n in ((0.0, queries, "middle left", n_rows), (1.0, keys, "middle right", n_cols)):
        colours = ["#dc322f" if i == token else "#073642" for i in range(n)]
        data.append(dict(type="scatter", x=np.full(n, x), y=-np.arange(n), mode="markers+text",
                         text=[safe(t, 18) for t in labels], textposition=pos,
                         textfont=dict(size=11, color=colours), marker=dict(size=4, color=colours),
                         customdata=np.arange(n), showlegend=False,
                         hovertemplate="#%{customdata} %{text}<extra></extra>"))
    total = len(maps) * n_rows * n_cols
    scope = (f"token #{token} “{safe(queries[token], 20)}”: its {k} strongest outgoing and incoming lines"
             if token is not None else f"each token's {k} strongest lines")
    layers = {m.layer for m in maps}
    where = f" · layer {next(iter(layers))}" if len(layers) == 1 else ""
    layout = dict(
        title=dict(text=(f"Head view{where} · {len(maps)} head(s) · {scope} with weight ≥ {threshold:g} — "
                         f"{drawn:,} of {total:,} lines drawn"), font=dict(size=13)),
        height=int(140 + ROW_PX * max(n_rows, n_cols)), margin=dict(l=10, r=10, t=60, b=10),
        xaxis=dict(visible=False, range=[-0.6, 1.6]), yaxis=dict(visible=False, range=[-max(n_rows, n_cols), 1]),
        plot_bgcolor="white", legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, font=dict(size=10)),
        hovermode="closest")
    # one dict, not add_trace per path: Plotly's per-trace validation dominated the build time
    return go.Figure(dict(data=data, layout=layout))
