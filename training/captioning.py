"""Train the Show, Attend and Tell captioners (soft or hard attention) on composed scenes.

    python -m training.captioning --attention soft
    python -m training.captioning --attention hard

Scenes are rendered from Fashion-MNIST and MNIST images (training split for training, test split for
held-out scenes); EfficientNet-Lite0 region features are computed once and cached.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import sacrebleu
import torch
from tqdm import tqdm

from attention_core.checkpoint import WEIGHTS_DIR, save_checkpoint
from attention_core.device import resolve_device
from attention_core.models.captioning import BOS, EOS, PAD, UNK, CaptionDecoder, Captioner
from attention_core.models.image_encoder import preprocess, region_features
from training.data.scenes import make_scenes

CONFIG = {"dim": 256, "emb": 64, "attn": 256}
CELL = 32   # 224 / 7 pixels per region


def scene_data(split: str, count: int, seed: int, cache: Path, device) -> dict:
    """Scenes with captions, boxes and cached region features ``[N, 49, 1280]`` (float16)."""
    path = cache / f"{split}-{count}-{seed}.pt"
    if path.exists():
        return torch.load(path, weights_only=True)
    scenes = make_scenes(split, count, seed)
    feats = []
    for i in tqdm(range(0, count, 32), desc=f"features {split}", mininterval=5):
        batch = torch.stack([preprocess(s["image"]) for s in scenes[i:i + 32]])
        feats.append(region_features(batch, str(device)).half().cpu())
    data = {"features": torch.cat(feats), "captions": [s["caption"] for s in scenes],
            "objects": [s["objects"] for s in scenes]}
    cache.mkdir(parents=True, exist_ok=True)
    torch.save(data, path)
    if split == "test":
        for i, s in enumerate(scenes[:3]):
            s["image"].save(cache / f"scene-{i + 1}.png")
    return data


def region_mask(box: tuple[int, int, int, int]) -> np.ndarray:
    """``[49]`` bool: regions whose 32 × 32 cell overlaps the box."""
    x0, y0, x1, y1 = box
    mask = np.zeros((7, 7), dtype=bool)
    for r in range(7):
        for c in range(7):
            mask[r, c] = x0 < (c + 1) * CELL and x1 > c * CELL and y0 < (r + 1) * CELL and y1 > r * CELL
    return mask.ravel()


def encode_caption(caption: str, index: dict[str, int]) -> list[int]:
    """Word ids + EOS."""
    return [index.get(w, UNK) for w in caption.split()] + [EOS]


def train(model: CaptionDecoder, data: dict, index: dict[str, int], max_minutes: float, epochs: int,
          seed: int, device, lam: float = 1.0, batch: int = 64) -> dict[str, float]:
    """Cross-entropy + doubly-stochastic regulariser; hard attention adds REINFORCE with a baseline."""
    rng = random.Random(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    caps = [encode_caption(c, index) for c in data["captions"]]
    n, start, steps, baseline = len(caps), time.time(), 0, None
    running = float("nan")
    for epoch in range(epochs):
        order = list(range(n))
        rng.shuffle(order)
        model.train()
        for i in tqdm(range(0, n, batch), desc=f"{model.kind} epoch {epoch + 1}", mininterval=5):
            idx = order[i:i + batch]
            feats = data["features"][idx].float().to(device)
            T = max(len(caps[j]) for j in idx)
            tgt = torch.full((len(idx), T), PAD, dtype=torch.long)
            for k, j in enumerate(idx):
                tgt[k, :len(caps[j])] = torch.tensor(caps[j])
            tgt = tgt.to(device)
            regions, state = model.start(feats)
            prev = torch.full((len(idx),), BOS, dtype=torch.long, device=device)
            soft_ctx = model.kind == "hard" and rng.random() < 0.5
            nll = torch.zeros(len(idx), device=device)
            alpha_sum = torch.zeros(len(idx), regions.shape[1], device=device)
            logp_choice = torch.zeros(len(idx), device=device)
            entropy = torch.zeros(len(idx), device=device)
            for t in range(T):
                out = model.step(regions, prev, state, soft_context=soft_ctx)
                live = (tgt[:, t] != PAD).float()
                nll = nll + torch.nn.functional.cross_entropy(out["logits"], tgt[:, t], ignore_index=PAD,
                                                              reduction="none")
                alpha_sum = alpha_sum + out["alpha"] * live[:, None]
                if model.kind == "hard":
                    a = out["alpha"].clamp_min(1e-9)
                    logp_choice = logp_choice + torch.log(a.gather(1, out["choice"][:, None]))[:, 0] * live
                    entropy = entropy - (a * a.log()).sum(-1) * live
                state, prev = (out["h"], out["c"]), tgt[:, t]
            words = (tgt != PAD).sum(1).float()
            loss = (nll / words).mean() + lam * ((1 - alpha_sum) ** 2).sum(1).mean() / regions.shape[1]
            if model.kind == "hard" and not soft_ctx:
                reward = -nll.detach() / words                   # log-likelihood of the caption
                baseline = reward.mean() if baseline is None else 0.9 * baseline + 0.1 * reward.mean()
                loss = loss - ((reward - baseline) * logp_choice).mean() / words.mean() \
                    - 0.01 * entropy.mean() / words.mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            steps += 1
            running = loss.item() if steps == 1 else 0.9 * running + 0.1 * loss.item()
            if (time.time() - start) / 60 > max_minutes:
                return {"steps": steps, "epochs": epoch + 1, "train_loss": running, "train_seconds": time.time() - start}
    return {"steps": steps, "epochs": epochs, "train_loss": running, "train_seconds": time.time() - start}


def evaluate(captioner: Captioner, data: dict, limit: int | None = None) -> dict[str, float]:
    """BLEU-4, exact match, and the share of α inside the box of the object each word names."""
    hyps, refs, inside, uniform = [], [], [], []
    n = len(data["captions"]) if limit is None else min(limit, len(data["captions"]))
    for i in range(n):
        ids, alphas, _ = captioner.caption_features(data["features"][i:i + 1].float())
        words = [captioner.words[t] for t in ids if t != EOS]
        hyps.append(" ".join(words))
        refs.append(data["captions"][i])
        objects = {o["name"]: o for o in data["objects"][i]}
        for t, w in enumerate(words):
            if w in objects:
                mask = region_mask(tuple(objects[w]["box"]))
                inside.append(float(alphas[t][torch.from_numpy(mask)].sum()))
                uniform.append(mask.mean())
    bleu = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score
    return {"bleu4": bleu, "exact_match": float(np.mean([h == r for h, r in zip(hyps, refs)])),
            "box_attention_share": float(np.mean(inside)) if inside else 0.0,
            "uniform_box_share": float(np.mean(uniform)) if uniform else 0.0, "object_words": len(inside),
            "scenes": n}


def run(attention: str, out: Path, train_scenes: int, test_scenes: int, max_minutes: float, epochs: int,
        seed: int, threads: int, cache: Path, device: str) -> dict:
    """Train, evaluate and save one captioner."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    dev = resolve_device(device)
    train_data = scene_data("train", train_scenes, seed, cache, dev)
    test_data = scene_data("test", test_scenes, seed + 1000, cache, dev)
    folder = out / "caption"
    folder.mkdir(parents=True, exist_ok=True)
    vocab_path = folder / "vocab.json"
    if vocab_path.exists():
        words = json.loads(vocab_path.read_text())
    else:   # shared by both captioners
        seen = sorted({w for c in train_data["captions"] for w in c.split()})
        words = ["<pad>", "<s>", "</s>", "<unk>"] + seen
        vocab_path.write_text(json.dumps(words))
    index = {w: i for i, w in enumerate(words)}
    model = CaptionDecoder(len(words), attention, **CONFIG).to(dev)
    stats = train(model, train_data, index, max_minutes, epochs, seed, dev)
    save_checkpoint(model.cpu(), {"model": CONFIG, "attention": attention}, folder / attention)
    captioner = Captioner(f"caption/{attention}", attention, device="cpu") if out == WEIGHTS_DIR else None
    if captioner is None:   # evaluate the in-memory model when writing elsewhere (tests, experiments)
        captioner = Captioner.__new__(Captioner)
        captioner.model_id, captioner.kind, captioner.device = f"caption/{attention}", attention, torch.device("cpu")
        captioner.words, captioner.model = words, model.eval()
    metrics = {"attention": attention, "params": sum(p.numel() for p in model.parameters()),
               "train_scenes": train_scenes, "test_scenes": test_scenes, "seed": seed, **stats,
               **evaluate(captioner, test_data)}
    (folder / attention / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics))
    return metrics


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--attention", choices=["soft", "hard"], default="soft")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--train-scenes", type=int, default=3000)
    p.add_argument("--test-scenes", type=int, default=300)
    p.add_argument("--max-minutes", type=float, default=5.0)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cache", type=Path, default=Path("/tmp/attention-atlas-scenes"))
    p.add_argument("--device", default="auto")
    a = p.parse_args()
    run(a.attention, a.out, a.train_scenes, a.test_scenes, a.max_minutes, a.epochs, a.seed, a.threads,
        a.cache, a.device)


if __name__ == "__main__":
    main()
