"""Compare: any maps from any page side by side on one scale, with statistics per map."""
import json

import streamlit as st

from attention_core import AttentionMap
from attention_core.stats import summary_table
from dashboard.components import (
    add_to_compare,
    available,
    clear_compare,
    compare_basket,
    explain,
    figure_of,
    md_escape,
    show_figure,
)
from dashboard.pages import TRANSLATE
from dashboard.views import shared_zmax
from dashboard.views.options import options_for
from dashboard.views.select import default_view
from dashboard.components.tables import show_table

st.title("Compare")
st.caption("Maps you add with “+ Compare” on any page (or upload as JSON) are drawn here on one colour "
           "scale, with statistics: mean row entropy (how spread attention is), the largest weight, row sums "
           "and, for local maps, the share of weight inside the window.")

with st.expander("Upload AttentionMap JSON files (exported from any page)"):
    files = st.file_uploader("AttentionMap JSON", type=["json"], accept_multiple_files=True)
    for f in files or []:
        try:
            add_to_compare(AttentionMap.from_dict(json.loads(f.getvalue().decode("utf-8"))), f"upload-{f.name}")
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError) as exc:
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            st.error(md_escape(f"{f.name}: not an AttentionMap JSON ({reason})"))

EXAMPLE_DATE = "Monday, November 23, 2026"
dates_models, _ = available(TRANSLATE, family="dates-en-fr")

basket = compare_basket()
if not basket:
    st.info("Nothing to compare yet: press “+ Compare” under any map on the other pages — or start from "
            "an example.")
    if dates_models and st.button(f"Example: every mechanism on “{EXAMPLE_DATE}” (dates, English → French)"):
        errors = []
        for spec in dates_models:
            result, error = explain(spec.id, EXAMPLE_DATE)
            if error:
                errors.append(error)
            elif result.maps:
                add_to_compare(result.maps[0], f"example-{spec.id}")
        for error in errors:   # shown here, not lost to a rerun
            st.error(md_escape(error))
        if not errors:
            st.rerun()
    if not compare_basket():
        st.stop()
    basket = compare_basket()
# the picker returns what it shows, so two maps with one title (the same model's map added from two pages)
# need different labels, or both would come back as the first — and draw under one widget key
titles = [basket[k].title for k in basket]
labels = {k: (t if titles.count(t) == 1 else f"{t} · {k}") for k, t in zip(basket, titles)}
keys = list(dict.fromkeys(st.multiselect("Maps", list(basket), default=list(basket), format_func=labels.get)))
if st.button("Clear all"):
    clear_compare()
    st.rerun()
maps = [basket[k] for k in keys]
if not maps:
    st.stop()
if any((m.weights < 0).any() and not m.is_attribution for m in maps):
    st.warning("Some maps have negative weights: attention weights are never negative, so these maps are "
               "not attention (or were edited).")
shared = st.toggle("Shared colour scale", value=True)
zmax = shared_zmax(maps) if shared else None
for start in range(0, len(maps), 2):
    for col, (key, amap) in zip(st.columns(2), list(zip(keys, maps))[start:start + 2]):
        with col:
            view = default_view(amap)
            show_figure(figure_of(view, amap, **options_for(view, {"zmax": zmax})), key=f"compare-{key}")
st.subheader("Statistics")
table = summary_table(maps)
show_table(table, width="stretch")   # for people: 3 significant digits, float noise shown as 0
