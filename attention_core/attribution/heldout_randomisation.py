"""The model-randomisation check over held-out examples: records, tables, Markdown and one figure per family.

Per example, :func:`.randomisation.cascade_record` on the model's cascade (blocks without parameters — a
dot-product attention — are left out, since there is nothing to re-initialise). Integrated gradients runs
with a fixed 32 points here (a random model can make the completeness search run to 256 points at every
stage). Tables: per stage and map kind, the mean Spearman ρ with the trained model's map and its 95 %
bootstrap interval over examples.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .heldout_eraser import interval
from .randomisation import CASCADES, cascade_record
from .rankings import classifier_rankings, minilm_rankings, translation_rankings
from .summaries import rounded_tree

FILE = "randomisation.json"
VERSION = 1
START, END = "<!-- randomisation -->", "<!-- /randomisation -->"
DEFAULT_N = {"bbc-news": 5, "rotten-tomatoes": 30, "rotten-tomatoes-by-movie": 10, "bible-en-fr": 10,
             "dates-en-fr": 20}
METHODS = ("grad×input", "integrated-gradients")
IG_FIXED = {"integrated-gradients": {"steps": 32, "max_steps": 32}}
FIGURES = Path(__file__).resolve().parents[2] / "docs" / "figures"


VISION_N = 6               # composed test scenes for a vision transformer (≈ 14 stages × 10 s each)


def is_vision(model_id: str) -> bool:
    """True for a shipped vision transformer: an image model declaring per-layer, per-head self-attention over
    a patch grid (DINOv2-S)."""
    from ..capabilities import MapKind
    from ..models import get_spec
    caps = get_spec(model_id).capabilities
    return (caps.input.value == "image" and not caps.user
            and caps.draws(MapKind.SELF, MapKind.LAYERS_HEADS, MapKind.PATCH_GRID))


def _key(model_id: str) -> str:
    """Which cascade a model gets; ``ValueError`` (one line) when the check does not cover it."""
    from ..models import get_spec
    from .faithfulness import kind_of
    if is_vision(model_id):
        return "vision"
    kind = kind_of(model_id)
    key = kind if kind in ("translation", "minilm") else get_spec(model_id).mechanism
    if key not in CASCADES:
        raise ValueError(f"the randomisation check covers Lin, HAN, the translators, MiniLM and DINOv2-S; not {model_id}")
    return key


def minilm_parts(sentiment: Any) -> Any:
    """MiniLM + head as one module: the head, the encoder gradients run through ("fast") and the eager copy
    the attention is read from ("eager"; kept equal to "fast" by :func:`synced`)."""
    from torch import nn
    return nn.ModuleDict({"head": sentiment.head, "fast": sentiment.fast, "eager": sentiment.encoder.model})


def synced(parts: Any) -> None:
    """Copy the (randomised) gradient encoder into the eager one, so attention and gradients see one model."""
    parts["eager"].load_state_dict(parts["fast"].state_dict())


def model_of(model_id: str) -> Any:
    """The module the cascade acts on."""
    from ..models import load_model
    explainer = load_model(model_id)
    return minilm_parts(explainer.attributor()) if _key(model_id) == "minilm" else explainer.model


def cascade_of(model_id: str) -> list[tuple[str, list[str]]]:
    """The top-down cascade of ``model_id``'s blocks that hold parameters; ``ValueError`` (one line) when the
    check does not cover the model."""
    key = _key(model_id)
    model = model_of(model_id)
    out = []
    for name, paths in CASCADES[key]:
        modules = [_get(model, p) for p in paths]
        if any(m is not None and sum(q.numel() for q in m.parameters()) for m in modules):
            out.append((name, [p for p, m in zip(paths, modules) if m is not None]))
    return out


def _get(model: Any, path: str) -> Any:
    for part in path.split("."):
        model = getattr(model, part, None)
        if model is None:
            return None
    return model


def check(model_id: str) -> None:
    """``ValueError`` (one line) when the check does not cover ``model_id`` (or, for a vision transformer, the
    composed scenes cannot be made here)."""
    if _key(model_id) == "vision":
        from .heldout_localisation import scenes_available
        scenes_available()


def reads_heldout(model_id: str) -> bool:
    """True when the check runs on the model's held-out text set (a vision transformer runs on scenes)."""
    return not is_vision(model_id)


