"""The field's faithfulness measures for the page's own input, under the attribution panel (classifiers).

* ERASER (DeYoung et al. 2020): comprehensiveness and sufficiency of the attention ranking, of each chosen
  attribution method and of a random ranking, AOPC over k = 1, 5, 10, 20, 50 % of the tokens, with both removal
  operators (delete; the unknown-word token).
* Serrano & Smith (2019): zero the largest attention weight inside the layer (renormalised) vs a random one,
  and how many weights must go before the decision flips.
* The same measures over the held-out set, when shipped (``python -m attention_core faithfulness --measure …``).

It reuses the attribution panel's finished comparison and inputs, so no attribution is computed twice.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


METHOD_NAMES = {"integrated-gradients": "integrated gradients", "grad×input": "gradient × input",
                "leave-one-out": "leave-one-out"}


@st.cache_data(max_entries=64, show_spinner="Scoring the rankings (ERASER)…")
def eraser_rows(model_id: str, text: str, methods: tuple[str, ...], options: tuple[tuple[str, Any], ...],
                _comp: Any, _inp: Any) -> list[dict[str, Any]]:
    """One row per removal operator × ranking: AOPC comprehensiveness and sufficiency and the per-k curves
    (``_comp``, ``_inp``: the attribution panel's finished comparison and inputs; the cache keys on the rest)."""
    from attention_core.attribution.compare import attention_positions, attribution_positions
    from attention_core.attribution.eraser import BINS, OPERATORS, RankJob, eraser_curves
    from attention_core.attribution.rankings import random_ranking
    comp, inp = _comp, _inp
    rankings = {}
    attention = attention_positions(comp.attention, inp)
    if attention is not None:
        rankings["attention"] = attention
    for m in methods:
        rankings[METHOD_NAMES.get(m, m)] = attribution_positions(comp.attributions[m], inp)
    rankings["random"] = random_ranking(inp, [0, 7])
    rows = []
    for op in OPERATORS:
        if op == "delete" and inp.deleted is None:
            continue
        curves = eraser_curves(inp, [RankJob(0, s[0]) for s in rankings.values()], op)
        for name, c in zip(rankings, curves):
            rows.append({"removal": "delete" if op == "delete" else "[UNK] in place", "ranking": name,
                         "comprehensiveness (AOPC) ↑": c.aopc_comprehensiveness,
                         "sufficiency (AOPC) ↓": c.aopc_sufficiency,
                         **{f"comp. {round(100 * k)} %": v for k, v in zip(BINS, c.comprehensiveness)}})
    return rows


@st.cache_data(max_entries=64, show_spinner="Intervening on the attention weights…")
def weight_rows(model_id: str, text: str) -> list[dict[str, Any]]:
    """Serrano & Smith's two interventions on each attention layer of the model, for this input."""
    from attention_core.attribution.heldout_weights import LAYERS
    from attention_core.attribution.weight_interventions import intervene
    from .model_access import model
    explainer = model(model_id)
    layers = LAYERS.get(explainer.spec.mechanism, {})
    ids = explainer.attribution_inputs(text).ids
    rows = []
    for layer, where in layers.items():
        rec = intervene(explainer, ids, where, [0, 11])
        to_flip = {k: ("never" if v is None else f"{100 * v:.0f} %") for k, v in rec["to_flip"].items()}
        rows.append({"layer": layer, "weights": rec["weights"],
                     "flips: top weight zeroed": rec["flip_top"], "flips: random weight zeroed": rec["flip_random"],
                     "JS: top": rec["js_top"], "JS: random": rec["js_random"],
                     **{f"removed to flip: {k}": v for k, v in to_flip.items()}})
    return rows


def reading(rows: list[dict[str, Any]]) -> str:
    """One sentence on the delete operator: which ranking is the most comprehensive, and where attention and
    random stand."""
    mine = [r for r in rows if r["removal"] == "delete"] or rows
    key = "comprehensiveness (AOPC) ↑"
    best = max(mine, key=lambda r: r[key])
    by = {r["ranking"]: r[key] for r in mine}
    parts = [f"removing the top tokens by **{best['ranking']}** lowers p(decision) most (AOPC {best[key]:.3f})"]
    if "attention" in by:
        parts.append(f"attention {by['attention']:.3f}")
    parts.append(f"random {by['random']:.3f}")
    return "On this input " + "; ".join(parts) + "."


def eraser_panel(model_id: str, text: str, methods: tuple[str, ...], options: tuple[tuple[str, Any], ...],
                 key: str, comp: Any, inp: Any) -> None:
    """ERASER and the weight interventions for the page's input, and the held-out tables when shipped."""
    st.markdown("**Comprehensiveness and sufficiency** (ERASER) — how much p(decision) drops when the top "
                "k % of tokens by a ranking are removed (comprehensiveness, higher = the ranking found what the "
                "decision uses), and when only they are kept (sufficiency, lower = they carry it), averaged over "
                "k = 1, 5, 10, 20, 50 %.")
    rows = eraser_rows(model_id, text, methods, options, comp, inp)
    st.dataframe(pd.DataFrame(rows).round(3), hide_index=True, key=f"{key}-eraser-table")
    st.caption(reading(rows))          # ranking names are ours, never the user's text
    weights = weight_rows(model_id, text)
    if weights:
        st.markdown("**Interventions on the attention weights** (Serrano & Smith) — inside the layer, the largest "
                    "weight (or a random one) is set to 0 and the distribution renormalised; then weights are "
                    "removed in order until the decision flips (share of the layer's weights).")
        st.dataframe(pd.DataFrame(weights).round(4), hide_index=True, key=f"{key}-weights-table")
    _heldout(model_id)


def _heldout(model_id: str) -> None:
    from attention_core.attribution.measures import get_measure
    docs = {name: get_measure(name).read(model_id) for name in ("eraser", "weights", "randomisation")}
    if not any(docs.values()):
        return
    with st.expander("Over the test set (precomputed): ERASER, weight interventions, randomisation"):
        for name, doc in docs.items():
            if doc is not None:   # the docs' figure links do not resolve on a page
                text = get_measure(name).markdown([doc])
                st.markdown("\n".join(line for line in text.splitlines() if not line.startswith("![")))
