"""Compare: any maps from any page side by side on one scale, with statistics per map."""
import json

import streamlit as st

from attention_core import AttentionMap
from attention_core.stats import summary_table
from dashboard.common import COMPARE_KEY, add_to_compare, compare_basket, explain, models_for, show_figure
from dashboard.views import heatmap, shared_zmax

st.title("Compare")
st.caption("Maps you add with “+ Compare” on any page (or upload as JSON) are drawn here on one colour "
           "scale, with statistics: mean row entropy (how spread attention is), the largest weight, row sums "
           "and, for local maps, the share of weight inside the window.")

with st.expander("Upload AttentionMap JSON files (exported from any page)"):
    files = st.file_uploader("AttentionMap JSON", type=["json"], accept_multiple_files=True)
    for f in files or []:
        try:
            data = json.loads(f.getvalue().decode("utf-8"))
            add_to_compare(AttentionMap.from_dict(data), f"upload-{f.name}")
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            st.error(f"{f.name}: not an AttentionMap JSON ({str(exc).splitlines()[0][:120]})")

EXAMPLE_DATE = "Monday, November 23, 2026"
dates_models = [s for s in models_for("translation", "dates-en-fr") if s.is_available()]

basket = compare_basket()
if not basket:
    st.info("Nothing to compare yet: press “+ Compare” under any map on the other pages — or start from "
            "an example.")
    if dates_models and st.button(f"Example: every mechanism on “{EXAMPLE_DATE}” (dates, English → French)"):
        for spec in dates_models:
            result, error = explain(spec.id, EXAMPLE_DATE)
            if error:
                st.error(error)
            elif result.maps:
                add_to_compare(result.maps[0], f"example-{spec.id}")
        st.rerun()
    st.stop()
keys = st.multiselect("Maps", list(basket), default=list(basket), format_func=lambda k: basket[k].title)
if st.button("Clear all"):
    st.session_state[COMPARE_KEY] = {}
    st.rerun()
maps = [basket[k] for k in keys]
if not maps:
    st.stop()
shared = st.toggle("Shared colour scale", value=True)
zmax = shared_zmax(maps) if shared else None
for start in range(0, len(maps), 2):
    for col, (key, amap) in zip(st.columns(2), list(zip(keys, maps))[start:start + 2]):
        with col:
            show_figure(heatmap(amap, zmax=zmax, height=None), key=f"compare-{key}")
st.subheader("Statistics")
st.dataframe(summary_table(maps), hide_index=True, width="stretch")