def _vision_records(model_id: str, n: int | None, progress: bool) -> tuple[list[dict[str, Any]], str]:
    """The cascade on the first ``n`` composed test scenes (black canvas) → records and the set's name."""
    from ..data.scenes import make_scenes
    from ..models import load_model
    from .heldout_localisation import SEED, SIZE
    from .vision_maps import cls_direction, patch_maps
    explainer = load_model(model_id)
    cascade = cascade_of(model_id)
    n = VISION_N if n is None else int(n)
    records = []
    for i, scene in enumerate(make_scenes("test", n, SEED)):
        direction = cls_direction(explainer, scene["image"], SIZE)       # the trained model's, fixed
        keep = np.ones(SIZE // explainer.patch * (SIZE // explainer.patch), dtype=bool)
        rec = cascade_record(explainer.model, lambda s=scene, d=direction: (patch_maps(explainer, s["image"], d, SIZE),
                                                                          keep), cascade, seed=i)
        records.append(rounded_tree({"i": i, **rec}))
        if progress:
            print(f"\r{model_id} (randomisation): {i + 1}/{n}", end="", flush=True)
    return records, f"composed test scenes (seed {SEED}), black canvas"


def evaluate(model_id: str, n: int | None = None, progress: bool = False) -> dict[str, Any]:
    """The cascade on the first ``n`` held-out examples → the JSON document (examples + tables)."""
    from ..models import load_model
    from .faithfulness import heldout_slice, test_set_of
    if _key(model_id) == "vision":
        start = time.perf_counter()
        records, test_set = _vision_records(model_id, n, progress)
        if progress:
            print()
        doc = {"version": VERSION, "model": model_id, "test_set": test_set, "n": len(records),
               "cascade": [c for c, _ in cascade_of(model_id)], "settings": {**SETTINGS, **VISION_SETTINGS},
               "examples": records}
        doc["tables"] = tables(doc)
        doc["runtime_seconds"] = round(time.perf_counter() - start, 1)
        return doc
    data = heldout_slice(model_id, n, DEFAULT_N, 10)
    explainer = load_model(model_id)
    cascade = cascade_of(model_id)
    key = _key(model_id)
    module = model_of(model_id)
    start = time.perf_counter()
    records = []
    for i, (text, gold) in enumerate(data):
        def maps_of(text: str = text, gold: str = gold, i: int = i) -> tuple[dict[str, np.ndarray], np.ndarray]:
            if key == "minilm":
                synced(module)
                # the maps the shipped check was run with (the value-aware readings are scored by ERASER)
                ranked = minilm_rankings(explainer.attributor(), text, i, METHODS, IG_FIXED, value_aware=False)
            elif key == "translation":
                ranked = translation_rankings(explainer, text, gold, i, METHODS, IG_FIXED)
            else:
                ranked = classifier_rankings(explainer, text, i, METHODS, IG_FIXED)
            scores = {k: v for k, v in ranked.scores.items() if k != "random"}
            return scores, ranked.inputs.attributable.reshape(-1).cpu().numpy()
        rec = cascade_record(module, maps_of, cascade, seed=i)
        records.append(rounded_tree({"i": i, **rec}))
        if progress:
            print(f"\r{model_id} (randomisation): {i + 1}/{len(data)}", end="", flush=True)
    if progress:
        print()
    doc = {"version": VERSION, "model": model_id, "test_set": test_set_of(model_id), "n": len(records),
           "cascade": [c for c, _ in cascade], "settings": SETTINGS, "examples": records}
    doc["tables"] = tables(doc)
    doc["runtime_seconds"] = round(time.perf_counter() - start, 1)
    return doc


SETTINGS = {"cascade": "blocks re-initialised cumulatively from the output layer down, each by its modules' own "
                       "reset_parameters (PyTorch's initialisers; HAN's context vectors N(0, 1/size)), seeded by the "
                       "example; trained weights restored after each example",
            "rho": "Spearman ρ (scipy) between the trained and the randomised map over the removable positions; "
                   "|·| for gradient × input and integrated gradients; translators: per reference token, averaged",
            "integrated gradients": "32 Gauss–Legendre points at every stage; classifiers from the neutral baseline "
                                    "searched for the model at hand",
            "bootstrap": "percentile 95 % intervals over examples, 2000 resamples, seed 0"}


VISION_SETTINGS = {
    "input": "224 px composed test scenes on their black canvas (16 × 16 patches of 14 px)",
    "target": "DINOv2 has no classifier: the attributions explain ⟨[CLS] embedding, u⟩ with u the trained model's "
              "[CLS] embedding of the same image, fixed through the cascade; pixel attributions summed per patch",
    "integrated gradients": "8 Gauss–Legendre points (captum) from the all-zero normalised image (the mean colour)",
    "attention": "last layer's [CLS] row averaged over heads; the [CLS] row of rollout (½A + ½I); [CLS] column "
                 "dropped",
    "cascade": "final LayerNorm, then blocks 12 → 1, then the patch and position embeddings, re-initialised "
               "cumulatively by the modules' own reset_parameters, other parameters N(0, 1/size), seeded by scene"}


def tables(doc: dict[str, Any]) -> dict[str, Any]:
    """Rows: stage × map kind → mean ρ [interval] over examples."""
    rows = []
    if not doc["examples"]:
        return {"rho": rows}
    # MiniLM's flow exists only for short inputs: a kind is summarised over the examples that have it
    kinds = list(dict.fromkeys(k for ex in doc["examples"] for k in ex["rho"][0]))
    for s, stage in enumerate(doc["cascade"]):
        for kind in kinds:
            mean, low, high = interval([ex["rho"][s].get(kind) for ex in doc["examples"]])
            rows.append({"stage": s + 1, "randomised": stage, "map": kind, "mean": mean, "low": low, "high": high,
                         "n": sum(ex["rho"][s].get(kind) is not None for ex in doc["examples"])})
    return rounded_tree({"rho": rows})


def figure(doc: dict[str, Any], folder: Path = FIGURES) -> Path:
    """A line per map kind: mean ρ (band = interval) against the number of blocks re-initialised → PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = doc["tables"]["rho"]
    # single hops stay in the table; the figure keeps their mean, so the lines can be told apart
    kinds = [k for k in dict.fromkeys(r["map"] for r in rows) if not k.startswith("attention: hop ") or k.endswith("mean")]
    stages = ["trained"] + [f"+ {s}" for s in doc["cascade"]]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for kind in kinds:
        mine = [r for r in rows if r["map"] == kind]
        x = np.arange(len(mine) + 1)
        mean = [1.0] + [np.nan if r["mean"] is None else r["mean"] for r in mine]
        low = [1.0] + [np.nan if r["low"] is None else r["low"] for r in mine]
        high = [1.0] + [np.nan if r["high"] is None else r["high"] for r in mine]
        ax.plot(x, mean, marker="o", label=kind)
        ax.fill_between(x, low, high, alpha=0.15)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(len(stages)), stages, rotation=25, ha="right", fontsize=8)
    ax.set_ylabel("Spearman ρ with the trained model's map")
    ax.set_ylim(-0.7, 1.05)
    unit = "scenes" if is_vision(doc["model"]) else "held-out examples"
    ax.set_title(f"{doc['model']}: cascading randomisation, n = {doc['n']} {unit}", fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"randomisation-{doc['model'].replace('/', '-')}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown(docs: list[dict[str, Any]]) -> str:
    """Per model: ρ per stage and map kind [interval], and its figure."""
    if not docs:
        return "No randomisation results yet: run `python -m attention_core faithfulness --measure randomisation`."
    parts = []
    for doc in docs:
        rows = doc["tables"]["rho"]
        kinds = list(dict.fromkeys(r["map"] for r in rows))
        source = doc["test_set"] if is_vision(doc["model"]) else f"held-out examples of {doc['test_set']}"
        lines = [f"\n**`{doc['model']}`** — first {doc['n']} {source}; ρ with the "
                 "trained model's map [95 % interval] after re-initialising the blocks up to and including:\n",
                 "| blocks re-initialised (cumulative) | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
        for s, stage in enumerate(doc["cascade"]):
            cells = []
            for kind in kinds:
                r = next(x for x in rows if x["stage"] == s + 1 and x["map"] == kind)
                cells.append("–" if r["mean"] is None else f"{r['mean']:.2f} [{r['low']:.2f}, {r['high']:.2f}]")
            lines.append(f"| {s + 1}. {stage} | " + " | ".join(cells) + " |")
        lines.append(f"\n![randomisation {doc['model']}](figures/randomisation-{doc['model'].replace('/', '-')}.png)")
        parts.append("\n".join(lines))
    return "\n".join(parts)
