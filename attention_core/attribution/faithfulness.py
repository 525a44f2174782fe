"""Is attention faithful? Test-set measurements per model, written as small JSON beside its weights.

``python -m attention_core faithfulness --model ID [--n N]`` (or ``--all``) runs, for the first N held-out
examples of the model's test set:

* **Jain & Wallace 2019** — Kendall τ between attention and two importance measures, gradient × input and
  leave-one-out (Captum), with τ's p-value; summarised as mean ± sd and the share with p < 0.05, per
  predicted class.
* **Input-token erasure** (after Serrano & Smith 2019's question, but on the input, not on the attention
  weights — their intervention is in :mod:`.weight_interventions`) — blank the top-ranked item by attention,
  by gradient, at random, or by leave-one-out (the best single item, an oracle); the share of decisions that flip (with a 95 %
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
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..checkpoint import WEIGHTS_DIR
from ..mechanisms import replaced_weights, uniform_weights
from .agreement import agreement, spearman
from .erasure import FlipJob, first_flips, position_scores
from .inputs import AttributionInputs
from .pairing import attention_like
from .records import raw_scores
from .summaries import BOOTSTRAP, RANKINGS, rounded_tree, tables

VERSION = 1
TRANSLATION_FLIP_LIMIT = 3          # per generated token: remove at most 3 source tokens (cost: rows × V)
FILE = "faithfulness.json"


# ---------------------------------------------------------------------------------------------- helpers
def _columns_of(inp: AttributionInputs, level: str | None) -> tuple[list[list[int]], list[int]]:
    """The columns (position groups) of every slot at ``level``, and each column's slot index."""
    cols, owner = [], []
    for i, slot in enumerate(inp.slots):
        if slot.level == level:
            cols += slot.columns
            owner += [i] * len(slot.columns)
    return cols, owner


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
        rec["az"][kind] = {"blank-out": [spearman(layer[idx], loo[idx]) for layer in per_layer],
                           "gradient": [spearman(layer[idx], np.abs(grad[idx])) for layer in per_layer]}
    att = imp["rollout"][-1][idx]
    rankings = {"attention": att, "gradient": grad[idx], "leave-one-out": loo[idx],
                "random": np.random.default_rng([index, 0]).random(len(idx))}
    results = first_flips(inp, [FlipJob(0, columns, _order(rankings[name])) for name in RANKINGS])
    rec["flip1"] = {name: f for name, (f, _) in zip(RANKINGS, results)}
    rec["to_flip"] = {name: k for name, (_, k) in zip(RANKINGS, results)}
    return rec


# --------------------------------------------------------------------------------------------- registry
def kind_of(model_id: str) -> str:
    """Which evaluation a model gets, from its declarations: ``translation`` (attributed per generated token),
    ``minilm`` (a head's decision on a multi-head encoder: pooled raw / rollout / flow attention) or
    ``classifier``. ``ValueError`` (one line) when it declares no attribution or no held-out set."""
    from ..models import get_spec
    caps = get_spec(model_id).capabilities
    if caps.attribution is None:
        raise ValueError(f"{model_id} declares no attribution, so it has no faithfulness evaluation")
    if caps.family.heldout is None:
        raise ValueError(f"{model_id} declares no held-out set (Family.heldout), so it has no faithfulness "
                         "evaluation")
    # the shipped JSON calls the encoder evaluation "minilm"
    return {"encoder": "minilm"}.get(caps.attribution_kind, caps.attribution_kind)


def test_set_of(model_id: str) -> str:
    """The held-out set a model is evaluated on: its family's declared one (see :mod:`.heldout_sets`)."""
    from ..models import get_spec
    name = get_spec(model_id).capabilities.family.heldout
    if name is None:
        raise ValueError(f"{model_id} declares no held-out set")
    return name


DEFAULT_N = {"bbc-news": 50, "rotten-tomatoes": 300, "rotten-tomatoes-by-movie": 150, "bible-en-fr": 40,
             "dates-en-fr": 100}   # held-out examples per model (the translation sets are shipped whole)


def heldout_slice(model_id: str, n: int | None, defaults: dict[str, int], fallback: int) -> list[Any]:
    """The first ``n`` (None: the measure's default for the set, else ``fallback``) examples of the held-out
    set ``model_id`` is evaluated on, as ``(input, gold)`` pairs."""
    from .heldout_sets import examples as heldout
    name = test_set_of(model_id)
    return heldout(name)[:defaults.get(name, fallback) if n is None else int(n)]


def shipped_models() -> list[str]:
    """Every model ``--all`` evaluates: the shipped models that declare attribution and a held-out set."""
    from ..capabilities import Needs
    from ..models import list_models
    return [s.id for s in list_models(Needs(attributable=True))
            if s.shipped and not s.capabilities.user and s.capabilities.family.heldout is not None]


