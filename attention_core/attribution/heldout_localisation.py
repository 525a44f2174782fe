"""Attention against known object masks: records, tables and Markdown, for DINOv2-S and the captioners.

The first N composed test scenes (seeded), each on its black canvas and pasted onto one of the shipped photos
(in turn). DINOv2-S at 224 px (16 × 16 patches): every layer's [CLS] row averaged over heads, each head of the
last layer, the rollout's [CLS] row (½A + ½I), every layer's value-norm [CLS] row (Kobayashi et al. 2020) and the
gradient-weighted rollout's [CLS] row (Chefer et al. 2021; of ⟨[CLS] embedding, that embedding held fixed⟩),
the [CLS] column dropped, scored against the union of the
scene's object masks. A captioner: its α row (7 × 7 regions) for each generated word that names exactly one
object of the scene, scored against that object's mask. Reference maps are scored the same way
(:mod:`.localisation`).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .heldout_eraser import interval
from .localisation import jaccard, mass_inside, object_mask, on_photo, reference_maps
from .summaries import rounded_tree

FILE = "localisation.json"
VERSION = 1
START, END = "<!-- localisation -->", "<!-- /localisation -->"
MODEL = "vision/dinov2-s"
SIZE = 224
SEED = 2021
PHOTOS = ("photo-astronaut.jpg", "photo-chelsea.jpg", "photo-coffee.jpg")
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


CAPTIONERS = ("caption/soft", "caption/hard")


def check(model_id: str) -> None:
    """``ValueError`` (one line) unless ``model_id`` is DINOv2-S or a captioner and the scenes can be made here."""
    if model_id != MODEL and model_id not in CAPTIONERS:
        raise ValueError(f"localisation covers {MODEL} and {', '.join(CAPTIONERS)} (attention against the scenes' "
                         f"object masks); not {model_id}")
    scenes_available()


def scenes_available() -> None:
    """``ValueError`` (one line) when the composed test scenes cannot be made here."""
    try:
        from ..data.scenes import load_sources
        load_sources("test")
    except (OSError, ImportError, RuntimeError) as exc:
        raise ValueError(f"the composed scenes cannot be made here: {exc}") from None


def cls_maps(explainer: Any, image: Any) -> dict[str, np.ndarray]:
    """[CLS] maps ``[16, 16]`` by name: each layer's head mean, each last-layer head, the rollout; then the two
    value-aware readings (:mod:`.value_aware`): each layer's value norms, the gradient-weighted rollout."""
    from ..rollout import attention_rollout
    from .vision_maps import value_aware_cls
    layers = [a.cpu().numpy().astype(np.float64) for a in explainer.attentions(image, SIZE)]   # [H, T, T] each
    side = int(round((layers[0].shape[-1] - 1) ** 0.5))
    grid = (side, side)
    out = {f"layer {l + 1} (head mean)": a[:, 0, 1:].mean(0).reshape(grid) for l, a in enumerate(layers)}
    out.update({f"layer {len(layers)} head {h + 1}": layers[-1][h, 0, 1:].reshape(grid)
                for h in range(layers[-1].shape[0])})
    out["rollout (all layers)"] = attention_rollout(layers, 0.5, rows=[0])[0, 1:].reshape(grid)
    norms, weighted = value_aware_cls(explainer, image, SIZE)
    out.update({f"value norms: layer {l + 1} (Kobayashi)": n.reshape(grid) for l, n in enumerate(norms)})
    out["gradient-weighted rollout (Chefer)"] = weighted.reshape(grid)
    return out


def scene_record(explainer: Any, scene: dict, index: int, background: str, image: Any) -> dict[str, Any]:
    """Jaccard at 60 % mass and mass inside for every map and every reference map, on one image."""
    mask = object_mask(scene, SIZE)
    maps = cls_maps(explainer, image)
    refs = reference_maps(next(iter(maps.values())).shape, [index, 5])
    rec: dict[str, Any] = {"i": index, "background": background, "objects": len(scene["objects"]),
                           "area": float(mask.mean()), "scores": {}}
    for name, amap in {**maps, **refs}.items():
        rec["scores"][name] = {"jaccard": None if name == "uniform" else jaccard(amap, mask),
                               "mass": mass_inside(amap, mask)}
    return rec


def caption_record(explainer: Any, scene: dict, index: int, background: str, image: Any) -> dict[str, Any]:
    """Per generated word naming one object of the scene: its α row scored against that object's mask
    (and the reference maps); ``scores`` holds the mean over those words, ``words`` how many there were."""
    from .localisation import object_mask as mask_of
    result = explainer.explain(image)
    (amap,) = [m for m in result.maps if not m.is_attribution]
    names = [o["name"] for o in scene["objects"]]
    per: dict[str, list[dict[str, Any]]] = {}
    for row, word in enumerate(amap.queries):
        if names.count(word) != 1:
            continue
        obj = scene["objects"][names.index(word)]
        mask = mask_of({"image": scene["image"], "objects": [obj]}, SIZE)
        alpha = np.asarray(amap.weights[row], dtype=np.float64).reshape(amap.grid)
        for name, m in {"α of the word": alpha, **reference_maps(amap.grid, [index, row])}.items():
            per.setdefault(name, []).append({"jaccard": None if name == "uniform" else jaccard(m, mask),
                                             "mass": mass_inside(m, mask), "area": float(mask.mean())})
    words = len(per.get("α of the word", []))
    scores = {name: {"jaccard": None if name == "uniform" else float(np.mean([v["jaccard"] for v in vals])),
                     "mass": float(np.mean([v["mass"] for v in vals]))} for name, vals in per.items()}
    area = float(np.mean([v["area"] for v in per["α of the word"]])) if words else None
    return {"i": index, "background": background, "caption": result.output.text if hasattr(result.output, "text")
            else str(result.output), "words": words, "area": area, "scores": scores}


