"""Any model: pick any registered model; its maps are drawn by what the records hold (no model-specific code)."""
from pathlib import Path

import streamlit as st

from attention_core import InputKind
from attention_core.informative import informative_head
from dashboard import components as ui
from dashboard.components.image_inputs import chosen_image
from dashboard.views import document_html
from dashboard.views.select import layout, overview

st.title("Any model")
st.caption("Every registered model through one generic view: its output, then its attention maps drawn by "
           "what each record holds — a grid over an image becomes an overlay, a layer × head stack gets an "
           "overview, word and sentence levels become coloured text, anything else a heatmap. A new model "
           "family appears here without page code.")

specs, _ = ui.available()   # the shared once-a-minute check, not 25 file checks per rerun
spec = st.selectbox("Model", specs, format_func=lambda s: f"{s.id} — {s.task.value}")
if spec is None:
    st.stop()
st.caption(ui.md_escape(spec.description))

image = None
if spec.input_kind == InputKind.IMAGE:
    upload = st.file_uploader("Upload an image (PNG, JPEG, WebP)", type=["png", "jpg", "jpeg", "webp"],
                              key="explore-upload")
    samples = spec.sample_inputs()
    pick = (st.selectbox("…or a sample", samples, format_func=lambda p: Path(p).stem, key="explore-sample")
            if samples and upload is None else None)
    data, name, image = chosen_image(upload, pick)
    result, error = ui.explain_image(spec.id, data)
else:
    raw = ui.text_input_block("Input", spec.sample_inputs(), key=f"explore-{spec.id}")
    result, error = ui.explain(spec.id, ui.checked_text(raw))
if error:
    st.error(ui.md_escape(error))
    st.stop()

st.markdown(f"**Output:** {ui.md_escape(str(result.output))}")
ui.show_notices(result)
maps = result.maps
if not maps:
    st.info("This model returned no attention maps for this input.")
    st.stop()
kind = layout(maps)
if kind == "hierarchy":
    st.html(document_html(maps))
    ui.map_panel(next(m for m in maps if m.level == "sentence"), key="explore-sentences")
elif kind == "heads":
    ui.show_figure(ui.figure_of(overview, maps), key="explore-overview")
    amap = ui.head_choice(maps, key="explore")
    ui.map_panel(amap, key="explore-head", image=image, row=0)
else:
    # open on the most informative head when the maps are per head (DINOv2 opened on L0 H0 before)
    best = informative_head(maps)
    first = next((i for i, m in enumerate(maps) if m is best), 0)
    chosen = maps if len(maps) <= 6 else [maps[i] for i in st.multiselect(
        "Maps", range(len(maps)), default=[first], format_func=lambda i: maps[i].title)]
    for i, amap in enumerate(chosen):
        row = 0
        if image is not None and amap.grid is not None and amap.shape[0] > 1:
            row = st.slider("Row", 1, amap.shape[0], 1, key=f"explore-row-{i}",
                            help="Which output token's attention to draw") - 1
        ui.map_panel(amap, key=f"explore-{i}", image=image, row=row)
