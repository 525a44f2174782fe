"""Is this attention an explanation? Attribution beside a page's attention, for the page's own input.

One call per page, after its maps::

    attribution_panel(result, text, key="document")                 # one model
    attribution_panel({id: result, ...}, text, key="hops")          # several: the panel offers a choice
    attribution_panel(results, text, key="translate", beam=beam)    # options go to attribution_inputs

It draws the attribution maps (Captum) on the same tokens and one scale as the attention, the agreement
(Kendall τ, top-k overlap) with a one-line reading, an erasure control (remove the top-k tokens by attention,
by each attribution, or at random and see the decision move), and the precomputed test-set tables. Results
are cached across sessions (``st.cache_data``); a failure shows one error line and the page goes on.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
import pandas as pd
import streamlit as st

from attention_core import Explanation, Needs, Produces
from attention_core.budget import attribution_cost, budget
from attention_core.models import get_spec, list_models

from .background import Job, in_background
from .figures import figure_of, show_figure
from .model_access import labels_key, model, problem
from .presentation import md_escape
from .tables import for_people, show_table

METHOD_LABELS = {"integrated-gradients": "Integrated gradients", "grad×input": "Gradient × input",
                 "leave-one-out": "Leave-one-out"}
ERRORS = (Exception,)   # any failure here is reported in one line; the page above stays
MAX_STEPS = 128         # integrated gradients: at most this many points here (the gap left is shown)


def _kind(model_id: str) -> str | None:
    """How the panel explains a model (:attr:`Capabilities.attribution_kind`)."""
    return get_spec(model_id).capabilities.attribution_kind


def _default_methods(model_id: str) -> list[str]:
    """The methods the model declares as its page defaults."""
    attribution = get_spec(model_id).capabilities.attribution
    return [m for m in attribution.methods if m in METHOD_LABELS] if attribution else []


# ------------------------------------------------------------------------------------------- cached work
def _watched(inp: Any, job: Job, runs: int) -> Any:
    """``inp`` whose every forward pass reports progress to ``job`` (and is a cancellation point)."""
    seen = [0]
    probabilities = inp.probabilities

    def watched(emb: Any) -> Any:
        seen[0] += int(emb.shape[0])
        job.report(min(0.99, seen[0] / max(runs, 1)), f"{seen[0]:,} of about {runs:,} model runs")
        return probabilities(emb)

    return dataclasses.replace(inp, probabilities=watched)


def _work(model_id: str, text: str, maps: list[Any], methods: tuple[str, ...], options: dict[str, Any],
          runs: int) -> Callable[[Job], tuple[Any, Any]]:
    """The attribution of one input as background work: its inputs, then every method, reporting progress
    (and checking for cancellation) at every forward pass the methods make."""
    explainer = model(model_id)   # loaded here, in the script thread (a shared resource)

    def work(job: Job) -> tuple[Any, Any]:
        from attention_core.attribution.compare import compare
        job.report(0.0, "preparing the input")
        inp = explainer.attribution_inputs(text, **options)
        comp = compare(_watched(inp, job, runs), maps, list(methods), max_steps=MAX_STEPS)
        return comp, inp     # the unwatched inputs: erasure runs later, outside this job

    return work


@st.cache_data(max_entries=128, show_spinner="Erasing tokens…")
def _erasure(model_id: str, text: str, methods: tuple[str, ...], options: tuple[tuple[str, Any], ...], k: int,
             _comp: Any, _inp: Any) -> tuple[list[Any], list[str]]:
    from attention_core.attribution.compare import (attention_positions, attribution_positions, erasure_rows,
                                                    position_labels)
    comp, inp = _comp, _inp     # named by (model, text, methods, options): not hashed again
    scores = {m: attribution_positions(comp.attributions[m], inp) for m in methods}
    names = inp.output_labels or None
    rows = erasure_rows(inp, k, attention_positions(comp.attention, inp), scores, position_labels(inp),
                        lambda r, t: names[t] if names else _token(model_id, t))
    return rows, list(inp.target_labels)


def _token(model_id: str, token: int) -> str:
    return model(model_id).label(token)


@st.cache_resource(show_spinner="Loading the encoder's classification head…")
def _head(model_id: str) -> Any:
    """The classifier an encoder's attribution explains (MiniLM: the Rotten Tomatoes head trained here)."""
    return model(model_id).attributor()


@st.cache_data(max_entries=64, show_spinner="Attention rollout and flow…")
def _encoder_importance(model_id: str, text: str) -> dict[str, Any]:
    return _head(model_id).attention_importance(text)