def output_path(model_id: str, root: Path = WEIGHTS_DIR) -> Path:
    """``<root>/<model id>/faithfulness.json``."""
    return Path(root) / model_id / FILE


def evaluate(model_id: str, n: int | None = None, progress: bool = False) -> dict[str, Any]:
    """Run every measurement on the first ``n`` held-out examples → the JSON document (examples + tables)."""
    kind = kind_of(model_id)
    data = heldout_slice(model_id, n, DEFAULT_N, 100)
    from ..models import load_model
    explainer = load_model(model_id)
    if kind == "minilm":   # the encoder's decision is its head's (ExplainerBase.attributor)
        model, run = explainer.attributor(), minilm_example
    else:
        model, run = explainer, classifier_example if kind == "classifier" else translation_example
    start = time.perf_counter()
    records = []
    for i, (text, gold) in enumerate(data):
        records.append(rounded_tree(run(model, i, text, gold)))
        if progress:
            print(f"\r{model_id}: {i + 1}/{len(data)}", end="", flush=True)
    if progress:
        print()
    doc = {"version": VERSION, "model": model_id, "kind": kind, "test_set": test_set_of(model_id), "n": len(records),
           "settings": settings(), "examples": records}
    doc["tables"] = tables(doc)
    doc["runtime_seconds"] = round(time.perf_counter() - start, 1)
    return doc


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
    """The ``faithfulness`` subcommand: run the chosen measure on the chosen models and write their JSON
    (+ the docs tables).

    Everything is checked before the first model runs (ids, the held-out sets, where to write, the docs file);
    the JSON files and the docs are written only after every model is evaluated, so Ctrl-C or a failure
    writes nothing.
    """
    from .measures import get_measure

    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2
    measure = get_measure(getattr(args, "measure", None) or "agreement")
    if args.all:
        ids = [m for m in measure.models() if measure.problem(m) is None]
    else:
        ids = list(args.model or [])
    if not ids:
        return fail("give --model ID (repeatable) or --all")
    from ..models import ModelLoadError, get_spec
    for model_id in ids:
        try:
            get_spec(model_id) if not measure.reads_heldout(model_id) else kind_of(model_id)
        except (KeyError, ValueError, ModelLoadError) as exc:   # unknown id, nothing to evaluate, bad hf: folder
            return fail(str(exc.args[0]))
        if measure.problem(model_id):
            return fail(measure.problem(model_id))
    if args.out is None and not args.ship:
        return fail(f"give --out DIR (writes DIR/<model id>/{measure.file}) or --ship (writes into the shipped "
                    "weights, attention_core/weights/)")
    root = Path(args.out) if args.out is not None else WEIGHTS_DIR
    if args.docs:
        try:
            text = Path(args.docs).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return fail(f"cannot read --docs {args.docs}: {getattr(exc, 'strerror', None) or exc}")
        if measure.start not in text or measure.end not in text:
            return fail(f"--docs {args.docs} has no {measure.start} … {measure.end} block to rewrite")
    problem = missing_data([m for m in ids if measure.reads_heldout(m)])
    if problem:
        return fail(problem)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    progress = not args.quiet and sys.stdout.isatty()   # piped stdout carries the results only
    docs = [measure.evaluate(model_id, args.n, progress=progress) for model_id in ids]
    for doc in docs:
        path = measure.write(doc, root)
        print(f"{doc['model']}: {doc['n']} examples in {doc['runtime_seconds']:.0f} s → {path}")
    if args.docs:
        if measure.name == "agreement":
            from .report import update_docs
            update_docs(Path(args.docs), root)
        else:
            measure.update_docs(Path(args.docs), root, _listed(ids, root, measure))
        if measure.figure is not None:
            for doc in docs:
                print(f"figure → {measure.figure(doc, Path(args.docs).parent / 'figures')}")
        print(f"tables written into {args.docs}")
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


def _listed(ids: list[str], root: Path, measure: Any) -> list[str]:
    """The models whose tables the docs show: every shipped one with a document under ``root`` (so running one
    model does not drop the others' tables), then any others just run."""
    everyone = measure.models()
    return [m for m in everyone if measure.path(m, root).exists()] + [m for m in ids if m not in everyone]


def missing_data(ids: list[str]) -> str | None:
    """One line naming the first held-out set that cannot be read here (and how to install it), or None."""
    from .heldout_sets import examples as heldout
    for name in dict.fromkeys(test_set_of(m) for m in ids):
        try:
            if not heldout(name):
                return f"the held-out set {name} is empty here"
        except (RuntimeError, ImportError, OSError, KeyError) as exc:
            reason = str(exc.args[0]) if exc.args else type(exc).__name__
            return f"the held-out set {name} cannot be read: {reason}"
    return None
