"""Pretrain the captioners' scene encoder: which of the 20 item classes (or background) covers each grid cell.

    python -m training.scene_encoder                  # → attention_core/weights/caption/encoder/

Like an ImageNet backbone, but on our items: canvases are rendered with the scene generator's own placement
code (``attention_core.data.scenes.place_item``: random size 60–104 px and offset inside a cell of the 2 × 2
layout), one item in each of the four cells, from the TRAINING split's source items only (Fashion-MNIST
train 0–19,999 and digits 0–3,599; validation items pick the best checkpoint; the test items — Fashion-MNIST's
test file and digits 4,000–4,999 — are only scored at the end). Two losses on the 7 × 7 grid: per-cell
cross-entropy (cells at least 30 % covered by an item → its class, empty cells → background, the partly
covered rest ignored) and per-item cross-entropy of the logits averaged over the item's covered cells, so
every cell of an item carries its identity. Fresh canvases every step (the generator is free), seeded.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from attention_core.checkpoint import WEIGHTS_DIR, load_checkpoint, save_checkpoint
from attention_core.models.scene_encoder import DEFAULT_WIDTHS, READ_SIDE, SceneEncoder, scene_batch, scene_pixels
from attention_core.data.scene_kinds import augmented_kind, render
from attention_core.data.scenes import CELLS, FASHION_NAMES, SIZE, load_sources, place_item
from training.loop import seed_everything

ITEM_NAMES = FASHION_NAMES + [str(d) for d in range(10)]
ITEM_INDEX = {n: i for i, n in enumerate(ITEM_NAMES)}
BACKGROUND = len(ITEM_NAMES)
COVERED, EMPTY = 0.3, 0.02  # cell fractions: labelled with the item / background; in between: ignored


def cell_cover(box: tuple[int, int, int, int], side: int = 7) -> np.ndarray:
    """``[side²]``: the fraction of each cell of a ``side × side`` grid over the 224 scene (32 × 32 px cells for
    the encoder's 7 × 7) covered by ``box`` (row-major)."""
    cell = SIZE / side
    x0, y0, x1, y1 = box
    edges = np.arange(side + 1) * cell
    w = np.clip(np.minimum(edges[1:], x1) - np.maximum(edges[:-1], x0), 0, None)
    h = np.clip(np.minimum(edges[1:], y1) - np.maximum(edges[:-1], y0), 0, None)
    return (h[:, None] * w[None, :]).ravel() / cell ** 2


def covered_cells(cover: np.ndarray) -> np.ndarray:
    """``cover``'s shape, bool: the cells that carry an item's label — those ≥ 30 % covered, or for an item too small
    to cover any cell that much (a 30 px item over four cells), those at least 60 % as covered as its most."""
    return cover >= min(COVERED, 0.6 * float(cover.max()))


def augmented_canvases(sources, count: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`render_canvases` but each canvas a random training kind (``scene_kinds.augmented_kind``:
    1–4 items of 30–110 px, clutter, noise, inversion); absent item slots have class -100 (ignored)."""
    images = np.zeros((count, READ_SIDE, READ_SIDE), dtype=np.uint8)
    labels = np.full((count, 49), BACKGROUND, dtype=np.int64)
    weights = np.zeros((count, 4, 49), dtype=np.float32)
    classes = np.full((count, 4), -100, dtype=np.int64)
    for n in range(count):
        scene = render(augmented_kind(rng), sources, rng)
        for k, obj in enumerate(scene["objects"]):
            cover = cell_cover(obj["box"])
            cls, keep = ITEM_INDEX[obj["name"]], covered_cells(cell_cover(obj["box"]))
            labels[n][(cover > EMPTY) & (labels[n] == BACKGROUND)] = -100
            labels[n][keep] = cls
            weights[n, k] = keep / max(keep.sum(), 1)
            classes[n, k] = cls
        images[n] = scene_pixels(scene["image"])
    return images, labels, weights, classes


def render_canvases(sources, count: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``count`` canvases with an item in every cell → images uint8 ``[N, 112, 112]``, cell labels ``[N, 49]``
    (class, background, or -100 = ignored), item cell weights ``[N, 4, 49]`` and item classes ``[N, 4]``."""
    images = np.zeros((count, READ_SIDE, READ_SIDE), dtype=np.uint8)
    labels = np.full((count, 49), BACKGROUND, dtype=np.int64)
    weights = np.zeros((count, 4, 49), dtype=np.float32)
    classes = np.zeros((count, 4), dtype=np.int64)
    for n in range(count):
        canvas = Image.new("L", (SIZE, SIZE), 0)
        for k, cell in enumerate(CELLS):
            obj = place_item(canvas, sources, cell, rng)
            cover = cell_cover(obj["box"])
            cls = ITEM_INDEX[obj["name"]]
            labels[n][(cover > EMPTY) & (labels[n] == BACKGROUND)] = -100
            labels[n][cover >= COVERED] = cls
            weights[n, k] = (cover >= COVERED) / max((cover >= COVERED).sum(), 1)
            classes[n, k] = cls
        # the captioners read scenes through the same RGB → L → 112 resize (scene_encoder.scene_tensor)
        images[n] = np.asarray(canvas.convert("RGB").convert("L").resize((READ_SIDE, READ_SIDE), Image.BILINEAR))
    return images, labels, weights, classes


def item_logits(net: SceneEncoder, images: np.ndarray, weights: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Cell logits ``[N, 49, 21]`` and per-item logits ``[N, 4, 20]`` (cell logits averaged over the item's cells)."""
    cells = net.head(net(scene_batch(images))).flatten(2).transpose(1, 2)
    items = torch.bmm(torch.from_numpy(weights), cells)[..., :BACKGROUND]
    return cells, items


@torch.no_grad()
def item_accuracy(net: SceneEncoder, data: tuple[np.ndarray, ...]) -> dict[str, float]:
    """Held-out item accuracy (overall, clothing, digits) of the per-item pooled prediction."""
    net.eval()
    images, _, weights, classes = data
    preds = torch.cat([item_logits(net, images[i:i + 100], weights[i:i + 100])[1].argmax(-1)
                       for i in range(0, len(images), 100)]).numpy()
    present = classes >= 0                     # augmented canvases leave absent item slots at -100
    preds, classes = preds[present], classes[present]
    right = preds == classes
    fashion = classes < len(FASHION_NAMES)
    return {"items": int(right.size), "accuracy": float(right.mean()),
            "clothing_accuracy": float(right[fashion].mean()), "digit_accuracy": float(right[~fashion].mean())}


def previous_run(metrics: dict) -> dict:
    """The run a continued encoder started from, as recorded in its ``metrics.json`` — with that run's own
    start nested under ``previous``, so a chain of continuations is described whole."""
    run_ = {k: metrics.get(k) for k in ("steps", "batch", "train_seconds", "best_step")}
    run_["augmented"] = bool(metrics.get("augmented"))
    if metrics.get("previous"):
        run_["previous"] = metrics["previous"]
    return run_


def run(out: Path, steps: int, batch: int, lr: float, seed: int, threads: int, widths: tuple[int, ...],
        eval_every: int = 100, valid_canvases: int = 250, test_canvases: int = 500, local: bool = True,
        augment: bool = False, init: Path | None = None, max_minutes: float | None = None) -> dict:
    """Pretrain (``augment``: on the random training kinds; ``init``: continuing from the encoder saved there),
    keep the best validation checkpoint (the validation canvases drawn like the training ones), score the test
    items, save float16 weights. ``max_minutes`` stops early (the schedule is still planned for ``steps``)."""
    seed_everything(seed, threads)
    train_sources = load_sources("train")
    draw = augmented_canvases if augment else render_canvases
    valid = draw(load_sources("valid"), valid_canvases, random.Random(seed + 100))
    rng = random.Random(seed)
    net = SceneEncoder(widths, BACKGROUND, local)
    previous = None
    if init is not None:
        net.load_state_dict(load_checkpoint(init)[0])
        old = json.loads((init / "metrics.json").read_text())
        previous = previous_run(old)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    best, best_step, history, t0, running, done = -1.0, 0, [], time.time(), [], 0
    if init is not None:                       # a warm start keeps the starting weights unless a step beats them
        best = item_accuracy(net, valid)["accuracy"]
        history.append({"step": 0, "valid": round(best, 4)})
        print(json.dumps(history[-1]), flush=True)
        save_checkpoint(net, {"widths": list(widths), "classes": BACKGROUND, "local": local, "read_side": READ_SIDE,
                              "names": ITEM_NAMES}, out)
    for step in range(1, steps + 1):
        if max_minutes is not None and time.time() - t0 > 60 * max_minutes:
            break
        net.train()
        images, labels, weights, classes = draw(train_sources, batch, rng)
        cells, items = item_logits(net, images, weights)
        loss = (F.cross_entropy(cells.reshape(-1, BACKGROUND + 1), torch.from_numpy(labels).reshape(-1),
                                ignore_index=-100)
                + F.cross_entropy(items.reshape(-1, BACKGROUND), torch.from_numpy(classes).reshape(-1),
                                  ignore_index=-100))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        done = step
        running.append(loss.item())
        if step % eval_every == 0 or step == steps or (max_minutes is not None and
                                                       time.time() - t0 > 60 * max_minutes):
            acc = item_accuracy(net, valid)["accuracy"]
            history.append({"step": step, "train_loss": round(float(np.mean(running)), 4), "valid": round(acc, 4),
                            "seconds": round(time.time() - t0, 1)})
            running = []
            print(json.dumps(history[-1]), flush=True)
            if acc > best:
                best, best_step = acc, step
                save_checkpoint(net, {"widths": list(widths), "classes": BACKGROUND, "local": local, "read_side": READ_SIDE,
                                      "names": ITEM_NAMES}, out)
    train_seconds = time.time() - t0
    shipped = SceneEncoder(widths, BACKGROUND, local)
    shipped.load_state_dict(load_checkpoint(out)[0])        # score the float16 weights as saved
    test = render_canvases(load_sources("test"), test_canvases, random.Random(seed + 200))
    extra = {}
    if augment:   # the training kinds on test items too, and the clean validation canvases
        extra = {"augmented": True, "test_augmented": item_accuracy(shipped, augmented_canvases(
                     load_sources("test"), test_canvases, random.Random(seed + 300))),
                 "valid_clean": item_accuracy(shipped, render_canvases(load_sources("valid"), valid_canvases,
                                                                       random.Random(seed + 100)))}
    if previous:
        extra["previous"] = previous
    metrics = {"params": sum(p.numel() for p in net.body.parameters()), "head_params":
               sum(p.numel() for p in net.head.parameters()), "widths": list(widths), "local": local, "steps": done,
               "planned_steps": steps, "batch": batch, "canvases_seen": done * batch, "lr": lr,
               "seed": seed, "best_step": best_step, "best_valid_item_accuracy": best,
               "train_seconds": round(train_seconds, 1), "weights": "float16",
               "valid": item_accuracy(shipped, valid), "test": item_accuracy(shipped, test), **extra,
               "history": history}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}), flush=True)
    return metrics


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR / "caption" / "encoder")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--widths", default="32,64,160,256", help=f"channels per stage (session 3: {DEFAULT_WIDTHS})")
    p.add_argument("--wide", action="store_true", help="3 × 3 convolutions at the 7 × 7 grid (regions see the "
                   "whole scene, as in session 3) instead of the shipped 1 × 1 (regions see ~59 px)")
    p.add_argument("--augment", action="store_true", help="train on the random scene kinds of issue 20 item 3 "
                   "(1–4 items of 30–110 px, clutter, pixel noise, inverted contrast)")
    p.add_argument("--init", type=Path, help="continue from the encoder saved in this folder")
    p.add_argument("--max-minutes", type=float, help="stop after this much wall clock")
    a = p.parse_args()
    run(a.out, a.steps, a.batch, a.lr, a.seed, a.threads, tuple(int(w) for w in a.widths.split(",")), a.eval_every,
        local=not a.wide, augment=a.augment, init=a.init, max_minutes=a.max_minutes)


if __name__ == "__main__":
    main()
