"""Train the glimpse reader (issue 20 item 3, round 12): name the item a full-resolution crop around a region holds.

    python -m training.glimpse --out /work/cache/glimpse/run1     # then ship with --ship caption/glimpse

Training crops come from scenes of the training mix (``scene_kinds.augmented_kind``: 1–4 items of 24–112 px,
clutter, noise, inversion) drawn from the TRAINING split's sources only. A region is labelled as the scene encoder's
cells are (``training.scene_encoder``: an item's class where it covers ≥ 30 % of the cell, or for an item too small
for that the cells ≥ 60 % as covered as its most; background where nothing covers over 2 %; the partly covered rest
ignored). Each scene gives up to ``--items`` item regions and ``--background`` background regions, each cut at a window
of :data:`~attention_core.models.glimpse.WINDOWS` drawn at random. The checkpoint kept is the epoch with the best mean
gold-box item accuracy over the validation-source scenes of every held-out kind (300 per kind; ``head_name`` on the
reader's logits, beside the encoder head's own on the same scenes); no held-out or card test scene is read.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from attention_core.checkpoint import save_checkpoint
from attention_core.data.scene_kinds import KINDS, augmented_kind, make_kind_scenes, render
from attention_core.data.scenes import load_sources
from attention_core.models.glimpse import (INPUT, WIDTHS, WINDOWS, GlimpseNet, GlimpseReader, glimpse_pixels,
                                           glimpses, load_glimpse_reader, region_centres)
from attention_core.models.scene_encoder import load_scene_encoder
from training.caption_robustness import head_counts, rate, scene_features
from training.loop import seed_everything
from training.scene_encoder import BACKGROUND, EMPTY, ITEM_INDEX, cell_cover, covered_cells


def region_labels(objects: list[dict], max_side: float | None = None) -> np.ndarray:
    """``[49]`` region labels of one scene: item class, background (:data:`BACKGROUND`) or -100 (ignored).
    ``max_side`` (px): items wider than this are background for a reader of items that fit its glimpse (a small-item
    reader then abstains on a big item's parts instead of naming them)."""
    labels = np.full(49, BACKGROUND, dtype=np.int64)
    for obj in objects:
        if max_side is not None and obj["box"][2] - obj["box"][0] > max_side:
            continue
        cover = cell_cover(obj["box"])
        labels[(cover > EMPTY) & (labels == BACKGROUND)] = -100
        labels[covered_cells(cover)] = ITEM_INDEX[obj["name"]]
    return labels


def _render_chunk(job: tuple[int, int, int, int, float | None]) -> tuple[np.ndarray, np.ndarray]:
    """``(seed, count, items, background, max_side)`` → pixels uint8 ``[count, 224, 224]`` and chosen (scene, region,
    label)."""
    seed, count, items, background, max_side = job
    rng = random.Random(seed)
    sources = load_sources("train")
    pixels = np.zeros((count, 224, 224), dtype=np.uint8)
    picks = []
    for n in range(count):
        scene = render(augmented_kind(rng), sources, rng)
        pixels[n] = np.asarray(scene["image"].convert("L"))
        labels = region_labels(scene["objects"], max_side)
        item = [r for r in range(49) if 0 <= labels[r] < BACKGROUND]
        empty = [r for r in range(49) if labels[r] == BACKGROUND]
        for r in rng.sample(item, min(items, len(item))) + rng.sample(empty, min(background, len(empty))):
            picks.append((n, r, int(labels[r])))
    return pixels, np.asarray(picks, dtype=np.int64).reshape(-1, 3)


def training_crops(scenes: int, seed: int, items: int, background: int, workers: int = 2, chunk: int = 500,
                   windows: tuple[int, ...] = WINDOWS, max_side: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Crops uint8 ``[N, S, S]`` and labels ``[N]`` from ``scenes`` training-mix scenes (each region at a random
    window of ``windows``; ``max_side``: see :func:`region_labels`)."""
    jobs = [(seed * 100_003 + k, min(chunk, scenes - k * chunk), items, background, max_side)
            for k in range((scenes + chunk - 1) // chunk)]
    centres = region_centres()
    gen = torch.Generator().manual_seed(seed)
    crops, labels = [], []
    with Pool(workers) as pool:
        for pixels, picks in pool.imap(_render_chunk, jobs):
            px = torch.from_numpy(pixels)
            which = torch.randint(len(windows), (len(picks),), generator=gen)
            for w, window in enumerate(windows):
                sel = torch.from_numpy(picks[(which == w).numpy()])
                if not len(sel):
                    continue
                cut = glimpses(px[sel[:, 0]], centres[sel[:, 1]][:, None], window)[:, 0]
                crops.append(cut.round().clamp(0, 255).to(torch.uint8))
                labels.append(sel[:, 2])
    return torch.cat(crops), torch.cat(labels)


def kind_accuracy(reader: GlimpseReader, sets: dict[str, list[dict]]) -> dict[str, float]:
    """Gold-box item accuracy of the reader's logits on each set of scenes (the encoder-head namer's rule,
    ``caption_robustness.head_counts``)."""
    out = {}
    for kind, scenes in sets.items():
        logits = torch.cat([reader.region_logits(torch.stack([glimpse_pixels(s["image"]) for s in scenes[i:i + 50]]))
                            for i in range(0, len(scenes), 50)])
        counts = head_counts({"logits": logits, "objects": [s["objects"] for s in scenes]})
        out[kind] = round(rate(counts, "right", "objects"), 4)
    return out


def encoder_accuracy(encoder: Path, sets: dict[str, list[dict]]) -> dict[str, float]:
    """The same gold-box accuracy for the scene encoder's own head (its saved read) on the same scenes."""
    net = load_scene_encoder(encoder, "cpu")
    return {kind: round(rate(head_counts(scene_features(scenes, net)), "right", "objects"), 4)
            for kind, scenes in sets.items()}


def run(a: argparse.Namespace) -> dict:
    """Generate, train, keep the best validation epoch; write ``model.safetensors``, ``config.json``, metrics."""
    seed_everything(a.seed)
    torch.set_num_threads(a.threads)
    start = time.time()
    sets = {kind: make_kind_scenes(kind, a.valid_scenes, "valid") for kind in KINDS}
    base = encoder_accuracy(a.encoder, sets)
    print("encoder head (gold box), validation:", base, flush=True)
    windows = tuple(a.windows)
    max_side = None if a.fit is None else a.fit * max(windows)
    x, y = training_crops(a.scenes, a.seed, a.items, a.background, windows=windows, max_side=max_side)
    print(f"{len(y)} crops ({(y == BACKGROUND).float().mean():.2f} background) in {time.time() - start:.0f} s", flush=True)
    net = GlimpseNet(20, tuple(a.widths))
    if a.init is not None:             # continue an earlier run (its config must match this one's net)
        net.load_state_dict(load_glimpse_reader(a.init).net.state_dict())
    steps = a.epochs * (len(y) // a.batch)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(a.seed)
    history, best, best_state = [], -1.0, None
    for epoch in range(a.epochs):
        net.train()
        order = torch.randperm(len(y), generator=gen)
        losses = []
        for k in range(len(y) // a.batch):
            idx = order[k * a.batch:(k + 1) * a.batch]
            batch = x[idx].float()[:, None]
            loss = F.cross_entropy(net(batch), y[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        net.eval()
        row: dict = {"epoch": epoch + 1, "loss": round(float(np.mean(losses[-200:])), 4), "seconds": round(time.time() - start)}
        for combine in ("mean", "confident"):
            acc = kind_accuracy(GlimpseReader(net, windows, combine=combine), sets)
            row[combine] = {**acc, "mean": round(float(np.mean([acc[k] for k in a.choose_on or acc])), 4)}
        history.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        score = max(row["mean"]["mean"], row["confident"]["mean"])
        if score > best:
            best, best_state = score, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    chosen = max(history, key=lambda r: max(r["mean"]["mean"], r["confident"]["mean"]))
    combine = "mean" if chosen["mean"]["mean"] >= chosen["confident"]["mean"] else "confident"
    config = {"classes": 20, "widths": list(a.widths), "windows": list(windows), "input": INPUT, "combine": combine,
              "fit": a.fit}
    a.out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(net, config, a.out, dtype=torch.float32)   # 0.6 MB; float16 would move the validated numbers
    metrics = {"command": {k: str(v) if isinstance(v, Path) else v for k, v in vars(a).items()}, "crops": int(len(y)),
               "validation_scenes_per_kind": a.valid_scenes, "encoder_head_gold_box_validation": base,
               "history": history, "chosen_epoch": chosen["epoch"], "combine": combine,
               "seconds": round(time.time() - start)}
    (a.out / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n")
    return metrics


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--encoder", type=Path, default=Path("attention_core/weights/caption/encoder"))
    p.add_argument("--scenes", type=int, default=60000)
    p.add_argument("--items", type=int, default=6, help="item regions per scene (at most)")
    p.add_argument("--background", type=int, default=2, help="background regions per scene (at most)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--valid-scenes", type=int, default=300)
    p.add_argument("--windows", type=int, nargs="+", default=list(WINDOWS), help="glimpse sides (px of the scene)")
    p.add_argument("--widths", type=int, nargs=4, default=list(WIDTHS), help="GlimpseNet's channels")
    p.add_argument("--init", type=Path, help="start from this saved reader's net (same widths)")
    p.add_argument("--fit", type=float, help="items wider than FIT × the largest window are background (a reader "
                   "of items that fit its glimpse)")
    p.add_argument("--choose-on", nargs="+", choices=list(KINDS), help="the kinds whose mean picks the epoch "
                   "(default: every kind)")
    a = p.parse_args()
    print(json.dumps({k: v for k, v in run(a).items() if k != "history"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
