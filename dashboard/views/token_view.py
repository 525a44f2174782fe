"""Token-centred view: one token's row (what it attends to) and column (what attends to it) in every head."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from attention_core.record import AttentionMap

from .labels import safe

MAX_TICKS = 80   # beyond this many tokens the axis shows every n-th label (hover always names the token)


def _ticks(labels: list[str], categories: list[str], index: int) -> tuple[list[str], list[str]]:
    """Ticks: every token when few, else every n-th plus the chosen token (hover always names the token)."""
    step = max(1, int(np.ceil(len(labels) / MAX_TICKS)))
    where = sorted(set(range(0, len(labels), step)) | {index})
    return [categories[i] for i in where], [safe(labels[i], 12) for i in where]


def token_heads(outgoing: AttentionMap, incoming: AttentionMap) -> go.Figure:
    """Two ``heads × tokens`` heatmaps (from ``attention_core.head_stats.token_profile``), the token marked.

    Top: what the token attends to in each head (each row sums to 1). Bottom: how much each token attends
    to it (its column; rows do not sum to 1). One colour scale per panel, 0 to that panel's largest weight.
    Both maps may be column windows (``attention_core.large_maps.column_window``, ``meta["offset"]``): the
    ◂ / ▸ columns then hold the weight outside the window.
    """
    index = int(outgoing.meta.get("index", 0))
    token = str(outgoing.meta.get("token", ""))
    heads, tokens = outgoing.queries, outgoing.keys
    offset = int(outgoing.meta.get("offset", 0))
    left = 1 if offset > 0 else 0                     # a "◂ …" column comes first in a window
    # unique category labels ("#12 the") let the hover name the token without a per-cell label array
    categories = [safe(t, 16) if (left and j == 0) or (t.endswith("▸") and j == len(tokens) - 1)
                  else f"#{offset + j - left} {safe(t, 16)}" for j, t in enumerate(tokens)]
    mark = index - offset + left                      # the token's column in these maps
    right = 1 if tokens and tokens[-1].endswith("▸") else 0
    inner = slice(left, len(tokens) - right)          # the colour scale follows the tokens, not the ◂ / ▸ sums
    where, text = _ticks(tokens, categories, mark)
    titles = (f"what “{safe(token, 30)}” (#{index}) attends to — its row in each head",
              f"what attends to “{safe(token, 30)}” — its column in each head")
    domains = ((0.545, 1.0), (0.0, 0.455))        # top panel, bottom panel (paper fractions)
    data, layout, notes, shapes = [], {}, [], []
    # one dict, not make_subplots + updates: the figure is rebuilt whenever another token is picked
    for panel, (amap, verb) in enumerate(((outgoing, "→"), (incoming, "←"))):
        n = "" if panel == 0 else "2"
        lo, hi = domains[panel]
        data.append(dict(
            type="heatmap", z=amap.weights, x=categories, y=heads, zmin=0,
            zmax=float(amap.weights[:, inner].max(initial=0)) or 1.0,
            colorscale="Blues", xaxis=f"x{n}", yaxis=f"y{n}",
            colorbar=dict(thickness=10, len=0.42, y=(lo + hi) / 2, title=dict(text="weight")),
            hovertemplate=f"%{{y}}: “{safe(token, 20)}” {verb} %{{x}}: %{{z:.3g}}<extra></extra>"))
        layout[f"xaxis{n}"] = dict(anchor=f"y{n}", tickmode="array", tickvals=where, ticktext=text, tickangle=-60,
                                   tickfont=dict(size=9), showgrid=False)
        layout[f"yaxis{n}"] = dict(anchor=f"x{n}", domain=[lo, hi], autorange="reversed", tickfont=dict(size=8),
                                   showgrid=False)
        notes.append(dict(text=titles[panel], x=0.5, y=hi, xref="paper", yref="paper", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=13)))
        shapes.append(dict(type="line", xref=f"x{n}", yref="paper", x0=mark, x1=mark, y0=lo, y1=hi,
                           line=dict(color="#dc322f", width=1, dash="dot")))
    if left or right:
        layout["title"] = dict(text="◂ / ▸ columns: the weight on tokens outside the window, summed (their colour "
                                    "saturates; hover for the value)", font=dict(size=11, color="#657b83"))
    layout.update(height=2 * (70 + 8 * len(heads)) + 160, margin=dict(l=10, r=10, t=70, b=10),
                  plot_bgcolor="white", annotations=notes, shapes=shapes, clickmode="event+select")
    return go.Figure(dict(data=data, layout=layout))
