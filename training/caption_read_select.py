"""Choose, on validation scenes only, the encoder read and the grounded-decoding threshold of each captioner
(issue 20 item 3, round 6).

    python -m training.caption_read_select --out docs/metrics_caption_round6_validation.json

For every read (the shipped one-scale 112-px read; the two-scale read with the region-wise confident pick,
``SceneEncoder(combine="confident")``, with a gate) and every decoder in ``--folder``: greedy captions without
the grounded rule and with it (each ``cells`` variant of ``GroundedRule``) at each threshold of :data:`THRESHOLDS`, on (1) the trainers' 300 validation scenes of the
augmented mix and (2) 150 scenes per kind drawn from the validation split's sources (not the held-out ones).
Per setting: name / object / position accuracy and invented phrases; the selection score is the trainers' own
(object accuracy less invented phrases per gold object) on the validation mix, summed with the kinds'. Nothing
here reads a held-out or card test scene.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scene_kinds import KINDS, make_augmented_scenes, make_kind_scenes
from attention_core.models.scene_encoder import load_scene_encoder
from training.caption_robustness import decoder_counts, head_counts, load_decoder, rate, scene_features
from training.captioning import SPLITS

READS = {"112": None, **{f"112+224 confident, gate {g}": {"scales": [112, 224], "combine": "confident", "gate": g}
                         for g in (0.0, 0.3, 0.6, 0.9)}}
THRESHOLDS = (0.1, 0.3, 0.5, 0.7, 0.9)
DECODERS = ("soft", "hard")


def measures(counts: list[dict]) -> dict[str, float]:
    """Name / object / position accuracy, invented phrases and the selection score of per-scene counts."""
    objects = sum(c["objects"] for c in counts)
    invented = sum(c["invented"] for c in counts)
    return {"name": round(rate(counts, "right", "placed"), 4), "object": round(rate(counts, "right", "objects"), 4),
            "placed": round(rate(counts, "placed", "objects"), 4), "invented": invented,
            "score": round(rate(counts, "right", "objects") - invented / objects, 4)}


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folder", type=Path, default=WEIGHTS_DIR / "caption", help="weights (…/caption)")
    p.add_argument("--kind-scenes", type=int, default=150, help="validation-source scenes per kind")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--reads", nargs="*", help="only these reads (names of READS)")
    p.add_argument("--read", type=json.loads, help="score this one read instead (JSON, as a captioner's encoder_read)")
    p.add_argument("--cells", nargs="*", default=["mask", "drop"], help="grounded rule variants (GroundedRule.cells)")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    words = json.loads((a.folder / "vocab.json").read_text())
    decoders = {d: load_decoder(a.folder, d, len(words)) for d in DECODERS}
    sets = {"validation mix 300": make_augmented_scenes("valid", 300, SPLITS["valid"][1]),
            **{kind: make_kind_scenes(kind, a.kind_scenes, "valid") for kind in KINDS}}
    result: dict = {"folder": str(a.folder), "thresholds": list(THRESHOLDS), "reads": {}}
    reads = {json.dumps(a.read): a.read} if a.read else READS
    for read_name, read in reads.items():
        if a.reads and read_name not in a.reads:
            continue
        net = load_scene_encoder(a.folder / "encoder", "cpu", read)
        out = result["reads"][read_name] = {}
        for set_name, scenes in sets.items():
            data = scene_features(scenes, net)
            row = out[set_name] = {"encoder head (gold box)": round(rate(head_counts(data), "right", "objects"), 4)}
            for d, model in decoders.items():
                row[d] = {"free": measures(decoder_counts(model, words, data)),
                          **{f"grounded {cells} {t}": measures(decoder_counts(model, words, data,
                                                                              {"threshold": t, "cells": cells}))
                             for cells in a.cells for t in THRESHOLDS}}
            print(read_name, set_name, json.dumps({d: {k: (v["name"], v["invented"]) for k, v in row[d].items()}
                                                   for d in DECODERS}), flush=True)
        a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