def _encoder_work(model_id: str, text: str, methods: tuple[str, ...], rollout: Any) -> Callable[[Job], Any]:
    """The encoder head's attribution as background work (the head is loaded here, in the script thread)."""
    head = _head(model_id)

    def work(job: Job) -> tuple[Any, Any, Any]:
        from attention_core.attribution.compare import compare
        job.report(0.0, "preparing the input")
        inp = head.attribution_inputs(text)
        runs = attribution_cost(len(text), [(1, inp.positions)], list(methods)).model_runs
        comp = compare(_watched(inp, job, runs), [], list(methods), attention=[rollout], max_steps=MAX_STEPS)
        return comp, head.classify(text), inp

    return work


@st.cache_data(max_entries=64, show_spinner="Erasing tokens…")
def _encoder_erasure(model_id: str, text: str, methods: tuple[str, ...], k: int, _comp: Any, _inp: Any) -> list[Any]:
    from attention_core.attribution.compare import attribution_positions, erasure_rows, position_labels
    comp, inp, head = _comp, _inp, _head(model_id)   # named by (model, text, methods): not hashed again
    scores = {m: attribution_positions(comp.attributions[m], inp) for m in methods}
    return erasure_rows(inp, k, comp.attention[0].weights, scores, position_labels(inp), lambda r, t: head.labels[t])


@st.cache_data(max_entries=64, show_spinner=False)
def _test_set(model_id: str) -> dict[str, Any] | None:
    from attention_core.attribution.faithfulness import read
    return read(model_id)


def _shapes(result: Explanation | None) -> list[tuple[int, int]]:
    """Rows × columns of each of a result's maps (attribution's cost grows with them)."""
    return [(int(m.shape[0]), int(m.shape[1])) for m in result.maps] if result is not None else []


# ---------------------------------------------------------------------------------------------- the panel
def attribution_panel(results: Explanation | dict[str, Explanation | None] | None, text: str, *, key: str,
                      **options: Any) -> None:
    """Attention beside attribution, agreement, erasure and the test-set tables for the page's input."""
    if isinstance(results, Explanation):
        results = {results.model: results}
    ids = [mid for mid, r in (results or {}).items() if r is not None and _kind(mid)]
    ids += [b for mid in ids if _kind(mid) == "classifier" for b in baselines_of(mid) if b not in ids]
    st.divider()
    st.subheader("Is this attention an explanation?")
    limits = budget()
    # the largest of the page's inputs decides (baselines draw no maps); the model's default methods price it
    costs = [attribution_cost(len(text), _shapes(results.get(mid)), _default_methods(mid)) for mid in ids]
    cost = max(costs, key=lambda c: c.model_runs, default=attribution_cost(len(text), [], []))
    why = cost.over(limits)
    if why and not st.toggle(
            "Compute attribution for this long input", key=f"{key}-attribution-long",
            help="Leave-one-out reruns the model once per token, so a whole article takes minutes on a CPU"):
        st.caption(f"Attribution is computed on request for {why}: it would take {cost.describe()} "
                   f"(leave-one-out costs one model run per token), and stops after {limits.seconds:.0f} s.")
        return
    st.caption("Attention says where a model looked, not what its decision depended on. Attribution measures "
               "the second: integrated gradients and gradient × input follow the output's gradient back to each "
               "input token, leave-one-out replaces a token by the unknown-word token and watches the "
               "probability. Same tokens, one scale: attention in blue (0 → top), attribution in red/blue "
               "(against/for the decision, as a share of the row's total).")
    if not ids:
        st.info("No model on this page can be attributed.")
        return
    kind = _kind(ids[0])
    try:
        if kind == "encoder":
            _encoder_section(ids[0], text, key)
        else:
            chosen = ids[0] if len(ids) == 1 else st.selectbox(
                "Model to explain", ids, key=f"{key}-attr-model", format_func=lambda i: i.split("/", 1)[-1])
            _model_section(chosen, kind, text, key, options, results)
    except ERRORS as exc:   # one line; the page keeps running
        from dashboard.escaping import without_paths
        first = without_paths(str(exc).splitlines()[0])[:200] if str(exc) else ""
        st.error(f"Attribution failed: {type(exc).__name__}: {md_escape(first)}")


def _controls(model_id: str, key: str) -> tuple[list[str], int]:
    c1, c2 = st.columns([3, 1])
    methods = c1.multiselect("Attribution methods", list(METHOD_LABELS), default=_default_methods(model_id),
                             format_func=METHOD_LABELS.get, key=f"{key}-attr-methods")
    k = c2.slider("k (top-k, erasure)", 1, 10, 3, key=f"{key}-attr-k")
    return methods, k


