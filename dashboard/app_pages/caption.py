"""Caption: soft and hard attention of the Show-Attend-Tell decoders over the image, word by word."""
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.pages import CAPTION, IMAGE_EVIDENCE
from attention_core.aggregate import coverage
from dashboard.components.image_inputs import chosen_image
from dashboard.components import (
    available,
    explain_image,
    head_choice,
    map_panel,
    md_escape,
    show_notices,
)
from dashboard.views import shared_zmax, word_strip
from dashboard.components.tables import show_table

FUNCTION_WORDS = {"a", "an", "the", "and", "at", "on", "in", "of", "to", "is"}



@st.fragment
def one_word(amap, model_id: str, image, zmax: float | None) -> None:
    """One caption word's map, stepped with a slider: a fragment, so a step redraws only this model's map."""
    # open on the first word that names something: "a" and "the" attend diffusely
    first = next((i for i, q in enumerate(amap.queries) if q.lower() not in FUNCTION_WORDS), 0)
    step = st.slider("Word", 1, amap.shape[0], first + 1, key=f"{model_id}-word",
                     help="Step through the caption") - 1
    map_panel(amap, key=f"caption-{model_id}", image=image, row=step, zmax=zmax)


st.title("Caption")
st.caption("A caption decoder looks at a 7 × 7 grid of image regions before writing each word. "
           "Soft attention blends all regions; hard attention picks one region (its map is the "
           "distribution it picked from). Each name word is then re-ranked by what two readers see in the "
           "regions the decoder attends: a full-resolution glimpse classifier, which speaks for the small "
           "items it sees, and the image encoder's own item classifier for the rest (declared in each "
           "captioner's config; the model card gives the measures).")

captioners, _ = available(CAPTION)
classifiers, _ = available(IMAGE_EVIDENCE)
if not captioners and not classifiers:
    st.warning("No image models are installed.")
    st.stop()
# Composed scenes first: they are what the captioners understand; photos are for the ImageNet view.
samples = sorted({p for s in captioners + classifiers for p in s.sample_inputs()},
                 key=lambda p: (not Path(p).name.startswith("scene"), p))

c1, c2 = st.columns(2)
upload = c1.file_uploader("Upload an image (PNG, JPEG, WebP)", type=["png", "jpg", "jpeg", "webp"])
sample = c2.selectbox("…or pick a sample", samples, format_func=lambda p: Path(p).stem,
                      disabled=upload is not None)
data, name, image = chosen_image(upload, sample)

mode = st.radio("Show", ["one word at a time", "all words (small multiples)", "coverage Σ α"],
                horizontal=True)
results = {}
for spec in captioners:
    result, error = explain_image(spec.id, data)
    if error:
        st.error(md_escape(error))
    else:
        results[spec.id] = result
if results:
    maps = {mid: head_choice(r.maps, key=f"cap-{mid}") for mid, r in results.items() if r.maps}
    zmax = shared_zmax(list(maps.values()))
    for col, (model_id, result) in zip(st.columns(len(results)), results.items()):
        with col:
            amap = maps.get(model_id)
            st.markdown(f"#### {md_escape(amap.label if amap else model_id)}")
            st.markdown(f"**Caption:** {md_escape(str(result.output)) or '— (nothing named; see the note below)'}")
            if amap is None:
                continue
            key = f"caption-{model_id}"
            if mode.startswith("one word"):
                one_word(amap, model_id, image, zmax)
            elif mode.startswith("all"):
                map_panel(amap, key=key, view=word_strip, image=image, zmax=zmax, columns=4)
            else:
                map_panel(coverage(amap), key=key, image=image, row=0)
    for result in list(results.values())[:1]:
        show_notices(result)

for spec in classifiers:
    st.divider()
    st.subheader("What the image encoder sees (ImageNet classes)")
    st.caption("For photos: where EfficientNet-Lite0's evidence for its top ImageNet classes lies "
               "(a class activation map — not attention, but the same grid the captioners attend over).")
    result, error = explain_image(spec.id, data)
    if error:
        st.error(md_escape(error))
        continue
    amap = result.maps[0]
    c1, c2 = st.columns([1, 2])
    with c1:
        top = result.output.top()
        show_table(pd.DataFrame({"class": [t[0] for t in top], "probability": [float(t[1]) for t in top]}))
        row = st.radio("Class", range(amap.shape[0]), format_func=lambda i: amap.queries[i],
                       key="imagenet-class")
    with c2:
        map_panel(amap, key="imagenet-cam", image=image, row=row)
