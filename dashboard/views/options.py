"""The options contract between pages and views: a page offers options, a view takes the ones it declares.

A view declares its options as keyword-only parameters of its builder (``heatmap(amap, *, zmax, row_name…)``).
:func:`options_for` hands a view exactly the offered options its signature names, so a page can offer
``zmax`` or ``row_name`` to whichever view the record asks for, and a new default view that declares fewer
options never receives one it does not know. An option no view knows is a programming error.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class ViewOptions:
    """Every display option a page may offer a view (None: not offered)."""

    zmax: float | None = None          # top of the colour scale (a shared scale across maps)
    row_name: str | None = None        # what the rows are, e.g. "target"
    col_name: str | None = None        # what the columns are, e.g. "source"
    height: int | None = None          # figure height in pixels
    columns: int | None = None         # small multiples per row
    title: str | None = None           # figure title
    threshold: float | None = None     # line views: weights below are not drawn


OPTION_NAMES = frozenset(f.name for f in fields(ViewOptions))


@lru_cache(maxsize=None)
def declared_options(view: Callable[..., Any]) -> frozenset[str]:
    """The options ``view`` declares: its keyword-only parameters that are view options."""
    params = inspect.signature(view).parameters.values()
    return frozenset(p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name in OPTION_NAMES)


def options_for(view: Callable[..., Any], offered: Mapping[str, Any]) -> dict[str, Any]:
    """The offered options ``view`` declares (None values are left out: the view's default applies);
    ``TypeError`` for an option that is not a :class:`ViewOptions` field."""
    unknown = set(offered) - OPTION_NAMES
    if unknown:
        raise TypeError(f"unknown view option(s): {', '.join(sorted(unknown))} (see ViewOptions)")
    wanted = declared_options(view)
    return {k: v for k, v in offered.items() if k in wanted and v is not None}