def _model_section(model_id: str, kind: str, text: str, key: str, options: dict[str, Any],
                   results: dict[str, Explanation | None]) -> None:
    methods, k = _controls(model_id, key)
    if not methods:
        st.info("Choose at least one attribution method.")
        return
    opts = tuple(sorted(options.items()))
    result = results.get(model_id)
    if result is None:   # a baseline without maps: its own (cached) run
        from .model_access import explain
        result, error = explain(model_id, text, **options)
        if error:
            st.error(md_escape(error))
            return
    runs = attribution_cost(len(text), _shapes(result), methods).model_runs
    done, error = in_background(f"{key}-attribution", ("attribution", model_id, text, tuple(methods), opts),
                                _work(model_id, text, result.maps, tuple(methods), options, runs),
                                seconds=budget().seconds, label="Computing attribution")
    if error:
        st.error(f"Attribution did not finish: {md_escape(error)}")
        return
    comp, inp = done
    for note in comp.notices:
        st.info(md_escape(note))
    st.caption(f"Explained: **{md_escape(', '.join(comp.targets[:1]))}**" if kind == "classifier" else
               "Explained: each generated token, teacher-forced on the model's own translation, over the source "
               "tokens.")
    if kind == "translation":
        _translation_maps(comp, methods, k, key)
    else:
        _classifier_maps(comp, methods, k, key)
    _erasure_section(model_id, text, tuple(methods), opts, k, kind, key, comp, inp)
    # ERASER and the weight interventions for this input (issue 21): classifiers and translators
    from .eraser_panel import eraser_panel
    eraser_panel(model_id, text, tuple(methods), opts, key, comp, inp, kind=kind)
    _timing(comp)
    _test_set_section(model_id)


def _classifier_maps(comp: Any, methods: list[str], k: int, key: str) -> None:
    from dashboard.views.attribution_views import agreement_frame, beside
    slots = range(len(comp.attention))
    levels = [comp.attributions[methods[0]][s].level for s in slots]
    chosen = list(slots)
    if "word" in levels:   # HAN: the sentence level, and the words of one sentence
        words = [s for s in slots if levels[s] == "word"]
        sentence = next(s for s in slots if levels[s] == "sentence")
        att = comp.attention[sentence]
        top = int(np.argmax(att.weights[0])) if att is not None else 0
        sentences = comp.attributions[methods[0]][sentence].keys
        pick = st.selectbox("Words of sentence", range(len(words)), index=min(top, len(words) - 1),
                            format_func=lambda i: f"{i + 1}. {sentences[i]}", key=labels_key(f"{key}-attr-sentence", list(sentences)))
        chosen = [sentence, words[pick]]
    agreements = {m: comp.agreements(m, k) for m in methods}
    rows = []
    for s in chosen:
        att = comp.attention[s]
        maps = ([att] if att is not None else []) + [comp.attributions[m][s] for m in methods]
        level = levels[s] or "tokens"
        title = (f"{level} level: attention and attribution on one scale" if att is not None else
                 f"{level} level: attribution (this model has no attention)")
        show_figure(figure_of(beside, maps, title=title), key=f"{key}-attr-fig-{s}")
        for m in methods:
            if agreements[m][s]:
                rows.append((f"{level}: attention vs {METHOD_LABELS[m].lower()}", agreements[m][s][0]))
    if rows:
        frame = agreement_frame(rows)
        show_table(frame.drop(columns=["reading"]))
        for name, line in zip(frame["compared"], frame["reading"]):
            st.markdown(f"- *{md_escape(name)}* — {md_escape(line)}")
    else:
        st.info("This model has no attention: its attribution shows which tokens it actually used.")


def _translation_maps(comp: Any, methods: list[str], k: int, key: str) -> None:
    from attention_core.attribution.agreement import adverb
    from dashboard.views.attribution_views import mean_agreement, paired
    att = comp.attention[0]
    maps = ([att] if att is not None else []) + [comp.attributions[m][0] for m in methods]
    show_figure(figure_of(paired, maps), key=f"{key}-attr-fig")
    rows = []
    for m in methods:
        agr = comp.agreements(m, k)[0]
        if agr:
            summary = mean_agreement(agr)
            rows.append({"compared": f"attention vs {METHOD_LABELS[m].lower()}", **summary})
            st.markdown(f"- *attention vs {md_escape(METHOD_LABELS[m].lower())}* — over the {summary['rows']} "
                        f"generated tokens the rankings agree {adverb(summary['mean τ'])} on average "
                        f"(mean Kendall τ = {for_people(summary['mean τ'])}); τ is significant for "
                        f"{100 * summary['share p < 0.05']:.0f} % of them and {for_people(summary['mean top-k overlap'] * k)} "
                        f"of the top {k} source tokens are shared on average.")
    if rows:
        show_table(pd.DataFrame(rows))


