"""Choose, on validation scenes only, whether the head bias reads p_head from a scene encoder fine-tuned for it (issue 20
item 3, round 9), and at which read and λ / ε.

    python -m training.caption_bias_encoder_select --bias-encoder DIR/encoder-bias \\
        --out docs/metrics_caption_round9_validation.json

Every shipped decoder in ``--folder`` is decoded as its ``config.json`` declares (its own read of ``caption/encoder``
for the features, grounded rule); the head bias is round 7's (the shipped ``head_bias``: λ 8, ε 0.1, over α,
keep_mass, p_head from ``caption/encoder`` at the confident/isolated 112 + 224 read), or the same rule with p_head
from the fine-tuned copy (``training.scene_encoder_bias``) at each read of :data:`READS`, and at the λ / ε of
:data:`NEAR` around the shipped ones at the read with the largest summed score. Sets: ``caption_head_bias_select.validation_sets`` (the trainers' 300 validation
mix scenes and 150 validation-source scenes per kind). The choice rule (:func:`choose`), fixed before any run, is the
shipping rule: the largest summed score (object accuracy less invented phrases per gold object, over the sets) among
the settings that name no validation set more than ``TOLERANCE`` (0.005) below round 7; ties (and no better setting)
keep round 7. Nothing here reads a held-out or card test scene.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from training.caption_head_bias_select import TOLERANCE, feature_reader, score_sets, selector_parser, validation_sets
from training.caption_head_bias_select import choose as choose_setting
from training.caption_robustness import captioner_settings, head_bias_of, load_decoder

ISOLATED = {"gate": 0.3, "isolated": 4}
READS = {"112+224 confident isolated": {"scales": [112, 224], "combine": "confident", **ISOLATED},
         "112+224 mean isolated": {"scales": [112, 224], "combine": "mean", **ISOLATED},
         "224": {"scales": [224]}}
NEAR = ((8.0, 0.1), (5.0, 0.1), (12.0, 0.1), (8.0, 0.05), (8.0, 0.2))   # (λ, ε): the shipped pair first
BASE = "round 7"


def choose(rows: dict[str, dict[str, dict]]) -> str:
    """``rows[setting][set] = measures`` → the chosen setting: the head-bias selector's rule with round 7 as the base
    and "none" (no bias) out of the running."""
    return choose_setting(rows, base=BASE, candidates=[k for k in rows if k != "none"])


def main() -> None:
    """Command line."""
    p = selector_parser(__doc__.splitlines()[0], READS)
    p.add_argument("--bias-encoder", type=Path, required=True, help="the fine-tuned encoder's folder")
    p.add_argument("--near-read", choices=list(READS), help="the read the λ / ε neighbours use (default: the read "
                   "with the largest summed score at the shipped λ / ε, per decoder)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    words = json.loads((a.folder / "vocab.json").read_text())
    sets = validation_sets(a.kind_scenes)
    result: dict = {"folder": str(a.folder), "bias_encoder": str(a.bias_encoder), "tolerance": TOLERANCE, "base": BASE,
                    "reads": READS, "feature_seconds": {}, "bias_feature_seconds": {}, "decoders": {}}
    data = feature_reader(a.folder / "encoder", sets, result["feature_seconds"])
    tuned = feature_reader(a.bias_encoder, sets, result["bias_feature_seconds"])
    for d in a.decoders:
        settings = captioner_settings(a.folder, d)
        shipped = settings["head_bias"]
        model = load_decoder(a.folder, d, len(words))
        grid: dict[str, dict | None] = {"none": None, BASE: shipped}
        rows: dict[str, dict] = {}

        def score(name: str, bias: dict | None, on_tuned: bool) -> None:
            rule = head_bias_of(a.folder, {**settings, "head_bias": bias}, words)
            rows[name] = score_sets(d, name, model, words, settings, rule, settings["encoder_read"],
                                    None if bias is None else bias.get("read"), sets, data,
                                    head_data=tuned if on_tuned else None)

        for name, bias in grid.items():
            score(name, bias, False)
        lam, eps = NEAR[0]
        names = {r: f"encoder-bias {r} λ={lam} ε={eps}" for r in a.reads}
        for r, name in names.items():
            grid[name] = {**shipped, "weight": lam, "eps": eps, "read": READS[r], "encoder": "encoder-bias"}
            score(name, grid[name], True)
        summed = {r: round(sum(m["score"] for m in rows[n].values()), 4) for r, n in names.items()}
        near = a.near_read or max(summed, key=summed.get)      # the best read's neighbours (validation only)
        for lam_, eps_ in NEAR[1:]:
            name = f"encoder-bias {near} λ={lam_} ε={eps_}"
            grid[name] = {**shipped, "weight": lam_, "eps": eps_, "read": READS[near], "encoder": "encoder-bias"}
            score(name, grid[name], True)
        chosen = choose(rows)
        result["decoders"][d] = {"settings": grid, "measures": rows, "near_read": near, "chosen": chosen,
                                 "summed": {k: round(sum(m["score"] for m in r.values()), 4) for k, r in rows.items()}}
        print(d, "chosen:", chosen, flush=True)
        a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
