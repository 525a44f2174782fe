"""A lesson question on the page: predict first (choices, unlabelled maps, a clickable image), then reveal."""
from __future__ import annotations

import streamlit as st

from attention_core.lessons import Question, Step
from dashboard.views import document_html, heatmap
from dashboard.views.lesson import region_grid

from .figures import figure_of, show_figure
from .panels import map_panel
from .presentation import md_escape


def step_header(index: int, total: int, step: Step, text: str | None) -> None:
    """The step's title, its introduction and the input the models read."""
    st.subheader(f"Step {index + 1} of {total} · {step.title}")
    if step.intro:
        st.markdown(md_escape(step.intro))
    if step.takes_text and text:
        st.markdown(f"**Input:** {md_escape(text)}")


def _apply_click(points: list[dict], key: str) -> None:
    """A click on the region grid chooses that region in the radio below (a new click only: picking another
    number in the radio afterwards is kept)."""
    numbers = [p.get("customdata") for p in points if p.get("customdata") is not None]
    number = numbers[-1] if numbers else None
    if isinstance(number, list):
        number = number[0] if number else None
    if number is not None and st.session_state.get(f"{key}-clicked") != number:
        st.session_state[f"{key}-clicked"] = number
        st.session_state[f"{key}-choice"] = str(int(number))   # set before the radio is drawn this run


def ask_panel(q: Question, key: str) -> str | None:
    """Draw the question; → the chosen answer when the student pressed Submit, else None."""
    st.markdown(f"#### {md_escape(q.prompt)}")
    if q.output:
        st.caption(f"The model's output: {md_escape(q.output)}")
    if q.shown:
        for col, amap in zip(st.columns(len(q.shown)), q.shown):
            with col:
                show_figure(figure_of(heatmap, amap, title=amap.title, show_scale=False, height=300),
                            key=f"{key}-shown-{amap.title}")
    if q.regions and q.image is not None:
        points = show_figure(region_grid(q.image, q.regions, None), key=f"{key}-regions", clickable=True)
        _apply_click(points, key)
        st.caption("Click a region on the image, or pick its number below.")
    choice = st.radio("Your prediction", q.choices, index=None, horizontal=True, key=f"{key}-choice")
    if st.button("Submit my prediction", key=f"{key}-submit", type="primary", disabled=choice is None):
        return choice
    return None


def reveal_panel(q: Question, step: Step, key: str, chosen: str | None = None) -> None:
    """The graded answer (if any), what the model did, its maps, then the critical framing."""
    if chosen is not None:
        if q.grade(chosen):
            st.success(md_escape(f"Right: you said “{chosen}”, and so did the model."))
        else:
            st.error(md_escape(f"You said “{chosen}”; the model's answer is “{q.answer}”."))
    else:
        st.info(md_escape(f"The model's answer: “{q.answer}”."))
    st.markdown(md_escape(q.explanation))
    maps = list(q.reveal)
    words = [m for m in maps if m.level == "word"]
    if len(words) > 1:   # a whole document: the coloured text shows both levels at once
        st.html(document_html(maps))
        maps = [m for m in maps if m.level != "word"]
    for i, amap in enumerate(maps):
        image = q.image if amap.grid is not None else None
        map_panel(amap, key=f"{key}-reveal-{i}", image=image, row=0)
    if step.after:
        st.markdown("**Is this an explanation?** " + md_escape(step.after))
