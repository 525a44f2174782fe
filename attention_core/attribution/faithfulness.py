"""Is attention faithful? Test-set measurements per model, written as small JSON beside its weights.

``python -m attention_core faithfulness --model ID [--n N]`` (or ``--all``) runs, for the first N held-out
examples of the model's test set:

* **Jain & Wallace 2019** — Kendall τ between attention and two importance measures, gradient × input and
  leave-one-out (Captum), with τ's p-value; summarised as mean ± sd and the share with p < 0.05, per
  predicted class.
* **Serrano & Smith 2019 (input erasure)** — blank the top-ranked item by attention, by gradient, at random,
  or by leave-one-out (the best single item, an oracle); the share of decisions that flip (with a 95 %
  bootstrap interval) and how many items must go, in ranking order, before the decision flips (searched at
  k = 1…10, then growing ×1.5 up to every item: exact up to 10, an upper bound beyond).
* **Wiegreffe & Pinter 2019** — accuracy with every attention distribution frozen to uniform at test time
  (through the mechanisms' weight hook), against the model's own.
* **Abnar & Zuidema 2020** (MiniLM) — per layer, Spearman ρ of raw attention, rollout and flow with blank-out
  (leave-one-out) and with |gradient × input|.

Every per-example number is kept in the JSON (rounded), so the tables can be recomputed from it and a test
can re-run the first few examples and compare. Random rankings are seeded by the example's index, so an
example's numbers do not depend on N.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from scipy import stats

from ..checkpoint import WEIGHTS_DIR
from ..mechanisms import replaced_weights, uniform_weights
from ..tasks import Task
from .agreement import agreement
from .erasure import position_scores
from .inputs import AttributionInputs
from .methods import MAX_BATCH_NUMBERS
from .pairing import attention_like
from .records import raw_scores

VERSION = 1
FLIP_DENSE, FLIP_GROWTH = 10, 1.5   # first-flip search: remove k = 1..10 items, then ×1.5 up to every item
FLIP_BATCH = 64                     # erased variants per forward pass (fewer when outputs are large)
TRANSLATION_FLIP_LIMIT = 3          # per generated token: remove at most 3 source tokens (cost: rows × V)
DECIMALS = 4
BOOTSTRAP = 2000        # bootstrap resamples for the flip-rate intervals
RANKINGS = ("attention", "gradient", "random", "leave-one-out")
MEASURES = ("gradient", "leave-one-out")
FILE = "faithfulness.json"
MINILM = "transformer/minilm-l6"


# ---------------------------------------------------------------------------------------------- helpers
def _r(x: Any) -> Any:
    """Round floats (and floats in lists) for the JSON; NaN → None."""
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_r(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(float(x)) else round(float(x), DECIMALS)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _columns_of(inp: AttributionInputs, level: str | None) -> tuple[list[list[int]], list[int]]:
    """The columns (position groups) of every slot at ``level``, and each column's slot index."""
    cols, owner = [], []
    for i, slot in enumerate(inp.slots):
        if slot.level == level:
            cols += slot.columns
            owner += [i] * len(slot.columns)
    return cols, owner


def flip_grid(n: int, limit: int | None = None) -> list[int]:
    """Numbers of items to remove when looking for the first flip: every k up to 10, then ×1.5 up to all n
    (or every k up to ``limit``)."""
    if limit is not None:
        return list(range(1, min(n, limit) + 1))
    ks = list(range(1, min(n, FLIP_DENSE) + 1))
    while ks and ks[-1] < n:
        ks.append(min(n, int(math.ceil(ks[-1] * FLIP_GROWTH))))
    return ks


@dataclass(frozen=True)
class FlipJob:
    """Remove ``order``'s columns one more at a time (on :func:`flip_grid`) and watch output ``row``."""

    row: int
    columns: list[list[int]]
    order: list[int]
    limit: int | None = None


