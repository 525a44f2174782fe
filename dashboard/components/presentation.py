"""Presentation: the large-font mode (switched in the browser), escaping text for Markdown, notices."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import streamlit as st

from attention_core import Explanation
from dashboard.escaping import escape as md_escape   # the one escaping rule, under the name pages know

PRESENTATION_LABEL = "Presentation mode (large fonts)"
PRESENTING = "atlas-presenting"     # the class on <html> while presentation mode is on (the app's CSS keys on it)
HERE = Path(__file__).resolve().parent


@st.cache_resource(show_spinner=False)
def _switch() -> Callable[..., Any]:
    return st.components.v2.component(
        "atlas_presentation_switch", js=(HERE / "presentation_switch.js").read_text(encoding="utf-8"),
        css=(HERE / "presentation_switch.css").read_text(encoding="utf-8"), isolate_styles=False)


def presentation_switch() -> None:
    """The presentation-mode switch: a display choice kept in the reader's browser, so switching it restyles
    the page there (CSS keyed on :data:`PRESENTING`, charts redrawn with their large layout) and runs nothing
    on the server."""
    _switch()(key="atlas-presentation-switch", data={
        "label": PRESENTATION_LABEL, "help": "Bigger text and figure labels for projectors and classrooms."})


def show_notices(result: Explanation, skip: tuple[str, ...] = ()) -> None:
    """Model notices (input cut, out-of-domain warnings) as info boxes, but those in ``skip`` (shown once
    above the models' panels)."""
    for note in result.notices:
        if note not in skip:
            st.info(md_escape(note))


def common_notices(results: list[Explanation]) -> tuple[str, ...]:
    """The notices every one of several results carries (e.g. a family's "words never seen in training"),
    to show once for all of them instead of once per model; none for a single result."""
    if len(results) < 2:
        return ()
    return tuple(n for n in results[0].notices if all(n in r.notices for r in results[1:]))
