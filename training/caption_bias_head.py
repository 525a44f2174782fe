"""Train a head for the head bias only (issue 20 item 3, round 8): a linear per-region item classifier over a read of
the frozen scene encoder, fitted on training-source scenes of the augmented mix.

    python -m training.caption_bias_head --read mean --out DIR/caption/bias_head

The shipped head bias reads the encoder's pretraining head, fitted with the encoder at the 112-px read; through the
two-scale reads it meets features it was not fitted on (the 224-px read's grid pooled 2 × 2). This refits only the
linear head (``attention_core.models.head_bias.BiasHead``, started from the encoder head) on the features of the
bias's read — ``confident`` / ``mean`` (the round-6/8 isolated reads, 256-d) or ``concat`` (both reads, 512-d, started
from the two heads' mean) — of ``--scenes`` training-source scenes of the augmented mix (a fresh seed), region labels
as the encoder's pretraining gives them (``training.scene_encoder``: an item's covered cells, background, partly
covered cells ignored). The epoch is picked on validation-source mix scenes (a seed the selectors do not use) by the
gold-box item accuracy; the decoders' choice is made afterwards on validation (``training.caption_bias_read_select``).
The encoder, the grounded rule's head and the decoders are untouched.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from attention_core.checkpoint import WEIGHTS_DIR, save_checkpoint
from attention_core.data.scene_kinds import KINDS, make_augmented_scenes, make_kind_scenes
from attention_core.models.head_bias import BiasHead
from attention_core.models.scene_encoder import confident_read, load_scene_encoder, mean_read, scene_batch, scene_pixels
from training.scene_encoder import BACKGROUND, EMPTY, ITEM_INDEX, cell_cover, covered_cells

ISOLATED = {"gate": 0.3, "isolated": 4}
READS = {"confident": {"scales": [112, 224], "combine": "confident", **ISOLATED},
         "mean": {"scales": [112, 224], "combine": "mean", **ISOLATED},
         "concat": {"scales": [112, 224]}}
TRAIN_SEED, VALID_SEED = 808, 818      # fresh mix scenes (the trainers use SPLITS' seeds, the selectors those too)


@torch.no_grad()
def features(scenes: list[dict], encoder_folder: Path) -> dict[str, torch.Tensor]:
    """Scenes → per read of :data:`READS` the region features ``[N, 49, D]`` (float16) and the region labels
    ``[N, 49]`` (class, background, -100 ignored) and per-object cell weights for the gold-box accuracy."""
    net = load_scene_encoder(encoder_folder, "cpu", READS["concat"])
    pixels = np.stack([scene_pixels(s["image"], 224) for s in scenes])
    out: dict[str, list] = {k: [] for k in READS}
    for i in range(0, len(scenes), 100):
        both = net(scene_batch(pixels[i:i + 100], scales=(112, 224)))            # [B, 512, 7, 7]
        grids = torch.stack([both[:, :net.width], both[:, net.width:]], 1)
        for name, grid in (("concat", both), ("confident", confident_read(grids, net.head, **ISOLATED)),
                           ("mean", mean_read(grids, net.head, **ISOLATED))):
            out[name].append(grid.flatten(2).transpose(1, 2).half())
    labels = np.full((len(scenes), 49), BACKGROUND, dtype=np.int64)
    for n, scene in enumerate(scenes):
        for obj in scene["objects"]:
            cover = cell_cover(tuple(obj["box"]))
            labels[n][(cover > EMPTY) & (labels[n] == BACKGROUND)] = -100
            labels[n][covered_cells(cover)] = ITEM_INDEX[obj["name"]]
    return {**{k: torch.cat(v) for k, v in out.items()}, "labels": torch.from_numpy(labels)}


def gold_box_accuracy(head: BiasHead, feats: torch.Tensor, scenes: list[dict]) -> float:
    """Share of the scenes' objects the head names from its logits averaged over the box's covered cells."""
    with torch.no_grad():
        logits = head(feats.float())
    right = total = 0
    for n, scene in enumerate(scenes):
        for obj in scene["objects"]:
            keep = torch.from_numpy(covered_cells(cell_cover(tuple(obj["box"]))))
            right += int(logits[n][keep][:, :BACKGROUND].mean(0).argmax()) == ITEM_INDEX[obj["name"]]
            total += 1
    return right / total


def start_head(read: str, encoder_folder: Path) -> BiasHead:
    """The encoder's pretraining head as a :class:`BiasHead` over ``read``'s features (concat: the two heads' mean)."""
    net = load_scene_encoder(encoder_folder, "cpu")
    w, b = net.head.weight.detach()[:, :, 0, 0], net.head.bias.detach()
    head = BiasHead(w.shape[1] * (2 if read == "concat" else 1), w.shape[0] - 1)
    with torch.no_grad():
        head.linear.weight.copy_(torch.cat([w / 2, w / 2], 1) if read == "concat" else w)
        head.linear.bias.copy_(b)
    return head


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folder", type=Path, default=WEIGHTS_DIR / "caption", help="weights (…/caption)")
    p.add_argument("--read", choices=list(READS), required=True)
    p.add_argument("--scenes", type=int, default=4000, help="training-source mix scenes")
    p.add_argument("--kind-scenes", type=int, default=0, help="also this many training-source scenes of every "
                   "kind (scene_kinds.KINDS; their own seed), and a sixth as many validation-source ones per kind "
                   "for the epoch pick")
    p.add_argument("--valid-scenes", type=int, default=600, help="validation-source mix scenes (epoch pick)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--cache", type=Path, default=Path("/work/cache/caption8"))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    data: dict[str, tuple[dict, list]] = {}
    parts = [("train", "mix", a.scenes, TRAIN_SEED), ("valid", "mix", a.valid_scenes, VALID_SEED)]
    if a.kind_scenes:
        parts += [(split, kind, n, seed) for kind in KINDS for split, n, seed in
                  (("train", a.kind_scenes, TRAIN_SEED), ("valid", max(a.kind_scenes // 6, 1), VALID_SEED))]
    for split, kind, count, seed in parts:
        tag = "" if kind == "mix" else "_" + "".join(c for c in kind if c.isalnum())
        path = a.cache / f"bias_head_{split}{tag}_{count}_{seed}.pt"
        scenes = make_augmented_scenes(split, count, seed) if kind == "mix" else make_kind_scenes(kind, count, split,
                                                                                                 seed)
        if not path.exists():
            start = time.perf_counter()
            torch.save(features(scenes, a.folder / "encoder"), path)
            print(split, kind, f"features in {time.perf_counter() - start:.0f} s", flush=True)
        feats, old = torch.load(path), data.get(split)
        data[split] = (feats, scenes) if old is None else (
            {k: torch.cat([old[0][k], feats[k]]) for k in feats}, old[1] + scenes)
    train, _ = data["train"]
    x, y = train[a.read].flatten(0, 1), train["labels"].flatten()
    keep = y != -100
    x, y = x[keep].float(), y[keep]
    head = start_head(a.read, a.folder / "encoder")
    valid, vscenes = data["valid"]
    best = (gold_box_accuracy(head, valid[a.read], vscenes), 0)
    history = [{"epoch": 0, "valid_gold_box": round(best[0], 4)}]
    print(history[-1], flush=True)
    best_state = {k: v.clone() for k, v in head.state_dict().items()}
    opt = torch.optim.Adam(head.parameters(), lr=a.lr)
    for epoch in range(1, a.epochs + 1):
        head.train()
        order = torch.randperm(len(y))
        total = 0.0
        for i in range(0, len(y), 4096):
            idx = order[i:i + 4096]
            loss = torch.nn.functional.cross_entropy(head(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        head.eval()
        acc = gold_box_accuracy(head, valid[a.read], vscenes)
        history.append({"epoch": epoch, "train_loss": round(total / len(y), 4), "valid_gold_box": round(acc, 4)})
        print(history[-1], flush=True)
        if acc > best[0]:
            best = (acc, epoch)
            best_state = {k: v.clone() for k, v in head.state_dict().items()}
    head.load_state_dict(best_state)
    save_checkpoint(head, {"dim": head.linear.in_features, "classes": head.linear.out_features - 1,
                           "read": READS[a.read], "trained_on": f"{a.scenes} training-source mix scenes (seed "
                           f"{TRAIN_SEED}) and {a.kind_scenes} per kind; epoch picked on {a.valid_scenes} "
                           f"validation-source mix scenes and {max(a.kind_scenes // 6, 1) if a.kind_scenes else 0} "
                           f"per kind (seed {VALID_SEED}) by gold-box item accuracy", "best_epoch": best[1],
                           "history": history}, a.out)
    print("best", best, "→", a.out, flush=True)


if __name__ == "__main__":
    main()
