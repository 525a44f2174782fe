"""New captioners minus old ones on the same scenes, with paired intervals (issue 20 item 3).

    python -m training.caption_paired --new DIR/caption --old attention_core/weights/caption --out docs/X.json

For each decoder (soft, hard) read by its own folder's encoder, as its ``config.json`` declares (encoder read,
grounded decoding): name accuracy new and old, each with its 95 % scene-bootstrap interval, new − old with a paired 95 %
scene-bootstrap interval (``caption_robustness.name_difference``), the object-accuracy difference and the
invented phrases of each, on (1) the 300 validation scenes the trainers select on (the augmented mix), (2) the
200 held-out scenes of every kind and (3) the 300 clean card test scenes. Nothing here picks a checkpoint.
``--heldout-only --heldout-seed N`` reads only (2), drawn afresh from the same held-out items: a confirmation of
a result the default held-out scenes helped decide.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from attention_core.data.scene_kinds import HELDOUT_SEED, KINDS, make_augmented_scenes, make_kind_scenes
from attention_core.data.scenes import make_scenes
from attention_core.models.scene_encoder import load_scene_encoder
from training.caption_robustness import (SCENES_PER_KIND, captioner_counts, head_counts, name_difference, rate,
                                         rate_interval, scene_features)
from training.captioning import SPLITS

DECODERS = ("soft", "hard")


def compare(scenes: list[dict], new: Path, old: Path, decoders: tuple[str, ...] = DECODERS) -> dict[str, dict]:
    """Per decoder: new and old name accuracy, new − old (paired interval), object-accuracy difference, invented."""
    out = {}
    sides = {}
    for tag, folder in (("new", new), ("old", old)):     # each decoder read and decoded as its config declares
        sides[tag] = captioner_counts(folder, scenes, decoders=decoders)
    for d in decoders:
        a, b = sides["new"][d], sides["old"][d]
        out[d] = {"new": round(rate(a, "right", "placed"), 4), "old": round(rate(b, "right", "placed"), 4),
                  "new_interval": rate_interval(a, "right", "placed"),      # scene bootstrap, 95 %
                  "old_interval": rate_interval(b, "right", "placed"),
                  "new_minus_old": name_difference(a, b),
                  "object_new_minus_old": round(rate(a, "right", "objects") - rate(b, "right", "objects"), 4),
                  "placed_new": round(rate(a, "placed", "objects"), 4), "placed_old": round(rate(b, "placed", "objects"), 4),
                  "invented_new": sum(c["invented"] for c in a), "invented_old": sum(c["invented"] for c in b)}
    return out


def head_by_kind(new: Path, old: Path, count: int = 150, split: str = "valid") -> dict[str, dict]:
    """The encoder-head namer (gold box) of each encoder on ``count`` scenes per kind drawn from ``split``'s
    source items (validation: not the held-out ones): new, old and new − old with a paired interval."""
    nets = {tag: load_scene_encoder(folder / "encoder", "cpu") for tag, folder in (("new", new), ("old", old))}
    out = {}
    for kind in KINDS:
        scenes = make_kind_scenes(kind, count, split)
        counts = {tag: head_counts(scene_features(scenes, net)) for tag, net in nets.items()}
        out[kind] = {"new": round(rate(counts["new"], "right", "objects"), 4),
                     "old": round(rate(counts["old"], "right", "objects"), 4),
                     "new_minus_old": name_difference(counts["new"], counts["old"])}
    return out


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--new", type=Path, required=True, help="…/caption folder of the new weights")
    p.add_argument("--old", type=Path, required=True, help="…/caption folder of the old weights")
    p.add_argument("--scenes", type=int, default=SCENES_PER_KIND)
    p.add_argument("--skip-heldout", action="store_true", help="validation and card test only")
    p.add_argument("--heldout-only", action="store_true", help="the held-out kinds only (no validation, card test)")
    p.add_argument("--heldout-seed", type=int, default=HELDOUT_SEED,
                   help="seed of the held-out scenes (another seed: a fresh draw of scenes from the same held-out "
                        "items, e.g. to confirm a result the default scenes were used to decide)")
    p.add_argument("--heads-only", action="store_true", help="only the encoder heads on validation-source scenes")
    p.add_argument("--decoders", nargs="+", default=list(DECODERS), choices=DECODERS)
    p.add_argument("--skip-heads", action="store_true", help="no encoder-head comparison (same encoder weights)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    if a.heldout_only and (a.skip_heldout or a.heads_only):
        p.error("--heldout-only reads only the held-out kinds; it cannot be combined with --skip-heldout or "
                "--heads-only")
    torch.set_num_threads(a.threads)
    dec = tuple(a.decoders)
    result = {"what": "new minus old on the same scenes: name accuracy difference with a paired 95 % "
                      "scene-bootstrap interval (2,000 resamples); object-accuracy difference (point); invented "
                      "phrases. Validation: the trainers' 300 augmented-mix scenes; held-out kinds: "
                      f"{a.scenes} scenes each (seed {a.heldout_seed}); card test: the 300 clean test scenes.",
              "heldout_seed": a.heldout_seed,
              "new": str(a.new), "old": str(a.old),
              **({} if a.skip_heads or a.heldout_only else
                 {"encoder_head_valid_sources_150": head_by_kind(a.new, a.old)})}
    print("heads", json.dumps(result.get("encoder_head_valid_sources_150")), flush=True)
    if a.heads_only:
        a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        return
    if not a.heldout_only:
        result["validation_300"] = compare(make_augmented_scenes("valid", 300, SPLITS["valid"][1]), a.new, a.old, dec)
        print("validation", json.dumps(result["validation_300"]), flush=True)
    if not a.skip_heldout:
        result["heldout_kinds"] = {}
        for kind in KINDS:
            scenes = make_kind_scenes(kind, a.scenes, seed=a.heldout_seed)
            result["heldout_kinds"][kind] = compare(scenes, a.new, a.old, dec)
            print(kind, json.dumps(result["heldout_kinds"][kind]), flush=True)
    if not a.heldout_only:
        result["card_test_300"] = compare(make_scenes("test", 300, SPLITS["test"][1]), a.new, a.old, dec)
        print("card test", json.dumps(result["card_test_300"]), flush=True)
    a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
