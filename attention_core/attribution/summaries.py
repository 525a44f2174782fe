"""Test-set tables from per-example faithfulness records (recomputable from a shipped JSON document).

* Jain & Wallace: mean ± sd of Kendall τ (attention vs gradient, vs leave-one-out) and the share with
  p < 0.05, per level and predicted class;
* Serrano & Smith: flip rate after removing the top item by each ranking, with a 95 % percentile bootstrap
  interval (scipy), and the items removed at the first flip;
* Wiegreffe & Pinter: accuracy with learned vs uniform attention;
* Abnar & Zuidema: per layer, mean Spearman ρ of raw / rollout / flow with blank-out and |gradient × input|.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

DECIMALS = 4
BOOTSTRAP = 2000        # bootstrap resamples for the flip-rate intervals
RANKINGS = ("attention", "gradient", "random", "leave-one-out")
MEASURES = ("gradient", "leave-one-out")
MINILM_LEVELS = {"raw": "raw attention, layer 6", "rollout": "rollout, layers 1–6", "flow": "flow, layers 1–6"}


def rounded(x: Any) -> Any:
    """Round floats (and floats in lists) to :data:`DECIMALS` for the JSON; NaN → None."""
    if isinstance(x, (list, tuple, np.ndarray)):
        return [rounded(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(float(x)) else round(float(x), DECIMALS)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def rounded_tree(value: Any) -> Any:
    """Round every float in nested dicts and lists (:func:`rounded`)."""
    if isinstance(value, dict):
        return {k: rounded_tree(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        return [rounded_tree(v) for v in value]
    return rounded(value)


def _mean_sd(values: list[float]) -> tuple[float | None, float | None]:
    vals = [v for v in values if v is not None]
    if not vals:
        return None, None
    return float(np.mean(vals)), float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0


def _interval(flags: list[bool]) -> tuple[float | None, float | None, float | None]:
    """Share of True with a 95 % percentile bootstrap interval (seeded)."""
    if not flags:
        return None, None, None
    x = np.asarray(flags, dtype=float)
    rate = float(x.mean())
    if x.min() == x.max():
        return rate, rate, rate
    res = stats.bootstrap((x,), np.mean, confidence_level=0.95, n_resamples=BOOTSTRAP, method="percentile",
                          random_state=np.random.default_rng(0))
    return rate, float(res.confidence_interval.low), float(res.confidence_interval.high)


def _units(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per level, one unit record per instance (an example, or a generated token) with its class."""
    out: dict[str, list[dict[str, Any]]] = {}
    for ex in doc["examples"]:
        if doc["kind"] == "classifier":
            for level, rec in ex["levels"].items():
                out.setdefault(level, []).append({**rec, "cls": ex["pred"]})
        elif doc["kind"] == "translation":
            rows = ex["rows"]
            for r in range(len(rows["n"])):
                unit = {"n": rows["n"][r], "cls": "all tokens",
                        "flip1": {k: v[r] for k, v in rows["flip1"].items()},
                        "to_flip": {k: v[r] for k, v in rows["to_flip"].items()}}
                if rows.get("tau"):
                    unit["tau"] = {k: v[r] for k, v in rows["tau"].items()}
                out.setdefault("source tokens", []).append(unit)
        else:
            for kind, taus in ex["tau"].items():
                out.setdefault(MINILM_LEVELS.get(kind, kind), []).append(
                    {"n": ex["n"], "cls": ex["pred"], "tau": taus, "flip1": ex["flip1"], "to_flip": ex["to_flip"]})
    return out


def jain_wallace(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows: level × class (and all) → n, mean ± sd of τ and the share with p < 0.05, per measure."""
    rows = []
    for level, units in _units(doc).items():
        units = [u for u in units if "tau" in u]
        if not units:
            continue
        classes = sorted({u["cls"] for u in units})
        for cls in (["all"] + classes if len(classes) > 1 else classes):
            group = [u for u in units if cls == "all" or u["cls"] == cls]
            row: dict[str, Any] = {"level": level, "class": cls, "n": len(group)}
            for measure in MEASURES:
                pairs = [u["tau"][measure] for u in group]
                mean, sd = _mean_sd([p[0] for p in pairs])
                tested = [p for p in pairs if p[1] is not None]
                row[measure] = {"mean": mean, "sd": sd,
                                "significant": (sum(p[1] < 0.05 for p in tested) / len(tested)) if tested else None}
            rows.append(row)
    return rows


def flips(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows: level × ranking → flip rate after one item with a bootstrap interval; items to the first flip."""
    rows = []
    if doc["kind"] == "minilm":
        units = {"word pieces": [{"n": ex["n"], "flip1": ex["flip1"], "to_flip": ex["to_flip"]}
                                 for ex in doc["examples"]]}
    else:
        units = _units(doc)
    for level, group in units.items():
        for ranking in RANKINGS:
            have = [u for u in group if ranking in u["flip1"]]
            if not have:
                continue
            rate, low, high = _interval([u["flip1"][ranking] for u in have])
            ks = [u["to_flip"][ranking] for u in have]
            fractions = [k / u["n"] for k, u in zip(ks, have) if k is not None]
            rows.append({"level": level, "ranking": ranking, "n": len(have), "flip_rate": rate, "low": low,
                         "high": high, "ever_flips": sum(k is not None for k in ks) / len(have),
                         "median_items_to_flip": float(np.median([k for k in ks if k is not None]))
                         if fractions else None,
                         "mean_fraction_to_flip": float(np.mean(fractions)) if fractions else None})
    return rows


def uniform(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Accuracy with the model's attention vs frozen uniform (classifiers; token accuracy for translation)."""
    exs = [ex for ex in doc["examples"] if "uniform" in ex]
    if not exs:
        return []
    if doc["kind"] == "translation":
        total = sum(ex["uniform"]["tokens"] for ex in exs)
        return [{"variant": "all attention", "n": total, "unit": "reference tokens (teacher-forced)",
                 "accuracy": sum(ex["uniform"]["correct"] for ex in exs) / total,
                 "accuracy_uniform": sum(ex["uniform"]["correct_uniform"] for ex in exs) / total}]
    acc = float(np.mean([ex["pred"] == ex["gold"] for ex in exs]))
    return [{"variant": name, "n": len(exs), "unit": "examples", "accuracy": acc,
             "accuracy_uniform": float(np.mean([ex["uniform"][name] == ex["gold"] for ex in exs]))}
            for name in exs[0]["uniform"]]


def abnar_zuidema(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """MiniLM rows: layer × kind → mean Spearman ρ with blank-out and with |gradient × input|."""
    if doc["kind"] != "minilm":
        return []
    rows = []
    layers = len(doc["examples"][0]["az"]["raw"]["blank-out"]) if doc["examples"] else 0
    for layer in range(layers):
        row: dict[str, Any] = {"layer": layer + 1}
        for kind in ("raw", "rollout", "flow"):
            for target in ("blank-out", "gradient"):
                vals = [ex["az"][kind][target][layer] for ex in doc["examples"] if kind in ex["az"]]
                mean, sd = _mean_sd(vals)
                row[f"{kind} vs {target}"] = {"mean": mean, "sd": sd, "n": len([v for v in vals if v is not None])}
        rows.append(row)
    return rows


def tables(doc: dict[str, Any]) -> dict[str, Any]:
    """Every summary table of a faithfulness document (recomputable from its examples)."""
    return rounded_tree({"jain_wallace": jain_wallace(doc), "flips": flips(doc), "uniform": uniform(doc),
                    "abnar_zuidema": abnar_zuidema(doc)})
