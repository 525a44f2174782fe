"""Serrano & Smith's weight interventions over a classifier's held-out set: records, tables and Markdown.

Per example and attention layer (Lin: its hops; HAN: the word layer and the sentence layer, separately) the
two interventions of :mod:`.weight_interventions`. Tables: decision-flip rate after zeroing the top weight vs
a random one, their JS divergences and the paired difference (95 % percentile bootstrap over examples), and
per removal order the share of examples that flip while weights remain and the median share removed then.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from .heldout_eraser import interval
from .summaries import rounded_tree
from .weight_interventions import ORDERS, Where, intervene, intervene_per_token

FILE = "weight_interventions.json"
VERSION = 1
START, END = "<!-- weight-interventions -->", "<!-- /weight-interventions -->"
DEFAULT_N = {"bbc-news": 20, "rotten-tomatoes": 100}

LAYERS: dict[str, dict[str, Where]] = {
    "structured": {"hops": lambda name, m: True},
    "hierarchical": {"word": lambda name, m: name.endswith("word_attention"),
                     "sentence": lambda name, m: name.endswith("sentence_attention")},
}


TOKEN_LAYER = "source attention, per generated token"


def layers_of(model_id: str) -> dict[str, Where]:
    """The attention layers of ``model_id`` the interventions act on; ``ValueError`` (one line) when none."""
    from ..models import get_spec
    from .faithfulness import kind_of
    spec = get_spec(model_id)
    if kind_of(model_id) == "translation":
        return {TOKEN_LAYER: lambda name, m: True}
    if spec.mechanism not in LAYERS:
        raise ValueError(f"{model_id} has no attention layer the weight interventions act on here (they cover "
                         f"the {' and '.join(sorted(LAYERS))} classifiers and the translators)")
    return LAYERS[spec.mechanism]


def evaluate(model_id: str, n: int | None = None, progress: bool = False) -> dict[str, Any]:
    """Both interventions on the first ``n`` held-out examples → the JSON document (examples + tables)."""
    from ..models import load_model
    from .faithfulness import heldout_slice, test_set_of
    layers = layers_of(model_id)
    data = heldout_slice(model_id, n, DEFAULT_N, 50)
    explainer = load_model(model_id)
    start = time.perf_counter()
    records = []
    translation = TOKEN_LAYER in layers
    for i, (text, gold) in enumerate(data):
        rec: dict[str, Any] = {"i": i, "gold": None if translation else gold, "layers": {}}
        if translation:
            rec["layers"][TOKEN_LAYER] = intervene_per_token(explainer, text, [i, 11])
        else:
            ids = explainer.attribution_inputs(text).ids
            for layer, where in layers.items():
                rec["layers"][layer] = intervene(explainer, ids, where, [i, 11])
        records.append(_rounded(rec))
        if progress:
            print(f"\r{model_id} (weights): {i + 1}/{len(data)}", end="", flush=True)
    if progress:
        print()
    doc = {"version": VERSION, "model": model_id, "kind": "translation" if translation else "classifier",
           "test_set": test_set_of(model_id), "n": len(records),
           "settings": SETTINGS, "examples": records}
    doc["tables"] = tables(doc)
    doc["runtime_seconds"] = round(time.perf_counter() - start, 1)
    return doc


def _rounded(rec: dict[str, Any]) -> dict[str, Any]:
    """The record rounded for JSON, the JS divergences to 4 significant digits (they are often ~1e-6, which
    4 decimals would turn into 0)."""
    out = rounded_tree(rec)
    for layer, values in rec["layers"].items():
        for key in ("js_top", "js_random"):
            v = values[key]
            out["layers"][layer][key] = ([float(f"{x:.4g}") for x in v] if isinstance(v, list) else float(f"{v:.4g}"))
    return out


SETTINGS = {"intervention": "weights zeroed inside the attention layer (weight hook), each distribution "
                            "renormalised; the input is untouched",
            "single": "the layer's largest weight vs one other real weight drawn at random (seeded by example)",
            "js": "Jensen–Shannon divergence, base 2 (scipy), between the output distributions before and after",
            "to_flip": "weights removed in order (attention: largest first; gradient: largest ∂p(decision)/∂α "
                       "first, α taken as an input; attention × gradient; random), searched at 1..10 then ×1.5 "
                       "up to all but one; share of the layer's real weights at the first flip",
            "bootstrap": "percentile 95 % intervals over examples, 2000 resamples, seed 0"}


def _unit(rec: dict[str, Any]) -> dict[str, Any]:
    """One example as a table unit: a translator's tokens averaged (flips as rates, JS as means; its weights
    the median real weights per row — the window for local attention), the fractions to flip pooled as a list; a classifier's single record as it is (its fractions a list of one)."""
    if isinstance(rec["flip_top"], list):
        return {"weights": rec.get("row_weights", rec["sources"]), **{k: float(np.mean(rec[k])) for k in
                                              ("flip_top", "flip_random", "js_top", "js_random")},
                "to_flip": rec["to_flip"]}
    return {**rec, "to_flip": {k: [v] for k, v in rec["to_flip"].items()}}


