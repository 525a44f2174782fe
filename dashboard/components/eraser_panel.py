"""The field's faithfulness measures for the page's own input, under the attribution panel (classifiers and
translators).

* ERASER (DeYoung et al. 2020): comprehensiveness and sufficiency of the attention ranking, of each chosen
  attribution method and of a random ranking, per k = 1, 5, 10, 20, 50 % of the tokens and averaged (AOPC),
  with both removal operators (delete; the unknown-word token). A translator: per generated token, the
  teacher-forced probability of its own output token, averaged over the generated tokens.
* Serrano & Smith (2019): zero the largest attention weight inside the layer (renormalised) vs a random one,
  and how many weights must go before the decision flips — for models whose attention layers take the weight
  hook (:func:`attention_core.attribution.weight_interventions.hookable`).
* The same measures over the held-out set, when shipped (``python -m attention_core faithfulness --measure …``).

The measures are the library's (:mod:`attention_core.attribution.eraser`, :mod:`.heldout_eraser`,
:mod:`.weight_interventions`); they run as background work with progress and cancel, and reuse the attribution
panel's finished comparison and inputs, so no attribution is computed twice.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
import streamlit as st

from attention_core.budget import budget

from .background import Job, counted_passes, in_background
from .figures import figure_of, show_figure
from .presentation import md_escape
from .tables import for_people, show_table

METHOD_NAMES = {"integrated-gradients": "integrated gradients", "grad×input": "gradient × input",
                "leave-one-out": "leave-one-out"}
REMOVAL = {"delete": "delete", "unk": "[UNK] in place"}
COMP, SUFF = "comprehensiveness (AOPC) ↑", "sufficiency (AOPC) ↓"
SEED = [0, 7]                # the random ranking's seed (as the held-out tables seed example 0)
WEIGHT_SEED = [0, 11]


# ------------------------------------------------------------------------------------------------ measures
def rankings_of(comp: Any, inp: Any, methods: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Each ranking of the input's positions ``[R, P]``: attention (when the model has it), each chosen
    attribution method, and a seeded random ranking."""
    from attention_core.attribution.compare import attention_positions, attribution_positions
    from attention_core.attribution.rankings import random_ranking
    out = {}
    attention = attention_positions(comp.attention, inp)
    if attention is not None:
        out["attention"] = attention
    for m in methods:
        out[METHOD_NAMES.get(m, m)] = attribution_positions(comp.attributions[m], inp)
    out["random"] = random_ranking(inp, SEED)
    return out


def operators_of(inp: Any) -> tuple[str, ...]:
    """The removal operators this input allows (deleting needs the model's ``deleted``)."""
    from attention_core.attribution.eraser import OPERATORS
    return tuple(op for op in OPERATORS if op != "delete" or inp.deleted is not None)


