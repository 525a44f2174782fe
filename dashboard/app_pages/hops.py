"""Self-attention hops: Lin et al.'s r rows of attention over a sentence and their overlap A Aᵀ."""
import streamlit as st

from dashboard.components import (
    available,
    checked_text,
    explain,
    figure_of,
    map_panel,
    md_escape,
    show_figure,
    show_notices,
    text_input_block,
    unavailable_notice,
)
from dashboard.components.tables import for_people
from dashboard.pages import HOPS
from dashboard.views import hop_overlap, hop_rows, shared_zmax

st.title("Self-attention hops")
st.caption("A structured self-attentive sentence embedding (Lin et al. 2017) reads the sentence with r "
           "hops, each a distribution over tokens. The penalty ‖AAᵀ − I‖² (squared Frobenius norm) pushes hops to look at "
           "different things; compare the models trained with and without it.")

specs, missing = available(HOPS)
unavailable_notice(missing)   # a damaged model says why, instead of looking uninstalled
if not specs:
    st.warning("No self-attentive sentence model can be loaded here" + (" (see above)." if missing else "."))
    st.stop()
raw = text_input_block("Sentence", specs[0].sample_inputs(), key="hops")
chosen = st.multiselect("Models", [s.id for s in specs], default=[s.id for s in specs])
text = checked_text(raw)

results = {}
for model_id in chosen:
    result, error = explain(model_id, text)
    if error:
        st.error(md_escape(error))
    elif result.maps:
        results[model_id] = result
zmax = shared_zmax([r.maps[0] for r in results.values()]) if results else None
for model_id, result in results.items():
    amap, output = result.maps[0], result.output
    st.subheader(md_escape(amap.label))
    c0, c1, c2 = st.columns(3)
    c0.metric("Prediction", output.label)
    c1.metric("Probability", for_people(output.confidence))
    if output.penalty is not None:
        c2.metric("Penalty ‖AAᵀ − I‖² (Frobenius)", for_people(output.penalty))
    show_notices(result)
    left, right = st.columns([3, 2])
    with left:
        map_panel(amap, key=f"hops-{model_id}", view=hop_rows, zmax=zmax)
    with right:
        show_figure(figure_of(hop_overlap, amap), key=f"overlap-{model_id}")

# ── Is this attention an explanation? Attribution beside attention (issue 12) ──────────────────────────────
from dashboard.components.attribution_panel import attribution_panel  # noqa: E402
attribution_panel(results, text, key="hops")