def tables(doc: dict[str, Any]) -> dict[str, Any]:
    """Per layer: the single-weight rows and the fraction-to-flip rows (recomputable from the examples)."""
    single, flip = [], []
    layers = list(doc["examples"][0]["layers"]) if doc["examples"] else []
    for layer in layers:
        recs = [_unit(ex["layers"][layer]) for ex in doc["examples"]]
        single.append({"layer": layer, "n": len(recs), "weights_median": float(np.median([r["weights"] for r in recs])),
                       "flip_top": interval([float(r["flip_top"]) for r in recs]),
                       "flip_random": interval([float(r["flip_random"]) for r in recs]),
                       "js_top": interval([r["js_top"] for r in recs]),
                       "js_random": interval([r["js_random"] for r in recs]),
                       "js_difference": interval([r["js_top"] - r["js_random"] for r in recs])})
        for order in ORDERS:
            values = [v for r in recs for v in r["to_flip"][order]]
            flipped = [v for v in values if v is not None]
            flip.append({"layer": layer, "order": order, "n": len(values),
                         "flips": len(flipped) / len(values),
                         "median_fraction": float(np.median(flipped)) if flipped else None,
                         "mean_fraction": interval(flipped)})
    return rounded_tree({"single": single, "to_flip": flip})


def _ci(cell: Any, digits: int = 3, percent: bool = False) -> str:
    mean, low, high = cell
    if mean is None:
        return "–"
    mean, low, high = mean + 0.0, low + 0.0, high + 0.0      # no "-0" from a rounded −0.00001
    if percent:
        return f"{100 * mean:.0f} % [{100 * low:.0f}, {100 * high:.0f}]"
    return f"{mean:.{digits}g} [{low:.{digits}g}, {high:.{digits}g}]"


def markdown(docs: list[dict[str, Any]]) -> str:
    """The two tables for every model with a document."""
    if not docs:
        return ("No weight-intervention results yet: run `python -m attention_core faithfulness --measure weights "
                "--model ID --ship`.")
    lines = ["**Zero one weight inside the layer** (renormalised) — decision flips and JS divergence of the output "
             "[95 % bootstrap interval over examples; a translator: per generated token, its attention row only, "
             "teacher-forced on its own greedy output, averaged per sentence]:\n",
             "| model | layer | n | weights per input (median) | flips: top weight | flips: random weight | "
             "JS: top | JS: random | JS top − random |", "|---|---|---|---|---|---|---|---|---|"]
    for doc in docs:
        for r in doc["tables"]["single"]:
            lines.append(f"| `{doc['model']}` | {r['layer']} | {r['n']} | {r['weights_median']:g} | "
                         f"{_ci(r['flip_top'], percent=True)} | {_ci(r['flip_random'], percent=True)} | "
                         f"{_ci(r['js_top'])} | {_ci(r['js_random'])} | {_ci(r['js_difference'])} |")
    lines += ["\n**Weights removed before the decision flips**, by removal order — share of examples (translators: "
              "generated tokens) that flip while any weight remains, and the median share of the layer's (the "
              "row's) weights removed at the first flip:\n",
              "| model | layer | n | " + " | ".join(ORDERS) + " |", "|---|---|---|" + "---|" * len(ORDERS)]
    for doc in docs:
        by_layer: dict[str, dict[str, Any]] = {}
        for r in doc["tables"]["to_flip"]:
            by_layer.setdefault(r["layer"], {})[r["order"]] = r
        for layer, rows in by_layer.items():
            cells = []
            for order in ORDERS:
                r = rows[order]
                med = "–" if r["median_fraction"] is None else f"{100 * r['median_fraction']:.0f} %"
                cells.append(f"{100 * r['flips']:.0f} % flip; median {med}")
            n = next(iter(rows.values()))["n"]
            lines.append(f"| `{doc['model']}` | {layer} | {n} | " + " | ".join(cells) + " |")
    lines.append("\nRegenerate: `python -m attention_core faithfulness --measure weights --model ID --n N --ship "
                 "--docs docs/models.md` (n as in the table).")
    return "\n".join(lines)