def evaluate(model_id: str, n: int | None = None, progress: bool = False) -> dict[str, Any]:
    """Score the first ``n`` test scenes (default 40), on black and on a photo → the JSON document."""
    from PIL import Image

    from ..data.scenes import make_scenes
    from ..models import load_model
    check(model_id)
    n = 40 if n is None else int(n)
    explainer = load_model(model_id)
    photos = [Image.open(SAMPLES / p).convert("RGB") for p in PHOTOS]
    start = time.perf_counter()
    records = []
    record = scene_record if model_id == MODEL else caption_record
    for i, scene in enumerate(make_scenes("test", n, SEED)):
        records.append(rounded_tree(record(explainer, scene, i, "black canvas", scene["image"])))
        photo = PHOTOS[i % len(PHOTOS)]
        records.append(rounded_tree(record(explainer, scene, i, "photo",
                                           on_photo(scene, photos[i % len(photos)])) | {"photo": photo}))
        if progress:
            print(f"\r{model_id} (localisation): {i + 1}/{n}", end="", flush=True)
    if progress:
        print()
    settings = {**SETTINGS, **VALUE_AWARE} if model_id == MODEL else SETTINGS
    doc = {"version": VERSION, "model": model_id, "test_set": f"composed test scenes (seed {SEED})", "n": n,
           "settings": settings, "examples": records}
    doc["tables"] = tables(doc)
    doc["runtime_seconds"] = round(time.perf_counter() - start, 1)
    return doc


SETTINGS = {"input": "224 px (16 × 16 patches of 14 px); the scene on its black canvas, and its objects pasted on "
                     "one of the three shipped photos in turn",
            "mask": "union of the objects' non-black pixels inside their boxes",
            "jaccard": "most-attended patches holding 60 % of the map's mass, painted on the pixels, Jaccard with "
                       "the mask (DINO's protocol; uniform has no ranking, so no Jaccard)",
            "mass": "share of the map's mass on object pixels (a patch counts by its share of object pixels)",
            "references": "uniform; centre prior (Gaussian, sd = side / 4); random (seeded by scene)",
            "bootstrap": "percentile 95 % intervals over scenes, 2000 resamples, seed 0"}


VALUE_AWARE = {"value norms": "‖Σ_h α^h_[CLS],j f^h(x_j)‖, f^h = head h's value projection then its slice of the "
                               "output projection (LayerScale not included), per layer (Kobayashi et al. 2020)",
               "gradient-weighted rollout": "R ← R + E_h[(∇A ⊙ A)^+]·R from R = I over the 12 layers, gradients of "
                                            "⟨[CLS] embedding, u⟩ with u that embedding held fixed (DINOv2 has no "
                                            "classifier); its [CLS] row (Chefer et al. 2021)"}


def tables(doc: dict[str, Any]) -> dict[str, Any]:
    """Rows: background × map → mean Jaccard and mean mass inside, each with its interval."""
    rows = []
    backgrounds = list(dict.fromkeys(ex["background"] for ex in doc["examples"]))
    for bg in backgrounds:
        exs = [ex for ex in doc["examples"] if ex["background"] == bg and ex["scores"]]   # captions naming no object: none
        if not exs:
            continue
        for name in exs[0]["scores"]:
            jac = [ex["scores"][name]["jaccard"] for ex in exs]
            rows.append({"background": bg, "map": name, "n": len(exs),
                         "jaccard": interval(jac) if jac[0] is not None else (None, None, None),
                         "mass": interval([ex["scores"][name]["mass"] for ex in exs]),
                         "area": float(np.mean([ex["area"] for ex in exs])),
                         "words": int(sum(ex.get("words", 0) for ex in exs))})
    return rounded_tree({"localisation": rows})


def _cell(values: Any) -> str:
    mean, low, high = values
    if mean is None:
        return "–"
    return f"{100 * mean:.1f} [{100 * low:.1f}, {100 * high:.1f}]"


def markdown(docs: list[dict[str, Any]]) -> str:
    """Per background: every map's Jaccard (×100, as DINO reports it) and mass inside (%), references in bold."""
    if not docs:
        return f"No localisation results yet: run `python -m attention_core faithfulness --measure localisation --model {MODEL}`."
    parts = []
    for doc in docs:
        for bg in dict.fromkeys(r["background"] for r in doc["tables"]["localisation"]):
            rows = [r for r in doc["tables"]["localisation"] if r["background"] == bg]
            what = ("" if doc["model"] == MODEL else f", {rows[0]['words']} generated words that name one of "
                    "their objects, each scored against that object")
            lines = [f"\n**{doc['model']} on {bg}** — {rows[0]['n']} composed test scenes{what}; the object(s) "
                     f"cover {100 * rows[0]['area']:.1f} % of the pixels on average:\n",
                     f"| {'[CLS] map' if doc['model'] == MODEL else 'map'} | Jaccard at 60 % mass ×100 [95 %] | "
                     "mass on the object(s), % [95 %] |", "|---|---|---|"]
            for r in rows:
                name = f"**{r['map']}**" if r["map"] in ("uniform", "centre prior", "random") else r["map"]
                lines.append(f"| {name} | {_cell(r['jaccard'])} | {_cell(r['mass'])} |")
            parts.append("\n".join(lines))
    parts.append("\nRegenerate: " + "; ".join(f"`python -m attention_core faithfulness --measure localisation --model "
                                            f"{d['model']} --n {d['n']} --ship --docs docs/models.md`" for d in docs) + ".")
    return "\n".join(parts)
