"""Choose, on validation scenes only, whether the head bias reads p_head from an ensemble of scene encoders (issue 20
item 3, round 11), and which ensemble, read and λ / ε.

    python -m training.caption_bias_ensemble_select --kind-scenes 300 \\
        --encoder encoder-bias-a=DIR/a --encoder encoder-bias-b=DIR/b ... --out docs/metrics_caption_round11_validation.json

Every shipped decoder in ``--folder`` is decoded as its ``config.json`` declares (its own read of ``caption/encoder``
for the features, grounded rule); the head bias is round 7's (the shipped ``head_bias``: λ 8, ε 0.1, over α,
keep_mass, p_head from ``caption/encoder`` at the confident/isolated 112 + 224 read), or the same rule with p_head the
mean of the head probabilities of an ensemble of encoders (``head_bias.encoder`` a list; each encoder read at the
bias's read with its own confident / mean pick): every ensemble of :data:`ENSEMBLES` at every read of :data:`READS`,
then the λ / ε of :data:`NEAR` around the shipped ones at the (ensemble, read) with the largest summed score, then
(``--shift``) that (ensemble, read) with the round-10 shift 0/8 at the shipped λ / ε. ``encoder`` (E0) is the shipped
encoder; the others are named by ``--encoder NAME=FOLDER`` (the names the folders would ship under in the caption
family). Sets: ``caption_head_bias_select.validation_sets`` (the trainers' 300 validation mix scenes and
``--kind-scenes`` validation-source scenes per kind). The choice rule (:func:`choose`), fixed before any run, is the
shipping rule: the largest summed score (object accuracy less invented phrases per gold object, over the sets) among
the settings that name no validation set more than ``TOLERANCE`` (0.005) below round 7; ties (and no better setting)
keep round 7. Nothing here reads a held-out or card test scene.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Callable

import torch

from attention_core.models.scene_encoder import load_scene_encoder
from training.caption_bias_encoder_select import BASE, NEAR, READS as ENCODER_READS, choose
from training.caption_head_bias_select import TOLERANCE, feature_reader, score_sets, selector_parser, validation_sets
from training.caption_robustness import captioner_settings, head_bias_of, load_decoder, scene_features

READS = {k: ENCODER_READS[k] for k in ("112+224 confident isolated", "112+224 mean isolated")}
SHIFT = [0, 8]
# E0: the shipped encoder; A, B: round 9's runs' last steps; C: round 10's chosen step; D: round 10's last step
ENSEMBLES = {"E0+C": ("encoder", "encoder-bias-c"),
             "E0+A+B+C": ("encoder", "encoder-bias-a", "encoder-bias-b", "encoder-bias-c"),
             "E0+A+B+C+D": ("encoder", "encoder-bias-a", "encoder-bias-b", "encoder-bias-c", "encoder-bias-d"),
             "A+B+C": ("encoder-bias-a", "encoder-bias-b", "encoder-bias-c")}


def logits_reader(encoder: Path, sets: dict[str, list[dict]], seconds: dict[str, float] | None = None,
                  store: Path | None = None) -> Callable[[dict | None, str], torch.Tensor]:
    """``(read, set name) → the encoder head's logits [N, 49, classes + 1]`` of that set through ``encoder`` at that
    read, each computed once (only the logits kept; wall-clock seconds recorded in ``seconds`` when given; ``store``:
    a folder where they are also saved and found again by a rerun, keyed by the encoder's weights, read, set and
    scene count)."""
    cache: dict[str, torch.Tensor] = {}
    weights = hashlib.sha256((encoder / "model.safetensors").read_bytes()).hexdigest()[:16]

    def logits(read: dict | None, set_name: str) -> torch.Tensor:
        key = json.dumps([read, set_name], sort_keys=True)
        if key not in cache:
            tag = hashlib.sha256(json.dumps([weights, key, len(sets[set_name])]).encode()).hexdigest()[:24]
            saved = None if store is None else store / f"{tag}.pt"
            if saved is not None and saved.is_file():
                cache[key] = torch.load(saved)
                return cache[key]
            start = time.perf_counter()
            cache[key] = scene_features(sets[set_name], load_scene_encoder(encoder, "cpu", read))["logits"]
            if seconds is not None:
                seconds[key] = round(time.perf_counter() - start, 1)
            if saved is not None:
                store.mkdir(parents=True, exist_ok=True)
                torch.save(cache[key], saved)
        return cache[key]
    return logits


def main() -> None:
    """Command line."""
    p = selector_parser(__doc__.splitlines()[0], READS)
    p.add_argument("--encoder", action="append", default=[], metavar="NAME=FOLDER",
                   help="an ensemble member other than the shipped encoder")
    p.add_argument("--ensembles", nargs="+", choices=list(ENSEMBLES), default=list(ENSEMBLES))
    p.add_argument("--shift", action="store_true", help="also the best (ensemble, read) with the shift 0/8 read")
    p.add_argument("--store", type=Path, help="a folder where the ensemble members' logits are kept for a rerun")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    words = json.loads((a.folder / "vocab.json").read_text())
    sets = validation_sets(a.kind_scenes)
    folders = {"encoder": a.folder / "encoder", **{n: Path(f) for n, f in (e.split("=", 1) for e in a.encoder)}}
    result: dict = {"folder": str(a.folder), "encoders": {k: str(v) for k, v in folders.items()}, "tolerance": TOLERANCE,
                    "base": BASE, "reads": READS, "ensembles": {k: ENSEMBLES[k] for k in a.ensembles},
                    "feature_seconds": {}, "bias_feature_seconds": {}, "decoders": {}}
    data = feature_reader(a.folder / "encoder", sets, result["feature_seconds"])
    readers = {n: logits_reader(f, sets, result["bias_feature_seconds"].setdefault(n, {}), a.store)
               for n, f in folders.items() if n != "encoder"}
    readers["encoder"] = lambda read, set_name: data(read, set_name)["logits"]     # E0: the decoder's own reader
    models = {d: load_decoder(a.folder, d, len(words)) for d in a.decoders}
    every = {d: {"settings": {}, "measures": {}} for d in a.decoders}

    def score(d: str, name: str, bias: dict | None, ensemble: tuple[str, ...] | None) -> None:
        settings = captioner_settings(a.folder, d)
        rule = head_bias_of(a.folder, {**settings, "head_bias": bias}, words)
        head_data = None if ensemble is None else \
            (lambda read, set_name: {"logits": [readers[e](read, set_name) for e in ensemble]})
        every[d]["settings"][name] = bias
        every[d]["measures"][name] = score_sets(d, name, models[d], words, settings, rule, settings["encoder_read"],
                                                None if bias is None else bias.get("read"), sets, data,
                                                head_data=head_data)

    def write(stage: str) -> None:
        for d, rows in every.items():
            m = rows["measures"]
            if BASE not in m:                              # this decoder not scored yet
                continue
            result["decoders"][d] = {**rows, "summed": {k: round(sum(s["score"] for s in r.values()), 4)
                                                        for k, r in m.items()}, "chosen": choose(m), "stage": stage}
        a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")

    lam, eps = NEAR[0]
    best: dict[str, tuple[str, str]] = {}
    for d in a.decoders:                                   # stage 1: every ensemble at every read, shipped λ / ε
        shipped = captioner_settings(a.folder, d)["head_bias"]
        score(d, "none", None, None)
        score(d, BASE, shipped, None)
        names = {}
        for ens in a.ensembles:
            for r in a.reads:
                names[ens, r] = f"{ens} {r} λ={lam} ε={eps}"
                score(d, names[ens, r], {**shipped, "weight": lam, "eps": eps, "read": READS[r],
                                         "encoder": list(ENSEMBLES[ens])}, ENSEMBLES[ens])
        summed = {k: sum(s["score"] for s in every[d]["measures"][n].values()) for k, n in names.items()}
        best[d] = max(summed, key=summed.get)
        write("ensembles")
    for d in a.decoders:                                   # stage 2: λ / ε neighbours of the best (ensemble, read)
        shipped = captioner_settings(a.folder, d)["head_bias"]
        ens, r = best[d]
        for lam_, eps_ in NEAR[1:]:
            score(d, f"{ens} {r} λ={lam_} ε={eps_}", {**shipped, "weight": lam_, "eps": eps_, "read": READS[r],
                                                      "encoder": list(ENSEMBLES[ens])}, ENSEMBLES[ens])
        write("neighbours")
    if a.shift:                                            # stage 3: the best (ensemble, read) with the shift read
        for d in a.decoders:
            shipped = captioner_settings(a.folder, d)["head_bias"]
            ens, r = best[d]
            score(d, f"{ens} {r} shift 0/8 λ={lam} ε={eps}",
                  {**shipped, "weight": lam, "eps": eps, "read": {**READS[r], "shift": SHIFT},
                   "encoder": list(ENSEMBLES[ens])}, ENSEMBLES[ens])
            write("shift")
    result["best_ensemble_read"] = {d: list(v) for d, v in best.items()}
    write("done")
    for d in a.decoders:
        print(d, "chosen:", result["decoders"][d]["chosen"], flush=True)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
