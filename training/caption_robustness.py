"""Score the captioners on held-out scenes of every kind (issue 20 item 3): clean, pixel noise, inverted contrast,
small and large objects, crowded scenes with clutter.

    python -m training.caption_robustness                       # shipped weights → weights/caption/robustness.json
    python -m training.caption_robustness --folder DIR --before  # DIR/caption's weights, plus the old ones

Per kind and model: **name accuracy** (among the gold objects whose cell the caption names, the share named
right — the card's object-name accuracy), object accuracy (name and cell right, over all gold objects),
**invented objects** (phrases naming a cell that holds no object: how many, and in how many scenes), and
**α mass inside the named object's box** (for each object named right, its name word's α on the regions
overlapping its box). Beside the decoders, the **encoder-head namer**: the scene encoder's own pretraining
head given the gold box (cell logits averaged over the box's covered cells, argmax over the 20 names) — what
naming costs with the localisation given for free. Intervals: 95 % percentile bootstrap over scenes (scenes
resampled, so the objects of one scene stay together), 2,000 resamples, seeded.

Scenes: ``attention_core.data.scene_kinds`` (source split ``heldout``: Fashion-MNIST test items 6,000–9,999,
which no training, validation or card test scene uses; the test split's digits). Nothing here picks a
checkpoint: the trainers select on their validation scenes.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from attention_core.checkpoint import WEIGHTS_DIR, load_checkpoint
from attention_core.data.scene_kinds import KINDS, make_kind_scenes
from attention_core.models.captioning import EOS, CaptionDecoder
from attention_core.models.grounded_decoding import GroundedRule, occupied_cells, scene_foreground
from attention_core.models.glimpse import load_glimpse_reader
from attention_core.models.head_bias import HeadBias, head_encoder_folders, load_bias_head
from attention_core.models.scene_encoder import (READ_SIDE, SceneEncoder, load_scene_encoder, scene_batch,
                                                 scene_pixels)
from training.captioning import decode_batch, parse_caption, region_mask
from training.scene_encoder import BACKGROUND, ITEM_NAMES, cell_cover, covered_cells

FILE = "robustness.json"
SCENES_PER_KIND = 200
RESAMPLES = 2000


@torch.no_grad()
def scene_features(scenes: list[dict], net: SceneEncoder, background_first_input: bool = True) -> dict:
    """``scenes`` → objects, captions and the encoder's region features ``[N, 49, C]`` and head logits
    ``[N, 49, 21]``, and each layout cell's foreground for the grounded rule ``[N, 4]`` (``background_first_input=False``:
    the input as read before issue 20), 100 scenes at a time."""
    pixels = np.stack([scene_pixels(s["image"], net.read_side) for s in scenes])
    small = pixels if net.read_side == READ_SIDE else np.stack([scene_pixels(s["image"]) for s in scenes])
    foreground = scene_foreground(small, background_first_input)          # on the 112 read, as on the page
    feats, logits = [], []
    for i in range(0, len(scenes), 100):
        grid = net(scene_batch(pixels[i:i + 100], background_first_input, net.scales))
        feats.append(grid.flatten(2).transpose(1, 2))
        logits.append(net.cell_logits(grid).flatten(2).transpose(1, 2))
    return {"features": torch.cat(feats), "logits": torch.cat(logits), "foreground": foreground,
            "objects": [s["objects"] for s in scenes],
            "captions": [s["caption"] for s in scenes]}


def kind_data(kind: str, count: int, net: SceneEncoder, background_first: bool = True) -> dict:
    """``count`` held-out scenes of ``kind`` through :func:`scene_features`."""
    return scene_features(make_kind_scenes(kind, count), net, background_first)


def scene_counts(words: list[str], objects: list[dict], alphas: torch.Tensor | None) -> dict[str, object]:
    """One scene's caption against its objects: gold objects, placed (cell named), named right, invented
    phrases (cells with no object) and α mass in the box of each object named right."""
    said = {cell: (t, name) for t, name, cell in parse_caption(words)}
    gold = {o["cell"]: o for o in objects}
    placed = right = 0
    inside = []
    for cell, obj in gold.items():
        hit = said.get(cell)
        if hit is None:
            continue
        placed += 1
        if hit[1] == obj["name"]:
            right += 1
            if alphas is not None:
                inside.append(float(alphas[hit[0]][torch.from_numpy(region_mask(tuple(obj["box"])))].sum()))
    return {"objects": len(objects), "placed": placed, "right": right,
            "invented": sum(cell not in gold for cell in said), "inside": inside}


def decoder_captions(model: CaptionDecoder, words: list[str], data: dict, grounded: dict | None = None,
                     bias: HeadBias | None = None, head_logits: torch.Tensor | list[torch.Tensor] | None = None,
                     ) -> list[tuple[list[str], torch.Tensor]]:
    """Greedy captions of every scene in ``data`` → per scene its words (no EOS) and α rows ``[T, 49]``.
    ``grounded`` (a captioner's ``grounded`` config: ``threshold``, ``cells``): decode with the grounded rule
    (``attention_core.models.grounded_decoding``), occupancy read from ``data["logits"]`` (the encoder head on the
    same read as the features) and ``data["foreground"]``. ``bias`` (``head_bias``): the name words biased by the
    head's logits ``head_logits [N, 49, classes + 1]`` on the bias's read (default: ``data["logits"]``), or a list of
    such, one per encoder of an ensemble (round 11: p_head their probabilities' mean)."""
    out = []
    rule = None if grounded is None else GroundedRule(tuple(words), EOS, grounded.get("cells", "mask"))
    head_logits = data["logits"] if head_logits is None else head_logits
    for i in range(0, len(data["objects"]), 100):
        occupied = None if rule is None else occupied_cells(data["logits"][i:i + 100], grounded["threshold"],
                                                            data["foreground"][i:i + 100])
        probs = None if bias is None else bias.probabilities(     # the heads' mean, or (stop 41) the reader's gate
            [x[i:i + 100] for x in head_logits] if isinstance(head_logits, (list, tuple)) else [head_logits[i:i + 100]])
        ids, alphas = decode_batch(model, data["features"][i:i + 100].float(), rule, occupied, bias, probs)
        for k, (seq, alpha) in enumerate(zip(ids, alphas)):
            if rule is not None and not occupied[k]:    # the encoder sees no object: no caption, as on the page
                seq, alpha = [], alpha[:0]
            elif rule is not None:
                seq, rows = rule.finish(seq, occupied[k])
                alpha = alpha[rows]
            out.append(([words[t] for t in seq if t != EOS], alpha))
    return out


def decoder_counts(model: CaptionDecoder, words: list[str], data: dict, grounded: dict | None = None,
                   bias: HeadBias | None = None, head_logits: torch.Tensor | list[torch.Tensor] | None = None,
                   ) -> list[dict]:
    """:func:`decoder_captions` of every scene in ``data`` → :func:`scene_counts` per scene."""
    return [scene_counts(said, objects, alpha) for (said, alpha), objects
            in zip(decoder_captions(model, words, data, grounded, bias, head_logits), data["objects"])]


def head_name(logits: torch.Tensor, box: tuple[int, int, int, int]) -> str:
    """The encoder-head namer's name for one gold box: one scene's head logits ``[49, classes + 1]`` averaged over the
    box's covered cells, argmax over the item classes (background excluded)."""
    keep = torch.from_numpy(covered_cells(cell_cover(tuple(box))))
    return ITEM_NAMES[int(logits[keep][:, :BACKGROUND].float().mean(0).argmax())]


def head_counts(data: dict) -> list[dict]:
    """The encoder-head namer: each gold object named by :func:`head_name` → :func:`scene_counts`-like counts (every
    object placed; nothing invented)."""
    out = []
    for logits, objects in zip(data["logits"], data["objects"]):
        right = sum(head_name(logits, obj["box"]) == obj["name"] for obj in objects)
        out.append({"objects": len(objects), "placed": len(objects), "right": right, "invented": 0, "inside": []})
    return out


def rate(counts: list[dict], num: str, den: str, idx: np.ndarray | None = None) -> float:
    """Σ ``num`` / Σ ``den`` over the scenes ``idx`` of ``counts`` (all scenes by default; NaN when Σ den is 0)."""
    idx = range(len(counts)) if idx is None else idx
    n = sum(counts[i][num] if num != "inside" else sum(counts[i]["inside"]) for i in idx)
    d = sum(counts[i][den] if den != "inside" else len(counts[i]["inside"]) for i in idx)
    return n / d if d else float("nan")


def _draws(scenes: int, resamples: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, scenes, scenes) for _ in range(resamples)]


def _interval(values: np.ndarray) -> list[float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return [float("nan"), float("nan")]
    return [round(float(v), 4) for v in np.percentile(values, [2.5, 97.5])]


def rate_interval(counts: list[dict], num: str, den: str, resamples: int = RESAMPLES, seed: int = 0) -> list[float]:
    """The 95 % scene-bootstrap interval of :func:`rate` ``num`` / ``den`` over ``counts`` (scenes resampled)."""
    return _interval(np.array([rate(counts, num, den, d) for d in _draws(len(counts), resamples, seed)]))


def name_difference(a: list[dict], b: list[dict], resamples: int = RESAMPLES, seed: int = 0) -> dict[str, object]:
    """Name accuracy of ``a`` minus that of ``b`` on the same scenes, with a paired scene-bootstrap interval;
    ``on_par`` when the interval holds 0."""
    every = np.arange(len(a))
    diff = lambda idx: rate(a, "right", "placed", idx) - rate(b, "right", "placed", idx)
    low, high = _interval(np.array([diff(d) for d in _draws(len(a), resamples, seed)]))
    return {"value": round(diff(every), 4), "interval": [low, high], "on_par": bool(low <= 0 <= high)}


def summary(counts: list[dict], resamples: int = RESAMPLES, seed: int = 0) -> dict[str, object]:
    """Name / object accuracy, invented objects and α mass of per-scene counts, with scene-bootstrap intervals."""
    def stat(num: str, den: str) -> dict[str, object]:
        return {"value": round(rate(counts, num, den), 4),
                "interval": rate_interval(counts, num, den, resamples, seed)}

    return {"scenes": len(counts), "objects": sum(c["objects"] for c in counts),
            "name_accuracy": stat("right", "placed"), "object_accuracy": stat("right", "objects"),
            "position_accuracy": stat("placed", "objects"),
            "invented_objects": sum(c["invented"] for c in counts),
            "scenes_with_invented": sum(c["invented"] > 0 for c in counts),
            "box_attention_share": stat("inside", "inside") if any(c["inside"] for c in counts) else None}


def load_decoder(folder: Path, kind: str, vocab_size: int) -> CaptionDecoder:
    """The ``kind`` captioner saved in ``folder/kind``, float16 weights as shipped, eval mode."""
    state, config = load_checkpoint(folder / kind)
    model = CaptionDecoder(vocab_size, kind, **config["model"])
    model.load_state_dict(state)
    return model.eval()


def captioner_settings(folder: Path, kind: str) -> dict[str, object]:
    """The decoding settings the ``kind`` captioner in ``folder`` declares in its ``config.json``: its encoder read
    (``encoder_read``, None = as the encoder was saved), grounded threshold (``grounded``, None = free) and head
    bias (``head_bias``, None = none)."""
    config = json.loads((folder / kind / "config.json").read_text())
    return {"encoder_read": config.get("encoder_read"), "grounded": config.get("grounded"),
            "head_bias": config.get("head_bias")}


def head_bias_of(folder: Path, settings: dict[str, object], words: list[str]) -> HeadBias | None:
    """The :class:`HeadBias` a captioner's ``settings`` (:func:`captioner_settings`) declare over ``words``."""
    names = json.loads((folder / "encoder" / "config.json").read_text())["names"]
    return HeadBias.from_config(settings.get("head_bias"), words, names)


def bias_read(settings: dict[str, object]) -> dict | None:
    """The encoder read whose head the captioner's head bias reads (its own read unless the bias declares one)."""
    bias = settings.get("head_bias")
    return settings["encoder_read"] if not bias or bias.get("read") is None else bias["read"]


def bias_encoders(settings: dict[str, object]) -> tuple[str, ...]:
    """Every encoder folder whose head the captioner's head bias reads: ``("encoder",)`` unless the bias declares its
    own, one folder (round 9) or a list (round 11: an ensemble, p_head averaged over them; round 12: ``[]``, none —
    the glimpse reader alone)."""
    return head_encoder_folders(settings.get("head_bias"))


def glimpse_key(settings: dict[str, object]) -> str | None:
    """The key of the captioner's glimpse reader's logits in :func:`captioner_captions`'s reads (None: it has none)."""
    folder = (settings.get("head_bias") or {}).get("glimpse")
    return None if folder is None else json.dumps(["glimpse", folder])


@torch.no_grad()
def glimpse_logits(reader, scenes: list[dict]) -> dict:
    """A :class:`~attention_core.models.glimpse.GlimpseReader`'s logits ``[N, 49, classes + 1]`` of ``scenes`` (as
    ``{"logits": …}``, like :func:`scene_features`), 50 scenes at a time."""
    from attention_core.models.glimpse import glimpse_pixels
    out = [reader.region_logits(torch.stack([glimpse_pixels(s["image"]) for s in scenes[i:i + 50]]))
           for i in range(0, len(scenes), 50)]
    return {"logits": torch.cat(out)}


def read_key(encoder: str, read: dict | None) -> str:
    """The key of one (encoder folder, read) in :func:`captioner_captions`'s reads: the read's JSON for the family's
    ``encoder`` (as before round 9), the pair's JSON for another encoder."""
    return json.dumps(read, sort_keys=True) if encoder == "encoder" else json.dumps([encoder, read], sort_keys=True)


@torch.no_grad()
def bias_logits(folder: Path, settings: dict[str, object], data: dict) -> torch.Tensor:
    """The logits ``[N, 49, classes + 1]`` the captioner's head bias reads from ``data`` (:func:`scene_features` of its
    bias read): the encoder head's, or its own ``head`` folder's (:class:`~attention_core.models.head_bias.BiasHead`)."""
    bias = settings.get("head_bias") or {}
    if not bias.get("head"):
        return data["logits"]
    return load_bias_head(folder / bias["head"])(data["features"].float())


def ensemble_logits(folder: Path, settings: dict[str, object], reads: dict[str, dict]) -> list[torch.Tensor]:
    """The logits the captioner's head bias reads (:func:`bias_logits`) from ``reads`` (keyed by :func:`read_key`), one
    per encoder (round 11: an ensemble's p_head is their mean; of one, that head's exactly, ``mean_head_probabilities``)."""
    out = [bias_logits(folder, settings, reads[read_key(e, bias_read(settings))]) for e in bias_encoders(settings)]
    key = glimpse_key(settings)
    return out if key is None else out + [reads[key]["logits"]]      # round 12: the glimpse reader joins


def captioner_captions(folder: Path, scenes: list[dict], background_first: bool = True,
                       decoders: tuple[str, ...] = ("soft", "hard"),
                       ) -> tuple[dict[str, list[tuple[list[str], torch.Tensor]]], dict[str, dict]]:
    """Per decoder in ``folder``, :func:`decoder_captions` of ``scenes``, each read and decoded as its config
    declares (encoder read, grounded rule, head bias); and the :func:`scene_features` of every (encoder, read) used,
    keyed by :func:`read_key` (``"null"``: the family's encoder as saved)."""
    words = json.loads((folder / "vocab.json").read_text())
    settings = {d: captioner_settings(folder, d) for d in decoders}
    reads: dict[str, dict] = {}
    for encoder, read in [("encoder", None), *(("encoder", s["encoder_read"]) for s in settings.values()),
                          *((e, bias_read(s)) for s in settings.values() for e in bias_encoders(s))]:
        key = read_key(encoder, read)
        if key not in reads:
            reads[key] = scene_features(scenes, load_scene_encoder(folder / encoder, "cpu", read), background_first)
    for s in settings.values():
        key = glimpse_key(s)
        if key is not None and key not in reads:
            reads[key] = glimpse_logits(load_glimpse_reader(folder / s["head_bias"]["glimpse"]), scenes)
    out = {}
    for d, s in settings.items():
        data = reads[read_key("encoder", s["encoder_read"])]
        out[d] = decoder_captions(load_decoder(folder, d, len(words)), words, data, s["grounded"],
                                  head_bias_of(folder, s, words),
                                  ensemble_logits(folder, s, reads))
    return out, reads


def captioner_counts(folder: Path, scenes: list[dict], background_first: bool = True,
                     decoders: tuple[str, ...] = ("soft", "hard")) -> dict[str, list[dict]]:
    """Per decoder in ``folder``, :func:`scene_counts` on ``scenes``, each read and decoded as its config declares
    (:func:`captioner_captions`); plus the encoder-head namer on the encoder's own read (key ``head``)."""
    captions, reads = captioner_captions(folder, scenes, background_first, decoders)
    out = {"head": head_counts(reads[json.dumps(None)])}
    for d, caps in captions.items():
        out[d] = [scene_counts(said, s["objects"], alpha) for (said, alpha), s in zip(caps, scenes)]
    return out


def score_weights(folder: Path, count: int, background_first: bool = True,
                  kinds: tuple[str, ...] = tuple(KINDS)) -> dict[str, dict]:
    """Every kind's summary for the encoder-head namer and both decoders whose weights are in ``folder``
    (``…/caption``: ``encoder/``, ``soft/``, ``hard/``, ``vocab.json``), each decoder read and decoded as its
    ``config.json`` declares (:func:`captioner_settings`)."""
    out: dict[str, dict] = {}
    for kind in kinds:
        counts = captioner_counts(folder, make_kind_scenes(kind, count), background_first)
        head = counts.pop("head")
        out[kind] = {"encoder head (gold box)": summary(head)}
        for name, c in counts.items():
            out[kind][name] = {**summary(c), "minus_encoder_head": name_difference(c, head)}
        print(kind, json.dumps({k: v["name_accuracy"]["value"] for k, v in out[kind].items()}), flush=True)
    return out


def _earlier(path: Path, scenes: int) -> dict:
    """An earlier output of this command, refused unless it scored the same number of scenes per kind."""
    earlier = json.loads(path.read_text())
    if earlier["scenes_per_kind"] != scenes:
        raise SystemExit(f"{path} scored {earlier['scenes_per_kind']} scenes per kind, not {scenes}")
    return earlier


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folder", type=Path, default=WEIGHTS_DIR / "caption", help="weights to score (…/caption)")
    p.add_argument("--before", type=Path, help="also score these earlier weights (…/caption), as read then "
                   "(no background-first input) and with the background-first input")
    p.add_argument("--before-from", type=Path, help="take the two before runs from this earlier output instead")
    p.add_argument("--previous-from", type=Path, help="an earlier output whose 'after' (the weights shipped "
                   "then) is kept as 'previous round'")
    p.add_argument("--previous-label", help="the name of the round kept as 'previous round' (e.g. 'round 15')")
    p.add_argument("--after-label", help="the name of the round scored now (e.g. 'round 16')")
    p.add_argument("--scenes", type=int, default=SCENES_PER_KIND, help="held-out scenes per kind")
    p.add_argument("--out", type=Path, help=f"JSON to write (default: FOLDER/{FILE})")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    result = {"scenes_per_kind": a.scenes, "kinds": {k: asdict(v) for k, v in KINDS.items()},
              "after": score_weights(a.folder, a.scenes)}
    if a.before_from:
        result.update({k: v for k, v in _earlier(a.before_from, a.scenes).items() if k.startswith("before")})
    if a.previous_from:
        result["previous round"] = _earlier(a.previous_from, a.scenes)["after"]
    if a.before and not a.before_from:
        result["before"] = score_weights(a.before, a.scenes, background_first=False)
        result["before, background-first input"] = score_weights(a.before, a.scenes)
    labels = {k: v for k, v in (("previous round", a.previous_label), ("after", a.after_label)) if v}
    if labels:
        result["labels"] = labels
    path = a.out or a.folder / FILE
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
