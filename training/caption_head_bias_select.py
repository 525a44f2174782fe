"""Choose, on validation scenes only, the head bias (``attention_core.models.head_bias``) of each captioner
(issue 20 item 3, round 7).

    python -m training.caption_head_bias_select --out docs/metrics_caption_round7_validation.json

For every shipped decoder in ``--folder``, decoded as its ``config.json`` declares (its own read, grounded rule),
greedy captions without a head bias and with one at each weight λ of :data:`WEIGHTS` × ε of :data:`EPSILONS` ×
p_head read of :data:`READS` × ``keep_mass`` of :data:`MASSES` (× ``over`` of :data:`OVERS`), on (1) the trainers' 300 validation scenes of the
augmented mix and (2) 150 scenes per kind drawn from the validation split's sources (not the held-out ones).
Per setting and set: name / object / position accuracy and invented phrases (``caption_read_select.measures``).
The choice rule (:func:`choose`), fixed before any run: the largest summed score (object accuracy less invented
phrases per gold object, summed over the sets) among the settings that name no validation set more than
:data:`TOLERANCE` below the unbiased decoder. Nothing here reads a held-out or card test scene.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Callable

import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scene_kinds import KINDS, make_augmented_scenes, make_kind_scenes
from attention_core.models.scene_encoder import load_scene_encoder
from training.caption_read_select import measures
from training.caption_robustness import captioner_settings, decoder_counts, head_bias_of, load_decoder, scene_features
from training.captioning import SPLITS

READS = {"own": None, "confident isolated": {"scales": [112, 224], "combine": "confident", "gate": 0.3, "isolated": 4}}
WEIGHTS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)
EPSILONS = (0.001, 0.01, 0.1)
OVERS = {"soft": ("alpha",), "hard": ("alpha",)}   # hard's chosen region ("choice") fell below α at every λ ≤ 2
MASSES = (False, True)                             # HeadBias.keep_mass
TOLERANCE = 0.005
DECODERS = ("soft", "hard")


def choose(rows: dict[str, dict[str, dict]], base: str = "none", candidates: list[str] | None = None) -> str:
    """``rows[setting][set] = measures`` → the chosen setting (see the module doc): the largest summed score among
    the ``candidates`` (default: every setting) that name no set more than :data:`TOLERANCE` below ``base``'s
    (``"none"`` = no bias); ties go to ``base``."""
    ok = [k for k in (rows if candidates is None else candidates)
          if all(rows[k][s]["name"] >= rows[base][s]["name"] - TOLERANCE for s in rows[k])]
    return max(ok, key=lambda k: (round(sum(r["score"] for r in rows[k].values()), 4), k == base))


def validation_sets(kind_scenes: int) -> dict[str, list[dict]]:
    """The scenes a head-bias setting is chosen on: 300 validation mix scenes and ``kind_scenes`` validation-source
    scenes of each held-out kind."""
    return {"validation mix 300": make_augmented_scenes("valid", 300, SPLITS["valid"][1]),
            **{kind: make_kind_scenes(kind, kind_scenes, "valid") for kind in KINDS}}


def feature_reader(encoder: Path, sets: dict[str, list[dict]],
                   seconds: dict[str, float] | None = None) -> Callable[[dict | None, str], dict]:
    """``(read, set name) → scene_features`` of that set through ``encoder`` at that read, each computed once (its
    wall-clock seconds recorded in ``seconds`` when given)."""
    cache: dict[str, dict] = {}

    def data(read: dict | None, set_name: str) -> dict:
        key = json.dumps([read, set_name], sort_keys=True)
        if key not in cache:
            start = time.perf_counter()
            cache[key] = scene_features(sets[set_name], load_scene_encoder(encoder, "cpu", read))
            if seconds is not None:
                seconds[key] = round(time.perf_counter() - start, 1)
        return cache[key]
    return data


def score_sets(decoder: str, name: str, model: torch.nn.Module, words: list[str], settings: dict, rule,
               own_read: dict | None, head_read: dict | None, sets: dict[str, list[dict]],
               data: Callable[[dict | None, str], dict],
               head_logits: Callable[[dict], torch.Tensor] = lambda head: head["logits"],
               head_data: Callable[[dict | None, str], dict] | None = None) -> dict[str, dict]:
    """One setting's measures on every validation set: ``model`` reads its own features (``own_read``) and is decoded
    as ``settings`` declare with the head bias ``rule``, whose logits come from ``head_read``'s features
    (``head_logits`` of them: the encoder head's by default; ``head_data``: another encoder's :func:`feature_reader`,
    round 9's bias encoder, instead of ``data``); the line printed as it goes."""
    row = {}
    for set_name in sets:
        own = data(own_read, set_name)
        head = (own if head_read is None else data(head_read, set_name)) if head_data is None else \
            head_data(head_read if head_read is not None else own_read, set_name)
        row[set_name] = measures(decoder_counts(model, words, own, settings["grounded"], rule, head_logits(head)))
    print(decoder, name, json.dumps({s: (m["name"], m["invented"]) for s, m in row.items()}), flush=True)
    return row


def selector_parser(description: str, reads: dict) -> argparse.ArgumentParser:
    """The options every head-bias selector takes (weights folder, validation size, decoders, ``reads``' names,
    output, threads); each selector adds its own."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--folder", type=Path, default=WEIGHTS_DIR / "caption", help="weights (…/caption)")
    p.add_argument("--kind-scenes", type=int, default=150, help="validation-source scenes per kind")
    p.add_argument("--decoders", nargs="+", default=list(DECODERS), choices=DECODERS)
    p.add_argument("--reads", nargs="+", choices=list(reads), default=list(reads))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", type=int, default=1)
    return p


def main() -> None:
    """Command line."""
    p = selector_parser(__doc__.splitlines()[0], READS)
    p.add_argument("--keep-mass", nargs="+", choices=["no", "yes"], default=["no", "yes"])
    p.add_argument("--weights", nargs="+", type=float, default=list(WEIGHTS), help="λ values")
    p.add_argument("--also", type=Path, help="an earlier output (same folder): its settings join the choice")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    words = json.loads((a.folder / "vocab.json").read_text())
    sets = validation_sets(a.kind_scenes)
    result: dict = {"folder": str(a.folder), "tolerance": TOLERANCE, "decoders": {}}
    data = feature_reader(a.folder / "encoder", sets)
    for d in a.decoders:
        settings = captioner_settings(a.folder, d)
        model = load_decoder(a.folder, d, len(words))
        masses = [m for m in MASSES if ("yes" if m else "no") in a.keep_mass]
        grid = {"none": None, **{f"{r} λ={w} ε={e} over={o}" + (" keep mass" if m else ""):
                                 {"weight": w, "eps": e, "over": o, "read": READS[r], "keep_mass": m}
                                 for r in a.reads for m in masses for w in a.weights for e in EPSILONS for o in OVERS[d]}}
        rows: dict[str, dict] = {}
        for name, bias in grid.items():
            rule = head_bias_of(a.folder, {**settings, "head_bias": bias}, words)
            rows[name] = score_sets(d, name, model, words, settings, rule, settings["encoder_read"],
                                    None if bias is None else bias["read"], sets, data)
        if a.also:
            earlier = json.loads(a.also.read_text())["decoders"].get(d, {})
            grid = {**earlier.get("settings", {}), **grid}
            rows = {**earlier.get("measures", {}), **rows}
        chosen = choose(rows)
        result["decoders"][d] = {"settings": grid, "measures": rows, "chosen": chosen}
        print(d, "chosen:", chosen, flush=True)
        a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
