"""Choose, on validation scenes only, whether the head bias reads p_head with the glimpse reader (issue 20 item 3,
round 12), alone or beside the scene encoder's head, and at which λ / ε.

    python -m training.caption_glimpse_select --kind-scenes 300 --glimpse DIR --out docs/metrics_caption_round12_validation.json

Every shipped decoder in ``--folder`` is decoded as its ``config.json`` declares (its own read of ``caption/encoder``
for the features, grounded rule). Settings: no bias; round 7 (the shipped ``head_bias``: λ 8, ε 0.1, over α,
keep_mass, p_head from ``caption/encoder`` at the confident/isolated 112 + 224 read); and the same rule with p_head
from each source of :data:`SOURCES` — the glimpse reader alone (``encoder: []``) or the mean of the shipped encoder's
head probabilities (at round 7's read) and the glimpse reader's — first at round 7's λ / ε, then the λ / ε of
``NEAR`` around them for the source with the larger summed score. ``--glimpse`` is the reader's folder (it would ship
as ``caption/glimpse``). Sets: ``caption_head_bias_select.validation_sets`` (the trainers' 300 validation mix scenes
and ``--kind-scenes`` validation-source scenes per kind). The choice rule, fixed before any run, is round 9–11's
(``caption_bias_encoder_select.choose``): the largest summed score (object accuracy less invented phrases per gold
object, over the sets) among the settings that name no validation set more than ``TOLERANCE`` (0.005) below round 7;
ties (and no better setting) keep round 7. Shipping then also needs, on the held-out scenes
(``training.caption_paired``), the soft captioner's small-kind name accuracy above round 7 with its paired interval
above 0, no kind's interval wholly below 0, nothing invented, and the card test on par. Nothing here reads a held-out
or card test scene.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from attention_core.models.glimpse import load_glimpse_reader
from training.caption_bias_encoder_select import BASE, NEAR, READS as ENCODER_READS, choose
from training.caption_head_bias_select import TOLERANCE, feature_reader, score_sets, selector_parser, validation_sets
from training.caption_robustness import captioner_settings, glimpse_logits, head_bias_of, load_decoder

READ = ENCODER_READS["112+224 confident isolated"]          # round 7's read of the shipped encoder
SOURCES = {"glimpse": [], "encoder+glimpse": None}           # head_bias.encoder: [] = none; None (absent) = caption/encoder


def main() -> None:
    """Command line."""
    p = selector_parser(__doc__.splitlines()[0], {"round 7": READ})
    p.add_argument("--glimpse", type=Path, required=True, help="the glimpse reader's folder")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    words = json.loads((a.folder / "vocab.json").read_text())
    sets = validation_sets(a.kind_scenes)
    result: dict = {"folder": str(a.folder), "glimpse": str(a.glimpse), "tolerance": TOLERANCE, "base": BASE,
                    "read": READ, "sources": SOURCES, "feature_seconds": {}, "decoders": {}}
    data = feature_reader(a.folder / "encoder", sets, result["feature_seconds"])
    reader = load_glimpse_reader(a.glimpse)
    glimpses = {s: glimpse_logits(reader, scenes)["logits"] for s, scenes in sets.items()}
    models = {d: load_decoder(a.folder, d, len(words)) for d in a.decoders}
    every = {d: {"settings": {}, "measures": {}} for d in a.decoders}

    def head_data(source: str):
        """``(read, set) → {"logits": [...]}``: the glimpse reader's alone, or the shipped encoder's and its."""
        if SOURCES[source] == []:
            return lambda read, set_name: {"logits": [glimpses[set_name]]}
        return lambda read, set_name: {"logits": [data(read, set_name)["logits"], glimpses[set_name]]}

    def score(d: str, name: str, bias: dict | None, source: str | None) -> None:
        settings = captioner_settings(a.folder, d)
        rule = head_bias_of(a.folder, {**settings, "head_bias": bias}, words)
        every[d]["settings"][name] = bias
        every[d]["measures"][name] = score_sets(d, name, models[d], words, settings, rule, settings["encoder_read"],
                                                None if bias is None else bias.get("read"), sets, data,
                                                head_data=None if source is None else head_data(source))

    def write(stage: str) -> None:
        for d, rows in every.items():
            m = rows["measures"]
            if BASE not in m:
                continue
            result["decoders"][d] = {**rows, "summed": {k: round(sum(s["score"] for s in r.values()), 4)
                                                        for k, r in m.items()}, "chosen": choose(m), "stage": stage}
        a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")

    def setting(shipped: dict, source: str, lam: float, eps: float) -> dict:
        bias = {**shipped, "weight": lam, "eps": eps, "read": READ, "glimpse": "glimpse"}
        bias.pop("encoder", None)
        return bias if SOURCES[source] is None else {**bias, "encoder": SOURCES[source]}

    lam, eps = NEAR[0]
    best: dict[str, str] = {}
    for d in a.decoders:                                   # stage 1: each source at round 7's λ / ε
        shipped = captioner_settings(a.folder, d)["head_bias"]
        score(d, "none", None, None)
        score(d, BASE, shipped, None)
        names = {src: f"{src} λ={lam} ε={eps}" for src in SOURCES}
        for src, name in names.items():
            score(d, name, setting(shipped, src, lam, eps), src)
        summed = {src: sum(s["score"] for s in every[d]["measures"][n].values()) for src, n in names.items()}
        best[d] = max(summed, key=summed.get)
        write("sources")
    for d in a.decoders:                                   # stage 2: λ / ε neighbours of the better source
        shipped = captioner_settings(a.folder, d)["head_bias"]
        for lam_, eps_ in NEAR[1:]:
            score(d, f"{best[d]} λ={lam_} ε={eps_}", setting(shipped, best[d], lam_, eps_), best[d])
        write("neighbours")
    result["best_source"] = best
    write("done")
    for d in a.decoders:
        print(d, "chosen:", result["decoders"][d]["chosen"], flush=True)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
