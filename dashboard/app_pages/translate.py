"""Translate: every translation model's output and source × target attention, side by side."""
import streamlit as st

from dashboard.components import (
    available,
    checked_text,
    common_notices,
    explain,
    families,
    head_choice,
    map_panel,
    md_escape,
    remember,
    restore,
    show_notices,
    text_input_block,
    unavailable_notice,
)
from dashboard.pages import TRANSLATE
from dashboard.views import alignment_lines, shared_zmax

st.title("Translate")
st.caption("One English sentence through every mechanism. Rows are the French tokens the model generated, "
           "columns the English source tokens; each row shows where the model looked to write that token.")

task_families = families(TRANSLATE)
if not task_families:
    st.warning("No translation models are installed.")
    st.stop()
restore("translate-family", list(task_families))   # the task comes back with the text after a reload
family = st.radio("Task", list(task_families), format_func=task_families.get, horizontal=True,
                  key="translate-family")
remember("translate-family", family, next(iter(task_families)))
specs, missing = available(TRANSLATE, family)
unavailable_notice(missing)
if not specs:
    st.stop()

raw = text_input_block("English sentence", specs[0].sample_inputs(), key=f"translate-{family}",
                       default="In the beginning God created the heavens and the earth.")
c1, c4 = st.columns([1.2, 3])
beams = [1, 4] if all(s.capabilities.beam for s in specs) else [1]   # what every model of the family declares
beam = c1.radio("Decoding", beams, format_func=lambda k: "greedy" if k == 1 else f"beam ({k})",
                horizontal=True)
chosen = c4.multiselect("Mechanisms", [s.id for s in specs], default=[s.id for s in specs],
                        format_func=lambda i: i.rsplit("/", 1)[-1])   # the mechanism, or a folder's name

text = checked_text(raw)

results = {}
for model_id in chosen:
    result, error = explain(model_id, text, beam=beam)
    if error:
        st.error(md_escape(error))
    else:
        results[model_id] = result
if not results:
    st.stop()
# a notice about the input itself (too long, words the family never saw) is every model's: say it once
shared_notices = common_notices(list(results.values()))
for note in shared_notices:
    st.info(md_escape(f"Every mechanism: {note}"))

# the source × target maps: an encoder–decoder also returns its encoder's and decoder's self-attention
shown = {mid: head_choice([m for m in r.maps if m.meta.get("role", "cross") == "cross"], key=f"tr-{mid}")
         for mid, r in results.items()}


@st.fragment
def maps_section(results: dict, shown: dict, shared_notices: tuple[str, ...]) -> None:
    """The maps side by side, with how they are drawn: a change of drawing reruns only this part (the
    translations, the notices and the attribution panels below stay as they are)."""
    c2, c3 = st.columns(2)
    as_lines = c2.toggle("Alignment lines", help="Draw each map as lines between the two sentences")
    shared = c3.toggle("Shared colour scale", value=True, help="Same colour = same weight in every map")
    zmax = shared_zmax([m for m in shown.values() if m is not None]) if shared else None
    per_row = 1 if as_lines else 2
    ids = list(results)
    for start in range(0, len(ids), per_row):
        for col, model_id in zip(st.columns(per_row), ids[start:start + per_row]):
            with col:
                result, amap = results[model_id], shown[model_id]
                st.markdown(f"#### {md_escape(amap.label if amap else model_id)}")
                st.markdown(f"**→** {md_escape(str(result.output))}")
                show_notices(result, skip=shared_notices)
                if amap is None:
                    continue
                if as_lines:
                    map_panel(amap, key=f"translate-{model_id}-lines", view=alignment_lines)
                else:
                    map_panel(amap, key=f"translate-{model_id}", zmax=zmax, row_name="target", col_name="source")
    if any(m is not None and m.centers is not None for m in shown.values()):
        st.caption("Local maps: red ticks bound the window [p_t − D, p_t + D] (clipped to the sentence), "
                   "♦ marks the centre p_t. Local-p multiplies by a Gaussian and is not renormalised, "
                   "so its rows sum to at most 1.")


maps_section(results, shown, shared_notices)

# ── Is this attention an explanation? ERASER for every mechanism (issue 21), attribution beside attention ───
from attention_core.budget import attribution_cost, budget  # noqa: E402
from dashboard.components.attribution_panel import attribution_panel  # noqa: E402
from dashboard.components.eraser_panel import translators_panel  # noqa: E402
cells = [(int(m.shape[0]), int(m.shape[1])) for m in shown.values() if m is not None]
if attribution_cost(len(text), cells, []).over(budget()) is None:   # long inputs: on request, in the panel
    st.divider()
    translators_panel(list(results), text, key="translate", beam=beam)
attribution_panel(results, text, key="translate", beam=beam)
