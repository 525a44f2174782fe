"""Why the captioners name small objects better on validation than on the held-out scenes (issue 20 item 3, round 10).

    python -m training.caption_source_gap --out docs/metrics_caption_round10_source_gap.json

Round 7's soft captioner names 0.925 of the small objects in the 150 validation-source scenes its head bias was chosen
on, but 0.876 in the 200 held-out ones. The two sets differ in their source items: validation scenes draw from
Fashion-MNIST training items 20,000–20,999 and 40 digits per class, the held-out ones from Fashion-MNIST test items
6,000–9,999 and 100 digits per class (``attention_core.data.scenes.SOURCES``). Here small-kind scenes are drawn from
every source split alike (same kind, same count, ``make_kind_scenes(kind, n, split)``), each decoded by the shipped
captioners as declared (``caption_robustness.captioner_captions``), and per split: name accuracy (soft, hard, and the
encoder-head namer given the gold box) over all objects, digits and clothing, per class, and the share of digits,
with scene-bootstrap intervals; each split's accuracy minus validation's (independent bootstraps); the same on the
first scenes only (the sets the rounds used: 150 validation, 200 held-out). Nothing here chooses anything.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scene_kinds import make_kind_scenes
from training.caption_robustness import RESAMPLES, captioner_captions, head_name
from training.captioning import parse_caption

SPLITS = ("valid", "heldout", "test", "train")
NAMERS = ("soft", "hard", "head")
GROUPS = {"all": lambda name: True, "digits": str.isdigit, "clothing": lambda name: not name.isdigit()}


def object_records(folder: Path, scenes: list[dict]) -> list[dict]:
    """Per gold object of ``scenes``: its scene, name, and the name each captioner gave its cell (None: cell not
    named) and the encoder-head namer's (gold box, the encoder's own read)."""
    captions, reads = captioner_captions(folder, scenes)
    logits = reads[json.dumps(None)]["logits"]
    out = []
    for i, scene in enumerate(scenes):
        said = {d: {cell: name for _, name, cell in parse_caption(caps[i][0])} for d, caps in captions.items()}
        for obj in scene["objects"]:
            out.append({"scene": i, "name": obj["name"], "head": head_name(logits[i], obj["box"]),
                        **{d: said[d].get(obj["cell"]) for d in captions}})
    return out


def tallies(records: list[dict], namer: str, group: str = "all", count: int | None = None,
            ) -> tuple[np.ndarray, np.ndarray]:
    """Per scene (``count`` scenes; default: as many as the records name), the objects of ``group`` that ``namer``
    named right and those it placed (named its cell)."""
    count = max(r["scene"] for r in records) + 1 if count is None else count
    right, placed = np.zeros(count), np.zeros(count)
    for r in records:
        if r[namer] is not None and GROUPS[group](r["name"]):
            placed[r["scene"]] += 1
            right[r["scene"]] += r[namer] == r["name"]
    return right, placed


def accuracy(records: list[dict], namer: str, group: str = "all", scenes: np.ndarray | None = None) -> float:
    """Name accuracy of ``namer`` over the placed objects of ``group`` (in the scenes ``scenes``, with repeats)."""
    right, placed = tallies(records, namer, group)
    weight = np.ones_like(right) if scenes is None else np.bincount(scenes, minlength=len(right))[:len(right)]
    return float(weight @ right / (weight @ placed)) if weight @ placed else float("nan")


def draws(count: int, resamples: int, seed: int) -> np.ndarray:
    """Scene-bootstrap resamples of ``count`` scenes as weights ``[resamples, count]`` (how often each is drawn)."""
    rng = np.random.default_rng(seed)
    return np.stack([np.bincount(rng.integers(0, count, count), minlength=count) for _ in range(resamples)])


def split_summary(records: list[dict], count: int, resamples: int = RESAMPLES, seed: int = 0) -> dict[str, object]:
    """One split's accuracies (value, 95 % scene-bootstrap interval) per namer and group, per-class accuracy (soft),
    the digits' share of the objects, and the bootstrap values (kept for :func:`differences`, not written)."""
    weights = draws(count, resamples, seed)
    out: dict[str, object] = {"objects": len(records),
                              "digit_share": round(sum(r["name"].isdigit() for r in records) / len(records), 4)}
    boot = {}
    for namer in NAMERS:
        for group in GROUPS:
            right, placed = tallies(records, namer, group, count)
            with np.errstate(invalid="ignore", divide="ignore"):
                values = weights @ right / (weights @ placed)
            boot[(namer, group)] = values
            out[f"{namer} {group}"] = {"value": round(accuracy(records, namer, group), 4),
                                       "interval": [round(float(v), 4) for v in np.nanpercentile(values, [2.5, 97.5])]}
    classes = sorted({r["name"] for r in records})
    out["soft per class"] = {c: round(accuracy([r for r in records if r["name"] == c], "soft"), 3) for c in classes}
    out["_boot"] = boot
    return out


def differences(a: dict, b: dict) -> dict[str, dict]:
    """``a`` − ``b`` (two :func:`split_summary`, independent scenes) per namer and group, with the interval of the
    difference of their independent bootstrap values."""
    out = {}
    for key, values in a["_boot"].items():
        diff = values - b["_boot"][key]
        out[" ".join(key)] = {"value": round(a[" ".join(key)]["value"] - b[" ".join(key)]["value"], 4),
                              "interval": [round(float(v), 4) for v in np.nanpercentile(diff, [2.5, 97.5])]}
    return out


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folder", type=Path, default=WEIGHTS_DIR / "caption", help="weights (…/caption)")
    p.add_argument("--kind", default="small (~30 px)")
    p.add_argument("--scenes", type=int, default=600, help="scenes per source split")
    p.add_argument("--first", nargs=2, type=int, default=[150, 200], help="the validation and held-out sets' sizes")
    p.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    p.add_argument("--resamples", type=int, default=RESAMPLES)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--records", type=Path, help="also write every object's record here (JSON)")
    p.add_argument("--from-records", type=Path, help="summarise the records an earlier run wrote instead")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.from_records:              # an earlier run's records (same kind and scenes): only the summaries again
        records = {s: r for s, r in json.loads(a.from_records.read_text()).items() if s in a.splits}
    else:
        records = {s: object_records(a.folder, make_kind_scenes(a.kind, a.scenes, s)) for s in a.splits}
    if a.records and not a.from_records:
        a.records.write_text(json.dumps(records) + "\n")
    summaries = {s: split_summary(r, a.scenes, a.resamples) for s, r in records.items()}
    firsts = {f"{s} first {n}": split_summary([r for r in records[s] if r["scene"] < n], n, a.resamples)
              for s, n in zip(("valid", "heldout"), a.first) if s in records}
    result = {"folder": str(a.folder), "kind": a.kind, "scenes_per_split": a.scenes,
              "splits": {**summaries, **firsts},
              "minus_valid": {s: differences(v, summaries["valid"]) for s, v in summaries.items() if s != "valid"}}
    for v in result["splits"].values():
        v.pop("_boot")
    a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    for s, v in result["splits"].items():
        print(s, json.dumps({k: v[k]["value"] for k in ("soft all", "soft digits", "soft clothing", "head all")}),
              "digits", v["digit_share"], flush=True)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
