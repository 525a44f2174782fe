"""ERASER over a model's held-out set: per-example curves and the AOPC tables with bootstrap intervals.

For each of the first N held-out examples, every ranking of :mod:`.rankings` is scored by
:func:`.eraser.eraser_curves` under both removal operators. A unit of the tables is one example (for a
translator: one sentence, its generated tokens averaged, so tokens of one sentence are not counted as
independent); intervals are 95 % percentile bootstraps over units (SciPy, seeded). Integrated gradients'
f(baseline) — what the model says about its starting point — is kept per example and summarised beside the
tables. The document is written to ``<root>/<model id>/eraser.json`` and every table follows from its examples.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy import stats

from .eraser import BINS, OPERATORS, RankJob, eraser_curves
from .rankings import Ranked, classifier_rankings, minilm_rankings, translation_rankings
from .summaries import BOOTSTRAP, rounded_tree

FILE = "eraser.json"
VERSION = 1
DEFAULT_N = {"bbc-news": 20, "rotten-tomatoes": 100, "rotten-tomatoes-by-movie": 50, "bible-en-fr": 40,
             "dates-en-fr": 50}


def example_record(ranked: Ranked, index: int, operators: tuple[str, ...] = OPERATORS) -> dict[str, Any]:
    """One example's curves: per operator and ranking, comprehensiveness and sufficiency ``[1][K]`` (a
    translator's generated tokens averaged bin by bin)."""
    inp = ranked.inputs
    names = list(ranked.scores)
    jobs = [RankJob(r, ranked.scores[name][r]) for name in names for r in range(inp.rows)]
    rec: dict[str, Any] = {"i": index, "n": ranked.info["n"], "rows": inp.rows, "pred": inp.target_labels[0]
                           if inp.rows == 1 else None, "full": None, "curves": {}}
    for op in operators:
        curves = eraser_curves(inp, jobs, op)
        rec["full"] = float(np.mean([c.full for c in curves[:inp.rows]]))
        # a translator's rows are averaged here (bin by bin): the sentence is the unit of the tables, and the
        # AOPC of the mean curve is the mean of the rows' AOPCs, so nothing the tables need is lost
        rec["curves"][op] = {name: {"c": [np.mean([curves[j * inp.rows + r].comprehensiveness
                                                   for r in range(inp.rows)], 0).tolist()],
                                    "s": [np.mean([curves[j * inp.rows + r].sufficiency
                                                   for r in range(inp.rows)], 0).tolist()]}
                             for j, name in enumerate(names)}
    if "ig_baseline_p" in ranked.info:
        rec["ig_baseline_p"] = ranked.info["ig_baseline_p"]
        rec["ig_baseline"] = ranked.info["ig_baseline"]
    return rec