def _erasure_section(model_id: str, text: str, methods: tuple[str, ...], opts: tuple, k: int, kind: str,
                     key: str, comp: Any, inp: Any) -> None:
    from dashboard.views.attribution_views import erasure_bars
    st.markdown(f"**Erasure** — remove the top {k} tokens by attention, by each attribution, or {k} at random "
                "(replaced by the unknown-word token), and run the model again.")
    rows, targets = _erasure(model_id, text, methods, opts, k, comp, inp)
    if kind == "translation":
        groups: dict[str, list[Any]] = {}
        for r in rows:
            name = "attention" if r.ranking == "attention" else METHOD_LABELS.get(r.ranking, r.ranking)
            groups.setdefault(f"random (mean of {sum(x.ranking.startswith('random') for x in rows)})"
                              if r.ranking.startswith("random") else name, []).append(r)
        table = [{"removed by": name, "generated tokens whose choice changes": float(np.mean([x.flipped for x in rs])),
                  "mean p before": float(np.mean(rs[0].before)), "mean p after": float(np.mean([x.after for x in rs]))}
                 for name, rs in groups.items()]
        show_table(pd.DataFrame(table))
        return
    named = [r for r in rows if not r.ranking.startswith("random")]
    randoms = [r for r in rows if r.ranking.startswith("random")]
    names = [("attention" if r.ranking == "attention" else METHOD_LABELS.get(r.ranking, r.ranking)) for r in named]
    after = [r.after[0] for r in named]
    labels = [r.new_labels[0] for r in named]
    flipped = [r.flipped[0] for r in named]
    if randoms:
        names.append(f"random (mean of {len(randoms)})")
        after.append(float(np.mean([r.after[0] for r in randoms])))
        flips = sum(r.flipped[0] for r in randoms)
        labels.append(f"{flips}/{len(randoms)} flip")
        flipped.append(flips * 2 > len(randoms))
    show_figure(figure_of(erasure_bars, names, after, named[0].before[0], labels, flipped, targets[0], k),
                key=f"{key}-attr-erasure")
    st.caption("Removed — " + "; ".join(f"{md_escape(n)}: {md_escape(', '.join(r.removed[0]))}"
                                        for n, r in zip(names, named)))


def _timing(comp: Any) -> None:
    parts = []
    for m, sec in comp.seconds.items():
        maps = comp.attributions[m]
        steps = maps[0].meta.get("steps") if maps else None
        gap = max((abs(d) for mp in maps for d in mp.meta.get("delta", [])), default=None)
        extra = f", {steps} steps, completeness gap {for_people(gap)}" if steps else ""
        parts.append(f"{METHOD_LABELS[m]} {sec:.2f} s{extra}")
    st.caption("Computed in " + "; ".join(parts) + " (cached afterwards).")


def _test_set_section(model_id: str) -> None:
    from attention_core.attribution.report import abnar_zuidema_md, flips_md, jain_wallace_md, uniform_md
    heldout = get_spec(model_id).capabilities.family.heldout
    doc = _test_set(model_id) if heldout else None
    with st.expander("Over the test set (precomputed): Jain & Wallace, erasure, uniform attention"):
        if heldout is None:
            st.info("This model declares no held-out set, so there are no test-set results for it.")
            return
        if doc is None:
            st.info("No test-set results are shipped for this model: run "
                    f"`python -m attention_core faithfulness --model {model_id} --ship`.")
            return
        st.caption(f"{doc['n']} held-out examples of {doc['test_set']}.")
        st.markdown(jain_wallace_md([doc]))
        st.markdown(flips_md([doc]))
        if doc["tables"]["uniform"]:
            st.markdown(uniform_md([doc]))
        if doc["tables"].get("abnar_zuidema"):
            st.markdown(abnar_zuidema_md(doc))