def eraser_rows(inp: Any, ranks: dict[str, np.ndarray], operators: tuple[str, ...] | None = None,
                ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One row per removal operator × ranking (AOPC comprehensiveness and sufficiency, comprehensiveness per k)
    and the curves per operator and ranking ``{op: {ranking: (comp [K], suff [K])}}`` — a translator's generated
    tokens averaged bin by bin (:func:`attention_core.attribution.heldout_eraser.example_record`); ``operators``:
    the removal operators (default: every one the input allows)."""
    from attention_core.attribution.eraser import BINS
    from attention_core.attribution.heldout_eraser import example_record
    from attention_core.attribution.rankings import Ranked
    rec = example_record(Ranked(inp, ranks, {"n": int(inp.attributable.sum())}), 0, operators or operators_of(inp))
    rows, curves = [], {}
    for op, by_name in rec["curves"].items():
        for name, c in by_name.items():
            comp_k, suff_k = np.asarray(c["c"][0], dtype=float), np.asarray(c["s"][0], dtype=float)
            curves.setdefault(op, {})[name] = (comp_k, suff_k)
            rows.append({"removal": REMOVAL[op], "ranking": name, COMP: float(comp_k.mean()),
                         SUFF: float(suff_k.mean()),
                         **{f"comp. {round(100 * k)} %": float(v) for k, v in zip(BINS, comp_k)}})
    return rows, curves


def passes_for_eraser(inp: Any, ranks: int, operators: int | None = None) -> int:
    """Examples the ERASER runs push through the model (for progress)."""
    from attention_core.attribution.eraser import BINS
    return (operators or len(operators_of(inp))) * (1 + 2 * ranks * inp.rows * len(BINS))


def passes_for_weights(rows: int, weights: int, layers: int = 1) -> int:
    """About the examples the weight interventions push through the model: per layer (a translator: per
    generated token) the top and a random weight, then every order's search for the flip."""
    from attention_core.attribution.erasure import flip_grid
    from attention_core.attribution.weight_interventions import ORDERS
    return layers * (1 + rows * (2 + len(ORDERS) * len(flip_grid(max(weights - 1, 1)))))


def _to_flip(values: list[float | None]) -> str:
    """``"7 of 15 flip; median 20 %"`` for one order over a translator's generated tokens."""
    flipped = [v for v in values if v is not None]
    median = f"; median {100 * float(np.median(flipped)):.0f} %" if flipped else ""
    return f"{len(flipped)} of {len(values)} flip{median}"


def weight_rows(explainer: Any, kind: str, text: str) -> tuple[list[dict[str, Any]], str | None]:
    """Serrano & Smith's two interventions for this input: one row per attention layer (a translator: one row
    summing up its generated tokens), or no rows and the one line that says why."""
    from attention_core.attribution.weight_interventions import hookable
    if not hookable(explainer.model):
        return [], "no attention layer of this model takes the weight hook, so no weight can be zeroed"
    try:
        if kind == "translation":
            from attention_core.attribution.heldout_weights import TOKEN_LAYER
            from attention_core.attribution.weight_interventions import intervene_per_token
            rec = intervene_per_token(explainer, text, WEIGHT_SEED)
            n = rec["tokens"]
            return [{"layer": TOKEN_LAYER, "generated tokens": n, "source tokens": rec["sources"],
                     "flips: top weight zeroed": f"{sum(rec['flip_top'])} of {n}",
                     "flips: random weight zeroed": f"{sum(rec['flip_random'])} of {n}",
                     "JS: top (mean)": float(np.mean(rec["js_top"])),
                     "JS: random (mean)": float(np.mean(rec["js_random"])),
                     **{f"removed to flip: {k}": _to_flip(v) for k, v in rec["to_flip"].items()}}], None
        from attention_core.attribution.heldout_weights import layers_of
        from attention_core.attribution.weight_interventions import intervene
        ids = explainer.attribution_inputs(text).ids
        rows = []
        for layer, where in layers_of(explainer.model_id).items():
            rec = intervene(explainer, ids, where, WEIGHT_SEED)
            to_flip = {k: ("never" if v is None else f"{100 * v:.0f} %") for k, v in rec["to_flip"].items()}
            rows.append({"layer": layer, "weights": rec["weights"],
                         "flips: top weight zeroed": rec["flip_top"], "flips: random weight zeroed": rec["flip_random"],
                         "JS: top": rec["js_top"], "JS: random": rec["js_random"],
                         **{f"removed to flip: {k}": v for k, v in to_flip.items()}})
        return rows, None
    except ValueError as exc:      # the library says which layers it covers, in one line
        return [], str(exc).splitlines()[0]


def measures_work(explainer: Any, kind: str, text: str, methods: tuple[str, ...], comp: Any,
                  inp: Any) -> Callable[[Job], dict[str, Any]]:
    """ERASER and the weight interventions for one input as background work: every forward pass of the model
    reports progress and is a cancellation point."""

    def work(job: Job) -> dict[str, Any]:
        job.report(0.0, "ranking the tokens")
        ranks = rankings_of(comp, inp, methods)
        if int(inp.attributable.sum()) < 2:
            return {"eraser": [], "curves": {}, "weights": [],
                    "note": "The input has fewer than two tokens that can be removed: there is no top k % to score."}
        width = int(inp.attributable.sum())
        layers = 1 if kind == "translation" else 2
        total = passes_for_eraser(inp, len(ranks)) + passes_for_weights(inp.rows if kind == "translation" else 1,
                                                                         width, layers)
        with counted_passes(explainer.model, job, total, "removing tokens and weights"):
            rows, curves = eraser_rows(inp, ranks)
            weights, why = weight_rows(explainer, kind, text)
        return {"eraser": rows, "curves": curves, "weights": weights, "weights_note": why, "note": None}

    return work


# ---------------------------------------------------------------------------------------------- the panel
def reading(rows: list[dict[str, Any]], explained: str = "p(decision)") -> str:
    """One sentence on the delete operator: which ranking is the most comprehensive, and where attention and
    random stand (``explained``: what the drop is a drop of)."""
    mine = [r for r in rows if r["removal"] == "delete"] or rows
    best = max(mine, key=lambda r: r[COMP])
    by = {r["ranking"]: r[COMP] for r in mine}
    parts = [f"removing the top tokens by **{best['ranking']}** lowers {explained} most (AOPC {for_people(best[COMP])})"]
    if "attention" in by:
        parts.append(f"attention {for_people(by['attention'])}")
    parts.append(f"random {for_people(by['random'])}")
    return "On this input " + "; ".join(parts) + "."


def eraser_panel(model_id: str, text: str, methods: tuple[str, ...], options: tuple[tuple[str, Any], ...],
                 key: str, comp: Any, inp: Any, kind: str = "classifier") -> None:
    """ERASER and the weight interventions for the page's input, and the held-out tables when shipped."""
    from dashboard.views.attribution_views import eraser_figure
    from .model_access import model
    explained = ("p(decision)" if kind == "classifier" else
                 "each generated token's probability (teacher-forced on the model's own translation, averaged "
                 "over the generated tokens)")
    st.markdown(f"**Comprehensiveness and sufficiency** (ERASER) — how much {explained} drops when the top "
                "k % of tokens by a ranking are removed (comprehensiveness, higher = the ranking found what the "
                "output uses), and when only they are kept (sufficiency, lower = they carry it), averaged over "
                "k = 1, 5, 10, 20, 50 %.")
    explainer = model(model_id)    # loaded here, in the script thread (a shared resource)
    done, error = in_background(f"{key}-eraser", ("eraser", model_id, text, methods, options),
                                measures_work(explainer, kind, text, methods, comp, inp),
                                seconds=budget().seconds, label="Scoring the rankings (ERASER, weight interventions)")
    if error:
        st.error(f"The faithfulness measures did not finish: {md_escape(error)}")
        return
    if done["note"]:
        st.info(done["note"])
        return
    rows = done["eraser"]
    op = "delete" if "delete" in done["curves"] else next(iter(done["curves"]))
    show_figure(figure_of(eraser_figure, {n: c for n, c in done["curves"][op].items()},
                          f"this input, removal: {REMOVAL[op]}"), key=f"{key}-attr-eraser-curves")
    show_table(pd.DataFrame(rows), key=f"{key}-eraser-table")
    # ranking names are ours, never the user's text
    st.caption(reading(rows, "p(decision)" if kind == "classifier" else "p(generated token)"))
    if done["weights"]:
        st.markdown("**Interventions on the attention weights** (Serrano & Smith) — inside the layer, the largest "
                    "weight (or a random one) is set to 0 and the distribution renormalised; then weights are "
                    "removed in order until the decision flips (share of the layer's weights)."
                    + (" A translator: per generated token, only its row of the attention, teacher-forced on its "
                       "own greedy translation; a flip is a different token chosen." if kind == "translation" else ""))
        show_table(pd.DataFrame(done["weights"]), key=f"{key}-weights-table")
    elif done["weights_note"]:
        st.caption(f"Interventions on the attention weights: {md_escape(done['weights_note'].rstrip('.'))}.")
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


# ------------------------------------------------------------------------- every translator on a page at once
def translators_work(explainers: dict[str, Any], text: str, options: dict[str, Any]) -> Callable[[Job], list[dict]]:
    """ERASER of attention vs a random ranking for every translator on the page (the delete operator), one
    row per model, as background work: each model's forward passes report progress."""
    from attention_core.attribution.rankings import random_ranking, translation_attention

    def work(job: Job) -> list[dict[str, Any]]:
        rows = []
        for i, (model_id, explainer) in enumerate(explainers.items()):
            job.report(i / len(explainers), f"{model_id.rsplit('/', 1)[-1]}: decoding")
            inp = explainer.attribution_inputs(text, **options)
            if int(inp.attributable.sum()) < 2:
                continue
            ranks = {"attention": translation_attention(explainer, inp), "random": random_ranking(inp, SEED)}
            operator = operators_of(inp)[0]          # delete where the model can, else [UNK] in place
            each = passes_for_eraser(inp, len(ranks), 1)   # about the same for every model of the page
            with counted_passes(explainer.model, job, each * len(explainers),
                                f"{model_id.rsplit('/', 1)[-1]}: removing tokens", before=each * i):
                found, _ = eraser_rows(inp, ranks, (operator,))
            by = {(r["removal"], r["ranking"]): r for r in found}
            op = REMOVAL[operator]
            rows.append({"model": model_id, "generated tokens": inp.rows,
                         "comprehensiveness: attention ↑": by[(op, "attention")][COMP],
                         "comprehensiveness: random": by[(op, "random")][COMP],
                         "sufficiency: attention ↓": by[(op, "attention")][SUFF],
                         "sufficiency: random": by[(op, "random")][SUFF], "removal": op})
        return rows

    return work


def translators_panel(model_ids: list[str], text: str, key: str, **options: Any) -> None:
    """One table: each translator's attention scored by ERASER against a random ranking on the page's sentence
    (generated tokens averaged), so the mechanisms can be compared on the user's own input."""
    from attention_core.models import get_spec

    from .model_access import model
    # only models that declare attribution support can be perturbed (a user's Marian folder, e.g., does not)
    model_ids = [mid for mid in model_ids if get_spec(mid).capabilities.attribution_kind == "translation"]
    if not model_ids:
        return
    st.markdown("**Does each translator's attention point at what it uses?** ERASER on this sentence, per "
                "generated token (teacher-forced on the model's own translation) and averaged: removing the top "
                "k % of source tokens by attention should lower the token's probability more than removing as "
                "many at random (comprehensiveness), and keeping only them should lower it less (sufficiency); "
                "AOPC over k = 1, 5, 10, 20, 50 %.")
    explainers = {mid: model(mid) for mid in model_ids}    # loaded here, in the script thread
    rows, error = in_background(f"{key}-mechanisms", ("eraser-mechanisms", tuple(model_ids), text,
                                                      tuple(sorted(options.items()))),
                                translators_work(explainers, text, options), seconds=budget().seconds,
                                label="Scoring each translator's attention (ERASER)")
    if error:
        st.error(f"The comparison did not finish: {md_escape(error)}")
    elif rows:
        frame = pd.DataFrame(rows)
        frame["model"] = frame["model"].str.rsplit("/", n=1).str[-1]
        show_table(frame, key=f"{key}-mechanisms-table")
        better = [r["model"].rsplit("/", 1)[-1] for r in rows
                  if r["comprehensiveness: attention ↑"] > r["comprehensiveness: random"]]
        st.caption(f"Attention's comprehensiveness is above random's for {len(better)} of {len(rows)} models on this "
                   "sentence (one sentence: no interval; the model cards give the held-out tables). Gradient and "
                   "leave-one-out rankings and the weight interventions for one model are in the panel below.")
