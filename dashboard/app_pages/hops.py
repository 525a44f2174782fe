"""Self-attention hops: Lin et al.'s r rows of attention over a sentence and their overlap A Aᵀ."""
import streamlit as st

from dashboard.common import (
    checked_text,
    explain,
    export_buttons,
    md_escape,
    models_for,
    sanity_panel,
    show_figure,
    show_notices,
    text_input_block,
)
from dashboard.views import hop_overlap, hop_rows, shared_zmax

st.title("Self-attention hops")
st.caption("A structured self-attentive sentence embedding (Lin et al. 2017) reads the sentence with r "
           "hops, each a distribution over tokens. The penalty ‖AAᵀ − I‖² (squared Frobenius norm) pushes hops to look at "
           "different things; compare the models trained with and without it.")

specs = [s for s in models_for("sentence-classification") if s.is_available()]
if not specs:
    st.warning("No self-attentive sentence model is installed.")
    st.stop()
raw = text_input_block("Sentence", specs[0].samples, key="hops")
chosen = st.multiselect("Models", [s.id for s in specs], default=[s.id for s in specs])
text = checked_text(raw)

results = {}
for model_id in chosen:
    result, error = explain(model_id, text)
    if error:
        st.error(error)
    elif result.maps:
        results[model_id] = result
zmax = shared_zmax([r.maps[0] for r in results.values()]) if results else None
for model_id, result in results.items():
    amap = result.maps[0]
    st.subheader(md_escape(amap.meta.get("label", model_id)))
    output = result.output if isinstance(result.output, dict) else {"label": result.output}
    c0, c1, c2 = st.columns(3)
    c0.metric("Prediction", str(output.get("label")))
    probs = output.get("probabilities", {})
    if probs:
        c1.metric("Probability", f"{max(probs.values()):.2f}")
    penalty = amap.meta.get("penalty", output.get("penalty"))
    if penalty is not None:
        c2.metric("Penalty ‖AAᵀ − I‖² (Frobenius)", f"{float(penalty):.3f}")
    show_notices(result)
    left, right = st.columns([3, 2])
    with left:
        fig = hop_rows(amap, zmax=zmax)
        show_figure(fig, key=f"hops-{model_id}")
        sanity_panel(amap)
        export_buttons(amap, fig, key=f"hops-{model_id}")
    with right:
        show_figure(hop_overlap(amap), key=f"overlap-{model_id}")
