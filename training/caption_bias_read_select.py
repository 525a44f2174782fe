"""Choose, on validation scenes only, the encoder read whose head gives the head bias its p_head (issue 20 item 3,
round 8).

    python -m training.caption_bias_read_select --out docs/metrics_caption_round8_validation.json

Round 7 shipped the head bias (``attention_core.models.head_bias``) with p_head from round 6's confident/isolated
read (the 112- or the 224-px read's head per region); on validation soft then names small objects as well as that
head does, so a better p_head is the lever. Here the bias keeps its shipped λ, ε, ``over`` and ``keep_mass`` and only
its ``read`` varies over :data:`READS` (``SceneEncoder``'s ``combine`` "confident" or "mean" — the reads' mean
features, i.e. a geometric mean of their head probabilities —, a 336-px read instead of 224, ``flip``: the mirrored
scene read too; round 10, ``shift``: the 224 read averaged over copies translated by a few pixels) and, with ``--head NAME=FOLDER``, over a bias-only head (``training.caption_bias_head``) on its read.
Every shipped decoder in ``--folder`` is decoded as its ``config.json`` declares otherwise (its own
read for the features, grounded rule) on (1) the trainers' 300 validation scenes of the augmented mix and (2) 150
scenes per kind drawn from the validation split's sources (``caption_head_bias_select``'s sets). The choice rule
(:func:`choose`), fixed before any run: the largest summed score (object accuracy less invented phrases per gold
object, summed over the sets) among the reads that name no validation set more than :data:`TOLERANCE` below the
shipped read; ties to the shipped read. Nothing here reads a held-out or card test scene.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from attention_core.models.head_bias import load_bias_head
from training.caption_head_bias_select import TOLERANCE, feature_reader, score_sets, selector_parser, validation_sets
from training.caption_head_bias_select import choose as choose_setting
from training.caption_robustness import captioner_settings, head_bias_of, load_decoder

ISOLATED = {"gate": 0.3, "isolated": 4}
SHIPPED = "112+224 confident isolated"
READS = {SHIPPED: {"scales": [112, 224], "combine": "confident", **ISOLATED},
         "112+224 mean isolated": {"scales": [112, 224], "combine": "mean", **ISOLATED},
         "112+224 mean gate 0.3": {"scales": [112, 224], "combine": "mean", "gate": 0.3},
         "112+224 confident isolated flip": {"scales": [112, 224], "combine": "confident", **ISOLATED, "flip": True},
         "112+224 mean isolated flip": {"scales": [112, 224], "combine": "mean", **ISOLATED, "flip": True},
         "112+336 confident isolated": {"scales": [112, 336], "combine": "confident", **ISOLATED},
         "112+336 mean isolated": {"scales": [112, 336], "combine": "mean", **ISOLATED},
         "112+224 mean isolated 6": {"scales": [112, 224], "combine": "mean", "gate": 0.3, "isolated": 6},
         "112+336 mean isolated 6": {"scales": [112, 336], "combine": "mean", "gate": 0.3, "isolated": 6},
         # round 10: the 224 read averaged over translated copies (SceneEncoder ``shift``, pixels of the 224 read)
         "112+224 confident isolated shift 0/8": {"scales": [112, 224], "combine": "confident", **ISOLATED,
                                                  "shift": [0, 8]},
         "112+224 confident isolated shift ±4": {"scales": [112, 224], "combine": "confident", **ISOLATED,
                                                 "shift": [-4, 0, 4]},
         "112+224 confident isolated shift ±8": {"scales": [112, 224], "combine": "confident", **ISOLATED,
                                                 "shift": [-8, 0, 8]},
         "112+224 mean isolated shift 0/8": {"scales": [112, 224], "combine": "mean", **ISOLATED, "shift": [0, 8]},
         "112+224 mean isolated shift ±8": {"scales": [112, 224], "combine": "mean", **ISOLATED, "shift": [-8, 0, 8]}}


def choose(rows: dict[str, dict[str, dict]], shipped: str = SHIPPED) -> str:
    """``rows[read][set] = measures`` → the chosen read (see the module doc): the head-bias selector's rule with the
    shipped read as the base and "none" (no bias) out of the running."""
    return choose_setting(rows, base=shipped, candidates=[k for k in rows if k != "none"])


def main() -> None:
    """Command line."""
    p = selector_parser(__doc__.splitlines()[0], READS)
    p.add_argument("--head", nargs="*", default=[], help="NAME=FOLDER: a BiasHead (read as its config says)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    words = json.loads((a.folder / "vocab.json").read_text())
    sets = validation_sets(a.kind_scenes)
    result: dict = {"folder": str(a.folder), "tolerance": TOLERANCE, "shipped": SHIPPED, "reads": {},
                    "feature_seconds": {}, "decoders": {}}
    data = feature_reader(a.folder / "encoder", sets, result["feature_seconds"])
    reads = {r: READS[r] for r in dict.fromkeys([SHIPPED, *a.reads])}
    heads = {}
    for spec in a.head:
        name, folder = spec.split("=", 1)
        heads[name] = load_bias_head(folder)
        reads[name] = json.loads((Path(folder) / "config.json").read_text())["read"]
    result["reads"] = reads
    result["heads"] = {spec.split("=", 1)[0]: spec.split("=", 1)[1] for spec in a.head}
    for d in a.decoders:
        settings = captioner_settings(a.folder, d)
        shipped_bias = settings["head_bias"]
        model = load_decoder(a.folder, d, len(words))
        rows: dict[str, dict] = {}
        for name, read in {"none": None, **reads}.items():
            bias = None if read is None else {**shipped_bias, "read": read}
            rule = head_bias_of(a.folder, {**settings, "head_bias": bias}, words)
            own_logits = (lambda head: head["logits"]) if name not in heads else \
                (lambda head, net=heads[name]: net(head["features"].float()).detach())
            rows[name] = score_sets(d, name, model, words, settings, rule, settings["encoder_read"], read, sets, data,
                                    own_logits)
        chosen = choose(rows)
        result["decoders"][d] = {"bias": shipped_bias, "measures": rows, "chosen": chosen}
        print(d, "chosen:", chosen, flush=True)
        a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
