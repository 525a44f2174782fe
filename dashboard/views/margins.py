"""Margins that already fit a figure's labels, so Plotly does not draw every chart twice.

Every view asks for small margins and lets Plotly grow them to fit its tick labels, axis titles, colour bars and
legend (Streamlit's theme turns ``automargin`` on). Plotly measures those after drawing, and when a margin has to
grow it draws the whole figure again — on the project machine that second pass was about half of a chart's time
in the browser (a Translate heatmap ~40 → ~20 ms). :func:`fit_margins` estimates from the figure's own text how
much room Plotly will want and asks for it up front, so the first draw stands. ``automargin`` stays on: a label
wider than the estimate still gets its room (with the second draw, as before). Estimates err on the wide side;
the cost of a too-wide guess is a few pixels of white space.

:data:`SETTLED_AXIS` goes with it: by default Plotly measures every tick label once more after drawing, to hide
those that stick out of the chart (``ticklabeloverflow``), and each measurement makes the browser lay out the
page; with margins that hold the labels nothing sticks out, so the check is turned off.
"""
from __future__ import annotations

import base64
import html
import math
import re
import unicodedata
from typing import Any, Iterable

import numpy as np

# What Streamlit's Plotly theme sets (streamlit/static PlotlyChart: the "streamlit" template) and Plotly's defaults
TICK_FONT = 12          # template: axis tick labels, legend
TITLE_FONT = 14         # template: axis titles
FONT = 12               # layout font (presentation mode raises it to 18; colour bars follow it)
AXIS_PAD = 8            # template margin.pad: between the plot area and the tick labels
PUSH_PAD = 12           # Plotly adds up to 12 px to every auto-margin push
LABEL_GAP = 10          # measured: Plotly pushed tick labels up to 5 px beyond this estimate without it
STANDOFF = {"x": 24, "y": 32}   # template title standoff per axis letter
SETTLED_AXIS = {"ticklabeloverflow": "allow"}   # margins hold the labels: skip the per-label overflow check
COLORBAR_OFFSET = 24    # a colour bar sits at x = 1.02: 2 % of the plot width beyond it (≤ 24 px up to 1,200 px)

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_NARROW, _WIDE = set("iIljtf.,:;'!|()[]{}/\\"), set("mwMW@%—")


def _char_em(ch: str) -> float:
    """A generous width of one character in em (Source Sans: lower case ~0.5 em, capitals ~0.6 em)."""
    if ch == " ":
        return 0.25
    if ch in _NARROW:
        return 0.33
    if ch in _WIDE:
        return 0.9
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.05
    if ch.isupper():
        return 0.66
    if ch.isdigit():
        return 0.56
    return 0.53


def text_px(text: Any, size: float) -> float:
    """Width in pixels of a Plotly label (its widest line, tags stripped, entities read) at font ``size``."""
    lines = _BREAK.split(str(text))
    return max((sum(_char_em(c) for c in html.unescape(_TAG.sub("", line))) for line in lines), default=0.0) * size


def _lines(text: Any) -> int:
    return len(_BREAK.split(str(text)))


def _title_text(title: Any) -> str:
    return str(title.get("text") or "") if isinstance(title, dict) else str(title or "")


def _flat(values: Any) -> list:
    """A trace's x / y / z as a flat list (Plotly's JSON encodes arrays as ``{"dtype", "bdata"}``)."""
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).ravel().tolist()
    if isinstance(values, (list, tuple)):
        out: list = []
        for v in values:
            out.extend(_flat(v) if isinstance(v, (list, tuple, dict)) else [v])
        return out
    return [values]