# ---------------------------------------------------------------------------- a multi-head encoder's head
def _encoder_section(model_id: str, text: str, key: str) -> None:
    from attention_core.attribution.agreement import agreement
    from dashboard.views.attribution_views import agreement_frame, beside, layer_lines
    try:
        _head(model_id)
    except Exception as exc:   # e.g. MiniLM's sentiment head is not installed
        st.info(f"The classification head attribution explains is not available: {md_escape(str(exc))}")
        return
    attribution = get_spec(model_id).capabilities.attribution
    st.caption(f"Attributed through the {md_escape(attribution.via)}. {md_escape(attribution.note)}")
    methods, k = _controls(model_id, key)
    if not methods:
        st.info("Choose at least one attribution method.")
        return
    from attention_core.attribution.minilm_head import pooled_maps
    rollout = pooled_maps(_encoder_importance(model_id, text))["rollout"]
    done, error = in_background(f"{key}-attribution", ("encoder-attribution", model_id, text, tuple(methods)),
                                _encoder_work(model_id, text, tuple(methods), rollout), seconds=budget().seconds,
                                label="Computing attribution")
    if error:
        st.error(f"Attribution did not finish: {md_escape(error)}")
        return
    comp, decision, inp = done
    for note in comp.notices:     # e.g. the head reads fewer word pieces than the page draws: say so
        st.info(md_escape(note))
    importance = _encoder_importance(model_id, text)
    n_layers = int(importance["raw"].shape[0])
    if st.session_state.get(f"{key}-attr-layer", n_layers) > n_layers:   # another model had more layers
        del st.session_state[f"{key}-attr-layer"]
    layer = st.select_slider("Raw attention of layer", list(range(1, n_layers + 1)), value=n_layers,
                             key=f"{key}-attr-layer") - 1
    st.metric("Head's decision", f"{decision.label} ({for_people(decision.confidence)})")
    pooled = pooled_maps(importance, layer)
    if "flow" not in pooled:
        st.caption(f"Attention flow skipped: {len(importance['tokens'])} word pieces (it is computed up to 32, where "
                   "it stays within a few seconds).")
    attrs = [comp.attributions[m][0] for m in methods]
    show_figure(figure_of(beside, list(pooled.values()) + attrs, title="pooled output: attention and attribution"),
                key=f"{key}-attr-fig")
    keep = comp.comparable[0]
    rows = [(f"{name} vs {METHOD_LABELS[m].lower()}", agreement(amap.weights[0][keep], attr.weights[0][keep], k))
            for name, amap in pooled.items() for m, attr in zip(methods, attrs)]
    frame = agreement_frame(rows)
    show_table(frame.drop(columns=["reading"]))
    for name, line in zip(frame["compared"], frame["reading"]):
        st.markdown(f"- *{md_escape(name)}* — {md_escape(line)}")
    if "leave-one-out" in methods:
        from attention_core.attribution.agreement import spearman
        loo = comp.attributions["leave-one-out"][0].weights[0][keep]
        series = {kind: [spearman(layer_row[keep], loo) for layer_row in importance[kind]]
                  for kind in ("raw", "rollout", "flow") if importance[kind] is not None}
        show_figure(figure_of(layer_lines, series, "this input: Spearman ρ with blank-out (leave-one-out), per layer"),
                    key=f"{key}-attr-layers")
    from dashboard.views.attribution_views import erasure_bars
    st.markdown(f"**Erasure** — remove the top {k} word pieces by rollout, by each attribution, or at random.")
    rows_e = _encoder_erasure(model_id, text, tuple(methods), k, comp, inp)
    named = [r for r in rows_e if not r.ranking.startswith("random")]
    randoms = [r for r in rows_e if r.ranking.startswith("random")]
    names = ["rollout" if r.ranking == "attention" else METHOD_LABELS.get(r.ranking, r.ranking) for r in named]
    after, labels, flipped = [r.after[0] for r in named], [r.new_labels[0] for r in named], [r.flipped[0] for r in named]
    names.append(f"random (mean of {len(randoms)})")
    after.append(float(np.mean([r.after[0] for r in randoms])))
    flips = sum(r.flipped[0] for r in randoms)
    labels.append(f"{flips}/{len(randoms)} flip")
    flipped.append(flips * 2 > len(randoms))
    show_figure(figure_of(erasure_bars, names, after, named[0].before[0], labels, flipped, decision.label, k),
                key=f"{key}-attr-erasure")
    _timing(comp)
    _test_set_section(model_id)


def baselines_of(model_id: str) -> list[str]:
    """Attributable classifiers of the same family that draw no maps (e.g. the flat document baseline)."""
    spec = get_spec(model_id)
    same = Needs(input=spec.capabilities.input, produces=Produces.LABEL, attributable=True)
    return [s.id for s in list_models(same, family=spec.family)
            if s.id != model_id and not s.capabilities.maps and problem(s) is None]
