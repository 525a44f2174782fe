"""The scene encoder's head (gold box) under two reads of the same scene, with no training (issue 20 item 3, round 5).

    python -m training.caption_read_probe --split valid --scenes 150 --out docs/X.json

The shipped encoder was trained at the 112-px read; read at 224 px (its grid is then 14 × 14, one cell per 16 px
of the scene) a 30-px item looks like a 60-px one at 112. Per kind: the head namer of
``training.caption_robustness`` at each read (cell logits averaged over the box's covered cells of that read's
grid), and a confidence pick between them (per object, the read whose averaged softmax is the more confident),
each minus the 112 read with a paired scene-bootstrap interval. Cheap (no decoder): the gate for whether a read
change can lift small objects before any decoder is trained on it.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scene_kinds import KINDS, make_kind_scenes
from attention_core.models.scene_encoder import SceneEncoder, load_scene_encoder, scene_batch, scene_pixels
from training.caption_robustness import name_difference, rate
from training.scene_encoder import BACKGROUND, ITEM_NAMES, cell_cover, covered_cells

READS = {112: 7, 224: 14}      # read side → grid side


def box_logits(logits: torch.Tensor, box: tuple[int, int, int, int], side: int) -> torch.Tensor:
    """Cell logits ``[21, side, side]`` → the 20 names' logits averaged over the box's covered cells ``[20]``."""
    keep = torch.from_numpy(covered_cells(cell_cover(box, side)))
    return logits.flatten(1).T[keep][:, :BACKGROUND].float().mean(0)


@torch.no_grad()
def probe_kind(net: SceneEncoder, scenes: list[dict]) -> dict[str, list[dict]]:
    """Per read (and the confidence pick): per-scene counts in ``caption_robustness.rate``'s form."""
    logits = {side: net.head(net.body(scene_batch(np.stack([scene_pixels(s["image"], side) for s in scenes]))))
              for side in READS}
    counts: dict[str, list[dict]] = {"read 112": [], "read 224": [], "confidence pick": []}
    for i, scene in enumerate(scenes):
        right = dict.fromkeys(counts, 0)
        for obj in scene["objects"]:
            votes = {side: box_logits(logits[side][i], tuple(obj["box"]), grid) for side, grid in READS.items()}
            probs = {side: v.softmax(0) for side, v in votes.items()}
            pick = max(probs, key=lambda side: float(probs[side].max()))
            for key, guess in (("read 112", votes[112]), ("read 224", votes[224]), ("confidence pick", probs[pick])):
                right[key] += ITEM_NAMES[int(guess.argmax())] == obj["name"]
        for key in counts:
            n = len(scene["objects"])
            counts[key].append({"objects": n, "placed": n, "right": right[key], "invented": 0, "inside": []})
    return counts


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--encoder", type=Path, default=WEIGHTS_DIR / "caption" / "encoder")
    p.add_argument("--split", default="valid", help="source items: valid (choose on these) or heldout")
    p.add_argument("--scenes", type=int, default=150, help="scenes per kind")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    net = load_scene_encoder(a.encoder, "cpu")
    result = {}
    for kind in KINDS:
        counts = probe_kind(net, make_kind_scenes(kind, a.scenes, a.split))
        result[kind] = {k: round(rate(v, "right", "placed"), 4) for k, v in counts.items()}
        for k in ("read 224", "confidence pick"):
            result[kind][f"{k} minus read 112"] = name_difference(counts[k], counts["read 112"])
        print(kind, json.dumps(result[kind], ensure_ascii=False), flush=True)
    a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