def _number_labels(numbers: Iterable[float]) -> list[str]:
    """How Plotly might print tick labels of a numeric axis spanning ``numbers`` (its ends, 3 digits)."""
    finite = [float(v) for v in numbers if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite:
        return []
    lo, hi = min(finite), max(finite)
    step = (hi - lo) / 5 or abs(hi) or 1.0
    return [f"{v:.{max(0, -math.floor(math.log10(step)) + 1)}f}" if step < 1 else f"{v:,.0f}"
            for v in (lo, hi, lo + step)]


def _axis_labels(axis: dict, values: list) -> list[str]:
    """The tick labels an axis will show (its own text, category names or numbers)."""
    if axis.get("visible") is False or axis.get("showticklabels") is False:
        return []
    if axis.get("ticktext") is not None:
        return [str(t) for t in _flat(axis["ticktext"])]
    if axis.get("type") == "category" or any(isinstance(v, str) for v in values):
        return sorted({str(v) for v in values if v is not None})
    return _number_labels(list(values) + list(axis.get("range") or []))


def _axis_room(letter: str, axis: dict, labels: list[str]) -> float:
    """Pixels an axis needs outside the plot area: tick labels (turned as asked), ticks, its title."""
    if axis.get("visible") is False:
        return 0.0
    size = float((axis.get("tickfont") or {}).get("size") or TICK_FONT)
    width = max((text_px(t, size) for t in labels), default=0.0)
    height = size * 1.25 * max((_lines(t) for t in labels), default=1) if labels else 0.0
    if letter == "y":
        room = width
    else:
        angle = axis.get("tickangle")
        if not isinstance(angle, (int, float)):
            # Plotly turns crowded labels by 30° (then 90°) on its own: assume 30° when they would not fit side by side
            angle = 30 if len(labels) * width > 500 else 0
        turn = math.radians(abs(angle))
        room = width * math.sin(turn) + height * math.cos(turn) if labels else 0.0
    if axis.get("ticks") in ("outside", "inside"):
        room += float(axis.get("ticklen") or 5)
    title = axis.get("title") or {}
    text = _title_text(title)
    if text:
        title_size = float((title.get("font") or {}).get("size") or TITLE_FONT) if isinstance(title, dict) else TITLE_FONT
        standoff = title.get("standoff") if isinstance(title, dict) else None
        room += (standoff if standoff is not None else STANDOFF[letter]) + title_size * 1.25 * _lines(text)
    return room + AXIS_PAD + PUSH_PAD + LABEL_GAP


def _shape(z: Any) -> tuple[int, int]:
    """Rows and columns of a heatmap's z (a list of rows, or Plotly's encoded array with its ``shape``)."""
    if isinstance(z, dict) and "shape" in z:
        shape = [int(s) for s in str(z["shape"]).split(",")]
        return shape[0], shape[1] if len(shape) > 1 else 1
    if isinstance(z, list) and z:
        return len(z), len(z[0]) if isinstance(z[0], list) else 1
    return 0, 0


def _traces_axes(data: list[dict]) -> dict[str, list]:
    """Axis id (``x``, ``y2``…) → every value the traces plot on it."""
    values: dict[str, list] = {}
    for trace in data:
        if trace.get("type") in ("image", "pie", "table", "sankey", "sunburst", "treemap", "icicle"):
            continue
        for letter in ("x", "y"):
            axis_id = trace.get(f"{letter}axis") or letter
            vals = _flat(trace.get(letter))
            if not vals and trace.get("type") in ("heatmap", "contour"):
                rows, cols = _shape(trace.get("z"))   # no x / y given: the columns and rows are numbered
                vals = list(range(cols if letter == "x" else rows))
            values.setdefault(axis_id, []).extend(vals)
    return values


def _colorbar_room(trace: dict, font: float) -> float:
    """Pixels a vertical colour bar on the right takes beyond the plot (x = 1.02, left-anchored)."""
    bar = trace.get("colorbar") or {}
    if bar.get("orientation") == "h":
        return 0.0
    size = float((bar.get("tickfont") or {}).get("size") or font)
    zs = [trace.get("zmin"), trace.get("zmax")]
    if None in zs:
        zs += _flat(trace.get("z"))[:10_000]
    ticks = max((text_px(t, size) for t in _number_labels([v for v in zs if v is not None])), default=text_px("0.00", size))
    title = bar.get("title") or {}
    text = _title_text(title)
    title_size = float(((title.get("font") or {}).get("size") if isinstance(title, dict) else None) or font)
    thickness = float(bar.get("thickness") or 30)
    width = thickness + 6 + ticks
    if text and (isinstance(title, dict) and title.get("side") == "right"):
        width += title_size * 1.3
    elif text:
        width = max(width, text_px(text, title_size))
    xpad = float(bar.get("xpad") if bar.get("xpad") is not None else 10)
    return width + 2 * xpad + COLORBAR_OFFSET + PUSH_PAD


def _shows_scale(trace: dict) -> bool:
    if trace.get("type") in ("heatmap", "contour", "histogram2d", "histogram2dcontour", "densitymap"):
        return trace.get("showscale") is not False and trace.get("coloraxis") is None
    marker = trace.get("marker") or {}
    return isinstance(marker, dict) and marker.get("showscale") is True


def _legend_room(layout: dict, data: list[dict]) -> float:
    """Pixels a vertical legend on the right takes (shown for two or more named traces unless turned off)."""
    legend = layout.get("legend") or {}
    entries = [t for t in data if t.get("showlegend") is not False and t.get("visible") is not False
               and t.get("type", "scatter") not in ("heatmap", "image", "contour")]
    shown = layout.get("showlegend")
    if shown is False or (shown is None and len(entries) < 2) or legend.get("orientation") == "h":
        return 0.0
    if float(legend.get("x", 1.02)) < 1:
        return 0.0
    size = float((legend.get("font") or {}).get("size") or TICK_FONT)
    names = [str(t.get("name") or f"trace {i}") for i, t in enumerate(entries)]
    return 40 + max((text_px(n, size) for n in names), default=0.0) + COLORBAR_OFFSET + PUSH_PAD


def _at_edge(layout: dict, axis_name: str, letter: str, side: str) -> bool:
    """Whether an axis drawn on ``side`` sits on the figure's edge (an inner subplot's labels need no margin)."""
    axis = layout.get(axis_name) or {}
    anchor = axis.get("anchor")
    if anchor == "free":
        position = float(axis.get("position", 0))
    else:
        other = "y" if letter == "x" else "x"
        counter = layout.get(f"{other}axis{str(anchor)[1:]}" if anchor else f"{other}axis") or {}
        domain = counter.get("domain") or [0, 1]
        position = float(domain[0] if side in ("left", "bottom") else domain[1])
    return position <= 0.01 if side in ("left", "bottom") else position >= 0.99


def axis_names(figure: dict) -> list[str]:
    """Every axis the figure draws: those its layout names and those its traces use without naming them."""
    layout = figure.get("layout") or {}
    names = {n for n in layout if re.fullmatch(r"[xy]axis\d*", n)}
    names |= {f"{axis_id[0]}axis{axis_id[1:]}" for axis_id in _traces_axes(figure.get("data") or [])}
    return sorted(names)


def fit_margins(figure: dict) -> dict[str, int]:
    """The figure's margins, each raised to the room its labels, colour bars and legend will need.

    ``figure`` is Plotly JSON (``{"data": [...], "layout": {...}}``); the result is a ``layout.margin`` dict.
    """
    layout, data = figure.get("layout") or {}, figure.get("data") or []
    margin = dict(layout.get("margin") or {})
    need = {side: float(margin.get(side, 80 if side in "lr" else 100 if side == "t" else 80)) for side in "lrtb"}
    values = _traces_axes(data)
    for name in axis_names(figure):   # an axis no layout entry mentions still draws its labels
        match = re.fullmatch(r"([xy])axis(\d*)", name)
        axis = layout.get(name) or {}
        if not match or not isinstance(axis, dict):
            continue
        letter = match.group(1)
        side = axis.get("side") or ("bottom" if letter == "x" else "left")
        if not _at_edge(layout, name, letter, side):
            continue
        room = _axis_room(letter, axis, _axis_labels(axis, values.get(f"{letter}{match.group(2)}", [])))
        key = {"left": "l", "right": "r", "top": "t", "bottom": "b"}[side]
        need[key] = max(need[key], room)
    font = float((layout.get("font") or {}).get("size") or FONT)
    bars = [_colorbar_room(t, font) for t in data if _shows_scale(t)]
    need["r"] = max([need["r"], _legend_room(layout, data), *bars])
    margin.update({side: int(math.ceil(v)) for side, v in need.items()})
    return dict(sorted(margin.items()))   # Plotly's own JSON lists keys sorted: the same text either way