@torch.no_grad()
def first_flips(inp: AttributionInputs, jobs: list[FlipJob]) -> list[tuple[bool, int | None]]:
    """For each job: (did removing the first column flip the decision, the smallest k on the grid that
    flips it or None). All variants of all jobs run in shared batches."""
    variants, owners = [], []
    for j, job in enumerate(jobs):
        for k in flip_grid(len(job.order), job.limit):
            variants.append(sorted({p for c in job.order[:k] for p in job.columns[c]}))
            owners.append((j, k))
    batch = max(1, min(FLIP_BATCH, MAX_BATCH_NUMBERS // max(inp.batch_cost, 1)))
    flipped: list[bool] = []
    for start in range(0, len(variants), batch):
        probs = inp.probabilities(inp.erased(variants[start:start + batch]))          # [b, R, C]
        rows = torch.tensor([jobs[j].row for j, _ in owners[start:start + batch]], device=probs.device)
        chosen = probs[torch.arange(len(rows), device=probs.device), rows].argmax(-1)
        targets = torch.tensor([inp.targets[r] for r in rows.tolist()], device=probs.device)
        flipped += (chosen != targets).cpu().tolist()
    out: list[list[tuple[int, bool]]] = [[] for _ in jobs]
    for (j, k), f in zip(owners, flipped):
        out[j].append((k, f))
    results = []
    for hits in out:
        if not hits:
            results.append((False, None))
            continue
        first = next((k for k, f in hits if f), None)
        results.append((bool(hits[0][1]), first))
    return results


def _order(scores: np.ndarray) -> list[int]:
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable").tolist()


def _tau(att: np.ndarray, imp: np.ndarray) -> list[float | None]:
    a = agreement(att, imp)
    return [a.tau, a.tau_p]


def level_record(inp: AttributionInputs, level: str | None, row: int, attention: np.ndarray | None,
                 gradient: np.ndarray, loo: np.ndarray, columns: list[list[int]], seed: list[int],
                 limit: int | None = None) -> dict[str, Any]:
    """One explained output at one level: τ of attention with each measure, flips by each ranking."""
    rankings = {"gradient": gradient, "leave-one-out": loo,
                "random": np.random.default_rng(seed).random(len(columns))}
    if attention is not None:
        rankings["attention"] = attention
    rec: dict[str, Any] = {"n": len(columns)}
    if attention is not None:
        rec["tau"] = {"gradient": _tau(attention, gradient), "leave-one-out": _tau(attention, loo)}
    names = [name for name in RANKINGS if name in rankings]
    rec["jobs"] = [FlipJob(row, columns, _order(rankings[name]), limit) for name in names]
    rec["names"] = names
    return rec


def run_flips(inp: AttributionInputs, records: list[dict[str, Any]]) -> None:
    """Run every record's pending flip jobs in shared batches; fill ``flip1`` and ``to_flip``."""
    jobs = [job for rec in records for job in rec["jobs"]]
    results = iter(first_flips(inp, jobs))
    for rec in records:
        pairs = [next(results) for _ in rec["jobs"]]
        rec["flip1"] = {n: f for n, (f, _) in zip(rec["names"], pairs)}
        rec["to_flip"] = {n: k for n, (_, k) in zip(rec["names"], pairs)}
        del rec["jobs"], rec["names"]


# ------------------------------------------------------------------------------------------ classifiers
UNIFORM_VARIANTS: dict[str, dict[str, Callable[[str, Any], bool]]] = {
    # which attention modules are frozen to uniform, by model mechanism
    "hierarchical": {"word": lambda name, m: name.endswith("word_attention"),
                     "sentence": lambda name, m: name.endswith("sentence_attention"),
                     "both": lambda name, m: True},
    "structured": {"hops": lambda name, m: True},
}


def classifier_example(explainer: Any, index: int, text: str, gold: str) -> dict[str, Any]:
    """Every measurement for one classifier example."""
    inp = explainer.attribution_inputs(text)
    result = explainer.explain(text)
    att_maps = attention_like(inp.slots, result.maps)
    has_attention = any(m is not None for m in att_maps)
    grad_slots, _ = raw_scores(inp, "grad×input")
    loo_slots, _ = raw_scores(inp, "leave-one-out")
    pos_att = position_scores(att_maps, inp.slots, inp.rows, inp.positions) if has_attention else None
    per_position = _per_position_gradient(inp, grad_slots)
    rec: dict[str, Any] = {"i": index, "gold": gold, "pred": result.output.label, "levels": {}}
    for level in sorted({s.level for s in inp.slots}, key=lambda v: (v is None, str(v))):
        columns, owner = _columns_of(inp, level)
        grad = np.array([per_position[0, c].sum() for c in columns])
        loo = np.concatenate([loo_slots[i][0] for i in sorted(set(owner))])
        att = None if pos_att is None else np.array([pos_att[0, c].sum() for c in columns])
        rec["levels"][str(level or "token")] = level_record(inp, level, 0, att, grad, loo, columns, [index, 0])
    run_flips(inp, list(rec["levels"].values()))
    variants = UNIFORM_VARIANTS.get(explainer.spec.mechanism, {})
    if variants:
        rec["uniform"] = {}
        for name, where in variants.items():
            with replaced_weights(explainer.model, uniform_weights, where):
                rec["uniform"][name] = explainer.explain(text).output.label
    return rec


def _per_position_gradient(inp: AttributionInputs, grad_slots: list[np.ndarray]) -> np.ndarray:
    """Gradient × input per position ``[R, P]`` recovered from the single-position columns of the slots."""
    out = np.zeros((inp.rows, inp.positions))
    for slot, values in zip(inp.slots, grad_slots):
        for j, group in enumerate(slot.columns):
            if len(group) == 1:
                out[:, group[0]] = values[:, j]
    return out


# ------------------------------------------------------------------------------------------ translation
def translation_example(explainer: Any, index: int, source: str, reference: str) -> dict[str, Any]:
    """Every measurement for one translated sentence: one record per generated token (row)."""
    inp = explainer.attribution_inputs(source)
    result = explainer.explain(source)
    att = attention_like(inp.slots, result.maps)[0].weights
    grad = raw_scores(inp, "grad×input")[0][0]
    loo = raw_scores(inp, "leave-one-out")[0][0]
    columns = inp.slots[0].columns
    rows = [level_record(inp, None, r, att[r], grad[r], loo[r], columns, [index, r], TRANSLATION_FLIP_LIMIT)
            for r in range(inp.rows)]
    run_flips(inp, rows)
    rec: dict[str, Any] = {"i": index, "rows": _columnar(rows)}
    uniform = _uniform_token_accuracy(explainer, source, reference)
    if uniform is not None:
        rec["uniform"] = uniform
    return rec


def _columnar(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Row records → one list per field (compact JSON)."""
    out: dict[str, Any] = {"n": [r["n"] for r in rows]}
    for key in ("tau", "flip1", "to_flip"):
        names = rows[0][key].keys() if rows and key in rows[0] else []
        out[key] = {name: [r[key][name] for r in rows] for name in names}
    return out


@torch.no_grad()
def _uniform_token_accuracy(explainer: Any, source: str, reference: str) -> dict[str, int] | None:
    """Teacher-forced on the reference: tokens predicted right with the model's attention and with uniform
    attention (global mechanisms only; local windows have no uniform counterpart here)."""
    from ..models.special_tokens import BOS, EOS
    model = explainer.model
    if model.is_local:
        return None
    ids, _ = explainer.encode(source)
    target = explainer.tok.encode(reference).ids[:120] + [EOS]
    src = torch.tensor([ids], device=explainer.device)
    tgt_in = torch.tensor([[BOS] + target[:-1]], device=explainer.device)
    gold = torch.tensor(target, device=explainer.device)
    lengths = torch.tensor([len(ids)])
    own = int((model(src, lengths, tgt_in)[0][0].argmax(-1) == gold).sum())
    with replaced_weights(model, uniform_weights):
        flat = int((model(src, lengths, tgt_in)[0][0].argmax(-1) == gold).sum())
    return {"tokens": len(target), "correct": own, "correct_uniform": flat}


# ----------------------------------------------------------------------------------------------- MiniLM
def minilm_example(model: Any, index: int, text: str, gold: str) -> dict[str, Any]:
    """One Rotten Tomatoes snippet through MiniLM + head: J&W τ, A&Z per-layer ρ, flips."""
    inp = model.attribution_inputs(text)
    grad = raw_scores(inp, "grad×input")[0][0][0]
    loo = raw_scores(inp, "leave-one-out")[0][0][0]
    imp = model.attention_importance(text)
    real = inp.attributable.cpu().numpy()
    idx = np.flatnonzero(real)          # word pieces only ([CLS]/[SEP] cannot be blanked)
    columns = [[int(j)] for j in idx]
    kinds = {k: imp[k] for k in ("raw", "rollout", "flow") if imp[k] is not None}
    rec: dict[str, Any] = {"i": index, "gold": gold, "pred": inp.target_labels[0], "n": len(idx),
                           "flow": imp["flow"] is not None, "tau": {}, "az": {}}
    for kind, per_layer in kinds.items():
        last = per_layer[-1][idx]
        rec["tau"][kind] = {"gradient": _tau(last, grad[idx]), "leave-one-out": _tau(last, loo[idx])}
        rec["az"][kind] = {"blank-out": [_spearman(layer[idx], loo[idx]) for layer in per_layer],
                           "gradient": [_spearman(layer[idx], np.abs(grad[idx])) for layer in per_layer]}
    att = imp["rollout"][-1][idx]
    rankings = {"attention": att, "gradient": grad[idx], "leave-one-out": loo[idx],
                "random": np.random.default_rng([index, 0]).random(len(idx))}
    results = first_flips(inp, [FlipJob(0, columns, _order(rankings[name])) for name in RANKINGS])
    rec["flip1"] = {name: f for name, (f, _) in zip(RANKINGS, results)}
    rec["to_flip"] = {name: k for name, (_, k) in zip(RANKINGS, results)}
    return rec


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(stats.spearmanr(a, b).statistic)


# --------------------------------------------------------------------------------------------- registry
def kind_of(model_id: str) -> str:
    """Which evaluation a model gets: document / sentence / translation / minilm."""
    if model_id == MINILM:
        return "minilm"
    from ..models import get_spec
    task = get_spec(model_id).task
    kinds = {Task.DOCUMENT_CLASSIFICATION: "classifier", Task.SENTENCE_CLASSIFICATION: "classifier",
             Task.TRANSLATION: "translation"}
    if task not in kinds:
        raise ValueError(f"{model_id} ({task}) has no faithfulness evaluation")
    return kinds[task]


def test_set_of(model_id: str) -> str:
    """The held-out set a model is evaluated on (see :mod:`.heldout_sets`)."""
    if model_id == MINILM:
        return "rotten-tomatoes-by-movie"
    from ..models import get_spec
    family = get_spec(model_id).family
    return {"bbc-news": "bbc-news", "rotten-tomatoes": "rotten-tomatoes"}.get(family, family)


DEFAULT_N = {"bbc-news": 100, "rotten-tomatoes": 300, "rotten-tomatoes-by-movie": 200, "bible-en-fr": 40,
             "dates-en-fr": 100}   # held-out examples per model (the translation sets are shipped whole)


def shipped_models() -> list[str]:
    """Every model ``--all`` evaluates: the shipped classifiers and translators, and MiniLM with its head."""
    from ..models import list_models
    ids = [s.id for s in list_models() if s.shipped and s.task in (Task.DOCUMENT_CLASSIFICATION,
                                                                   Task.SENTENCE_CLASSIFICATION, Task.TRANSLATION)]
    return ids + [MINILM]


def output_path(model_id: str, root: Path = WEIGHTS_DIR) -> Path:
    """``<root>/<model id>/faithfulness.json``."""
    return Path(root) / model_id / FILE


def evaluate(model_id: str, n: int | None = None, progress: bool = False) -> dict[str, Any]:
    """Run every measurement on the first ``n`` held-out examples → the JSON document (examples + tables)."""
    from .heldout_sets import examples as heldout
    kind = kind_of(model_id)
    name = test_set_of(model_id)
    n = DEFAULT_N.get(name, 100) if n is None else int(n)
    data = heldout(name)[:n]
    if kind == "minilm":
        from .minilm_head import minilm_sentiment
        model, run = minilm_sentiment(), minilm_example
    else:
        from ..models import load_model
        model, run = load_model(model_id), classifier_example if kind == "classifier" else translation_example
    start = time.perf_counter()
    records = []
    for i, (text, gold) in enumerate(data):
        records.append(_r_tree(run(model, i, text, gold)))
        if progress:
            print(f"\r{model_id}: {i + 1}/{len(data)}", end="", flush=True)
    if progress:
        print()
    doc = {"version": VERSION, "model": model_id, "kind": kind, "test_set": test_set_of(model_id), "n": len(records),
           "settings": settings(), "examples": records}
    doc["tables"] = tables(doc)
    doc["runtime_seconds"] = round(time.perf_counter() - start, 1)
    return doc


def _r_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _r_tree(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        return [_r_tree(v) for v in value]
    return _r(value)


def settings() -> dict[str, Any]:
    """What the numbers mean (stored with them)."""
    return {"gradient": "gradient × input (Captum InputXGradient on the embeddings), summed over the embedding "
                        "and over an item's tokens; |·| for τ, signed for erasure rankings",
            "leave-one-out": "Captum FeatureAblation: p(decision) − p(decision with the item replaced by the "
                             "unknown-word token); |·| for τ, signed for rankings (the best single item)",
            "erasure": "items replaced by the unknown-word token; first flip searched at k = 1..10 items, then ×1.5 "
                       f"up to all items (translation: k = 1..{TRANSLATION_FLIP_LIMIT} per generated token)",
            "tau": "Kendall τ-b (scipy), attention vs importance, per example (per generated token for translation)",
            "uniform": "every hookable attention distribution frozen to uniform over the real keys at test time",
            "bootstrap": f"percentile intervals, {BOOTSTRAP} resamples, seed 0",
            "minilm": "pooled output: raw = mean over query rows of layer l's head-mean attention; rollout with "
                      "½A+½I; flow = networkx max-flow from a source feeding every top token 1/T, only for "
                      "inputs of ≤ 32 tokens"}


# ------------------------------------------------------------------------------------------------ tables
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
                out.setdefault(f"{kind} (last layer)", []).append(
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
    return _r_tree({"jain_wallace": jain_wallace(doc), "flips": flips(doc), "uniform": uniform(doc),
                    "abnar_zuidema": abnar_zuidema(doc)})


# --------------------------------------------------------------------------------------------------- I/O
def write(doc: dict[str, Any], root: Path = WEIGHTS_DIR) -> Path:
    """Write ``doc`` to ``<root>/<model id>/faithfulness.json`` (compact)."""
    path = output_path(doc["model"], root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def read(model_id: str, root: Path = WEIGHTS_DIR) -> dict[str, Any] | None:
    """The shipped faithfulness document of ``model_id`` (None when there is none or it is unreadable)."""
    path = output_path(model_id, root)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_cli(args: argparse.Namespace) -> int:
    """The ``faithfulness`` subcommand: evaluate the chosen models and write their JSON (+ the docs tables)."""
    torch.set_num_threads(max(1, int(args.threads)))
    ids = shipped_models() if args.all else list(args.model or [])
    if not ids:
        print("error: give --model ID (repeatable) or --all")
        return 2
    root = Path(args.out) if args.out else WEIGHTS_DIR
    for model_id in ids:
        try:
            kind_of(model_id)
        except (KeyError, ValueError) as exc:
            print(f"error: {exc.args[0]}")
            return 2
    start = time.perf_counter()
    for model_id in ids:
        doc = evaluate(model_id, args.n, progress=not args.quiet)
        path = write(doc, root)
        print(f"{model_id}: {doc['n']} examples in {doc['runtime_seconds']:.0f} s → {path}")
    if args.docs:
        from .report import update_docs
        update_docs(Path(args.docs), root)
        print(f"tables written into {args.docs}")
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0