def interval(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """Mean with a 95 % percentile bootstrap interval (seeded); a constant sample is its own interval."""
    x = np.asarray([v for v in values if v is not None], dtype=float)
    if len(x) == 0:
        return None, None, None
    if len(x) == 1 or x.min() == x.max():
        return float(x.mean()), float(x.mean()), float(x.mean())
    res = stats.bootstrap((x,), np.mean, confidence_level=0.95, n_resamples=BOOTSTRAP, method="percentile",
                          random_state=np.random.default_rng(0))
    return float(x.mean()), float(res.confidence_interval.low), float(res.confidence_interval.high)


def unit_aopc(curves: dict[str, list[list[float]]], which: str) -> float:
    """One example's AOPC: the mean over bins (of its rows' mean curve)."""
    return float(np.mean([np.mean(row) for row in curves[which]]))


def eraser_table(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows: operator × ranking → units, AOPC comprehensiveness and sufficiency with intervals, and the
    mean curve per bin."""
    rows = []
    examples = doc["examples"]
    if not examples:
        return rows
    for op in examples[0]["curves"]:
        # MiniLM's flow exists only for short inputs: every ranking any example has, over the examples with it
        for name in dict.fromkeys(k for ex in examples for k in ex["curves"][op]):
            have = [ex["curves"][op][name] for ex in examples if name in ex["curves"][op]]
            comp = interval([unit_aopc(c, "c") for c in have])
            suff = interval([unit_aopc(c, "s") for c in have])
            bins_c = np.mean([np.mean(c["c"], 0) for c in have], 0).tolist()
            bins_s = np.mean([np.mean(c["s"], 0) for c in have], 0).tolist()
            rows.append({"operator": op, "ranking": name, "n": len(have),
                         "comprehensiveness": dict(zip(("mean", "low", "high"), comp)),
                         "sufficiency": dict(zip(("mean", "low", "high"), suff)),
                         "bins": list(BINS), "comprehensiveness_by_bin": bins_c, "sufficiency_by_bin": bins_s})
    return rows


def baseline_summary(doc: dict[str, Any]) -> dict[str, Any] | None:
    """Integrated gradients' start: which baseline, and f(baseline) for the explained output (mean, range)."""
    values = [v for ex in doc["examples"] for v in ex.get("ig_baseline_p", [])]
    if not values:
        return None
    kinds = sorted({ex["ig_baseline"] for ex in doc["examples"] if "ig_baseline" in ex})
    return {"baseline": ", ".join(kinds), "units": len(values), "mean": float(np.mean(values)),
            "min": float(np.min(values)), "max": float(np.max(values))}


def tables(doc: dict[str, Any]) -> dict[str, Any]:
    """Every summary of an ERASER document (recomputable from its examples)."""
    return rounded_tree({"eraser": eraser_table(doc), "ig_baseline": baseline_summary(doc)})


def evaluate(model_id: str, n: int | None = None, progress: bool = False) -> dict[str, Any]:
    """ERASER on the first ``n`` held-out examples of ``model_id`` → the JSON document (examples + tables)."""
    from ..models import load_model
    from .faithfulness import heldout_slice, kind_of, test_set_of
    kind = kind_of(model_id)
    data = heldout_slice(model_id, n, DEFAULT_N, 50)
    explainer = load_model(model_id)
    start = time.perf_counter()
    records = []
    for i, (text, gold) in enumerate(data):
        if kind == "translation":
            ranked = translation_rankings(explainer, text, gold, i)
        elif kind == "minilm":
            ranked = minilm_rankings(explainer.attributor(), text, i)
        else:
            ranked = classifier_rankings(explainer, text, i)
        if ranked.info["n"] >= 2:          # one removable token has no top-k % to speak of
            rec = example_record(ranked, i)
            rec["gold"] = gold if kind != "translation" else None
            records.append(rounded_tree(rec))
        if progress:
            print(f"\r{model_id} (ERASER): {i + 1}/{len(data)}", end="", flush=True)
    if progress:
        print()
    doc = {"version": VERSION, "model": model_id, "kind": kind, "test_set": test_set_of(model_id),
           "n": len(records),
           "settings": settings(kind), "examples": records}
    doc["tables"] = tables(doc)
    doc["runtime_seconds"] = round(time.perf_counter() - start, 1)
    return doc


def settings(kind: str) -> dict[str, Any]:
    """What the numbers mean (stored with them)."""
    target = ("p(reference token t | source, reference<t), teacher-forced on the reference, per token"
              if kind == "translation" else "p(the class the model chose on the whole input)")
    return {"measure": "ERASER (DeYoung et al. 2020): comprehensiveness = p(y|x) − p(y|x without the top k %), "
                       "sufficiency = p(y|x) − p(y|the top k % alone); AOPC = mean over k",
            "bins": list(BINS), "top": "⌈k·n⌉ of the n removable tokens, at least 1 and fewer than n",
            "target": target,
            "operators": {"delete": "the tokens are taken out and the sequence closes up",
                          "unk": "the tokens are replaced by the inputs' unknown-word token ([UNK] id 100 for the "
                                 "MiniLM word pieces; <unk> for the translators)"},
            "rankings": "attention as the model offers it; gradient × input, integrated gradients, leave-one-out "
                        "signed (most supporting first); random seeded by the example",
            "unit": "one example (a translator: one sentence, its tokens averaged)",
            "bootstrap": f"percentile 95 % intervals over units, {BOOTSTRAP} resamples, seed 0"}
