"""Where the captioners' naming errors come from (issue 20 item 3, stop 41): the namer or the decoding.

    python -m training.caption_name_loss --split valid --scenes 300 --out docs/metrics_caption_name_loss_valid.json

For each kind of scene, split into clothing (Fashion-MNIST) and digits:
- the **gold-box namers** (the box given for free: :func:`~training.caption_robustness.head_name` on the encoder
  head's logits at the head bias's read, on the glimpse reader's, and on p_head — the combination the decoders'
  head bias reads, as it declares: ``mean`` or ``gate``);
- each decoder's **name accuracy** among the objects it places (the card's measure) and how many it places;
- at each decoder's own name step of every placed object, for several ways of combining the encoder head and the
  reader into p_head: how often the bias's **proposal** (argmax of α_t · p_head) is the gold name, and the gold
  name's **negative log-likelihood** under α_t · p_head renormalised over the names — a continuous measure, far less
  noisy than an accuracy over a few hundred objects.

The combinations (``COMBINES``): ``mean`` (the shipped p_head: the mean of the two heads' item probabilities),
``reader w`` (w · reader + (1 − w) · encoder) and ``gate`` (the reader speaks for the item mass it sees, the
encoder for the rest: reader + (1 − reader's item mass) · encoder). Nothing here picks a checkpoint or a setting;
it says where the remaining errors are.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scene_kinds import KINDS, make_kind_scenes
from attention_core.models.head_bias import gate_probabilities, head_probabilities
from training.caption_robustness import captioner_captions, captioner_settings, ensemble_logits, glimpse_key, head_name
from training.captioning import parse_caption
from training.scene_encoder import ITEM_NAMES

DECODERS = ("soft", "hard")
Combine = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# encoder and reader item probabilities [..., classes] (background dropped, as head_probabilities gives) → p_head
COMBINES: dict[str, Combine] = {
    "mean": lambda e, r: 0.5 * (e + r),
    "reader 0.65": lambda e, r: 0.35 * e + 0.65 * r,
    "reader 0.8": lambda e, r: 0.2 * e + 0.8 * r,
    "reader alone": lambda e, r: r,
    "gate": gate_probabilities,         # the one a captioner declares as head_bias combine "gate"
}


def group(name: str) -> str:
    """An item's group: ``digits`` or ``clothing``."""
    return "digits" if name.isdigit() else "clothing"


def _new_counts() -> dict[str, float]:
    return {"objects": 0, **{f"gold_box_{n}": 0 for n in ("encoder", "reader", "p_head")}}


def kind_loss(folder: Path, scenes: list[dict], decoders: tuple[str, ...] = DECODERS) -> dict[str, dict]:
    """Per group (``clothing``, ``digits``, ``all``): the gold-box namers' accuracy and, per decoder, its name accuracy,
    placement and each combination's proposal accuracy and mean gold-name NLL at its name steps."""
    captions, reads = captioner_captions(folder, scenes, decoders=decoders)
    settings = {d: captioner_settings(folder, d) for d in decoders}
    same = {json.dumps({k: v for k, v in (s.get("head_bias") or {}).items() if k not in ("weight", "eps")},
                       sort_keys=True) for s in settings.values()}
    if glimpse_key(settings[decoders[0]]) is None or len(same) != 1:
        raise ValueError("caption_name_loss needs decoders whose head bias reads the same encoder head and glimpse reader")
    heads = ensemble_logits(folder, settings[decoders[0]], reads)       # [encoder logits…, reader logits]
    if len(heads) != 2:
        raise ValueError("caption_name_loss expects p_head to read one encoder head and one glimpse reader")
    enc_logits, reader_logits = heads
    enc, reader = head_probabilities(enc_logits), head_probabilities(reader_logits)
    combos = {name: f(enc, reader) for name, f in COMBINES.items()}
    p_head = combos[settings[decoders[0]]["head_bias"].get("combine", "mean")]    # what the decoders' bias reads
    out: dict[str, dict] = {g: _new_counts() for g in ("clothing", "digits", "all")}
    for g in out.values():
        for d in decoders:
            g[d] = {"placed": 0, "right": 0, "proposal_right": dict.fromkeys(COMBINES, 0),
                    "gold_nll": dict.fromkeys(COMBINES, 0.0)}
    for i, scene in enumerate(scenes):
        said = {d: {cell: (t, name) for t, name, cell in parse_caption(captions[d][i][0])} for d in decoders}
        for obj in scene["objects"]:
            gold = ITEM_NAMES.index(obj["name"])
            for g in (out[group(obj["name"])], out["all"]):
                g["objects"] += 1
                g["gold_box_encoder"] += head_name(enc_logits[i], obj["box"]) == obj["name"]
                g["gold_box_reader"] += head_name(reader_logits[i], obj["box"]) == obj["name"]
                g["gold_box_p_head"] += head_name(p_head[i].clamp_min(1e-12).log(), obj["box"]) == obj["name"]
            for d in decoders:
                hit = said[d].get(obj["cell"])
                if hit is None:
                    continue
                alpha = captions[d][i][1][hit[0]].float()                 # the name word's α [49]
                for g in (out[group(obj["name"])], out["all"]):
                    g[d]["placed"] += 1
                    g[d]["right"] += hit[1] == obj["name"]
                    for name, p in combos.items():
                        mix = alpha @ p[i]
                        g[d]["proposal_right"][name] += int(mix.argmax()) == gold
                        g[d]["gold_nll"][name] -= float(torch.log(mix[gold] / mix.sum() + 1e-6))
    return {name: _rates(g, decoders) for name, g in out.items()}


def _rates(g: dict, decoders: tuple[str, ...]) -> dict:
    """Counts → rates (4 decimals), keeping the object and placed counts."""
    n = g["objects"]
    res: dict[str, object] = {"objects": n}
    for k in ("gold_box_encoder", "gold_box_reader", "gold_box_p_head"):
        res[k] = round(g[k] / n, 4) if n else None
    for d in decoders:
        placed = g[d]["placed"]
        res[d] = {"placed": placed, "position_accuracy": round(placed / n, 4) if n else None,
                  "name_accuracy": round(g[d]["right"] / placed, 4) if placed else None,
                  "proposal_accuracy": {k: round(v / placed, 4) if placed else None
                                        for k, v in g[d]["proposal_right"].items()},
                  "gold_nll": {k: round(v / placed, 4) if placed else None for k, v in g[d]["gold_nll"].items()}}
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path(WEIGHTS_DIR) / "caption")
    parser.add_argument("--split", default="valid", help="scene sources: valid (validation items) or heldout")
    parser.add_argument("--scenes", type=int, default=300, help="scenes per kind")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    result = {"command": {"folder": str(args.folder), "split": args.split, "scenes": args.scenes},
              "kinds": {}}
    for kind in args.kinds:
        result["kinds"][kind] = kind_loss(args.folder, make_kind_scenes(kind, args.scenes, args.split))
        small = result["kinds"][kind]["all"]
        print(kind, json.dumps({"gold_box_reader": small["gold_box_reader"],
                                "gold_box_p_head": small["gold_box_p_head"],
                                **{d: small[d]["name_accuracy"] for d in DECODERS}}, ensure_ascii=False), flush=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
