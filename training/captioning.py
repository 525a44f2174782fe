"""Train the Show, Attend and Tell captioners (soft or hard attention) on composed scenes.

    python -m training.captioning --attention soft
    python -m training.captioning --attention hard
    python -m training.captioning --baselines          # caption baselines → weights/caption/baselines.json

Scenes are rendered from Fashion-MNIST and MNIST images (disjoint source images for training, validation
and test scenes); each scene is read by the family's scene encoder (``attention_core.models.scene_encoder``,
pretrained by ``python -m training.scene_encoder`` and frozen here) and its 7 × 7 × C region features are
computed once and cached in float16 chunks outside the repository, keyed by the encoder's weights. Training runs on the shared loop (``training.loop``) with early stopping on validation
object accuracy (name and position both right). Hard attention is trained with REINFORCE whose reward
(the caption's per-word log-likelihood) is centred by an exponential moving average of past rewards
(decay 0.9) — the variance-reduced baseline of Xu et al. — plus an entropy bonus, and half the batches
use the expected (soft) context. Test metrics are computed on the float16 weights as saved.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import sacrebleu
import torch
from tqdm import tqdm

from attention_core.checkpoint import WEIGHTS_DIR, load_checkpoint, save_checkpoint
from attention_core.device import resolve_device
from attention_core.models.grounded_decoding import GroundedRule
from attention_core.models.head_bias import HeadBias
from attention_core.models.captioning import BOS, ENCODER_FOLDER, EOS, MAX_WORDS, PAD, UNK, CaptionDecoder
from attention_core.models.scene_encoder import SceneEncoder, load_scene_encoder, scene_batch, scene_pixels
from attention_core.models.special_tokens import SPECIALS
from attention_core.data.scene_kinds import make_augmented_scenes
from attention_core.data.scenes import CELLS, SCENES_VERSION, make_scenes
from training.loop import LoopConfig, fit, seed_everything

CONFIG = {"dim": 256, "emb": 64, "attn": 256, "positions": 49}   # + feature_dim: the scene encoder's width
CELL = 32   # 224 / 7 pixels per region
SPLITS = {"train": ("train", 10000), "valid": ("valid", 20000), "test": ("test", 1001)}   # split → (sources, seed)


CHUNK = 500   # scenes per cached feature file (a long extraction can stop and resume)
# How scenes are drawn, by name: the plain generator, or issue 20's random training kinds (1–4 objects of
# 30–110 px, clutter, pixel noise, inverted contrast; ``attention_core.data.scene_kinds``).
SCENE_MAKERS = {"plain": make_scenes, "augmented": make_augmented_scenes}


def encoder_tag(folder: Path, read: dict | None = None) -> str:
    """A short hash of the encoder's weights (and its read scales, when more than one, and how they are combined
    when not concatenated; ``read`` overrides the folder's): cached features belong to exactly one encoder and read."""
    tag = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()[:10]
    config = json.loads((folder / "config.json").read_text()) if (folder / "config.json").exists() else {}
    config = {**config, **(read or {})}
    scales = config.get("scales", [])
    combine = "" if config.get("combine", "concat") == "concat" else \
        f"-{config['combine']}{config.get('gate', 0.0)}" + (f"-u{config['unsure']}" if "unsure" in config else "") + \
        (f"-i{config['isolated']}" if "isolated" in config else "")
    return tag + ("-s" + "-".join(str(s) for s in scales) + combine if len(scales) > 1 else "")


def widened(state: dict[str, torch.Tensor], feature_dim: int) -> dict[str, torch.Tensor]:
    """A decoder state trained on narrower region features (``project.weight [d, C]``, C < ``feature_dim``)
    with zero columns for the added features: the decoder starts exactly where it was and learns the new read."""
    weight = state["project.weight"]
    if weight.shape[1] < feature_dim:
        extra = weight.new_zeros(weight.shape[0], feature_dim - weight.shape[1])
        state = {**state, "project.weight": torch.cat([weight, extra], 1)}
    return state


@torch.no_grad()
def scene_chunk(split: str, count: int, seed: int, cache: Path, net: SceneEncoder, maker: str = "plain") -> dict:
    """``count`` scenes of ``split`` (drawn by :data:`SCENE_MAKERS` ``[maker]``) with captions, objects, the
    encoder's input pixels ``[N, S, S]`` (uint8, S = its read side) and its region features ``[N, 49, C]`` (float16), cached."""
    path = cache / f"{'' if maker == 'plain' else maker + '-'}{split}-{count}-{seed}.pt"
    if path.exists():
        return torch.load(path, weights_only=True)
    scenes = SCENE_MAKERS[maker](split, count, seed)
    pixels = np.stack([scene_pixels(s["image"], net.read_side) for s in scenes])
    dev = next(net.parameters()).device
    feats = [net.regions(scene_batch(pixels[i:i + 100], scales=net.scales).to(dev)).half().cpu() for i in range(0, count, 100)]
    data = {"features": torch.cat(feats), "pixels": torch.from_numpy(pixels), "captions": [s["caption"] for s in scenes],
            "objects": [s["objects"] for s in scenes]}
    cache.mkdir(parents=True, exist_ok=True)
    torch.save(data, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").rename(path)     # a killed job leaves no half-written chunk
    return data


def scene_data(split: str, count: int, seed: int, cache: Path, net: SceneEncoder, maker: str = "plain") -> dict:
    """``count`` scenes in chunks of :data:`CHUNK` (chunk k drawn with seed ``seed + k``), concatenated."""
    parts = [scene_chunk(split, min(CHUNK, count - k * CHUNK), seed + k, cache, net, maker)
             for k in tqdm(range((count + CHUNK - 1) // CHUNK), desc=f"scenes {split}", mininterval=30)]
    return {"features": torch.cat([p["features"] for p in parts]), "pixels": torch.cat([p["pixels"] for p in parts]),
            "captions": [c for p in parts for c in p["captions"]], "objects": [o for p in parts for o in p["objects"]]}


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


def parse_caption(words: list[str]) -> list[tuple[int, str, str]]:
    """The phrases "a NAME at the ROW COL" of a caption → ``(index of NAME, NAME, cell)`` in order."""
    out = []
    for i, w in enumerate(words):
        if w == "at" and i >= 1 and words[i + 1: i + 2] == ["the"] and i + 3 < len(words) + 1:
            cell = " ".join(words[i + 2: i + 4])
            if cell in CELLS:
                out.append((i - 1, words[i - 1], cell))
    return out


def caption_scores(words: list[str], objects: list[dict], alphas: torch.Tensor | None = None) -> dict[str, list]:
    """Per gold object: whether its cell is named (position), whether the name there is right (name),
    and — for objects named right in the right cell — α's mass inside that object's own box."""
    said = {cell: (t, name) for t, name, cell in parse_caption(words)}
    placed, named, inside, uniform = [], [], [], []
    for obj in objects:   # every object matched by its own cell, so two same-named objects both count
        hit = said.get(obj["cell"])
        placed.append(hit is not None)
        if hit is None:
            continue
        named.append(hit[1] == obj["name"])
        if hit[1] == obj["name"] and alphas is not None:
            mask = torch.from_numpy(region_mask(tuple(obj["box"])))
            inside.append(float(alphas[hit[0]][mask].sum()))
            uniform.append(float(mask.float().mean()))
    invented = [cell not in {o["cell"] for o in objects} for cell in said]   # phrases for cells with no object
    return {"placed": placed, "named": named, "inside": inside, "uniform": uniform, "invented": invented}


def summarize(hyps: list[str], data: dict, scores: list[dict[str, list]]) -> dict[str, float]:
    """BLEU-4, exact match, position / name / object accuracy and attention correctness."""
    flat = {k: [v for s in scores for v in s[k]] for k in ("placed", "named", "inside", "uniform")}
    objects = sum(len(o) for o in data["objects"])
    refs = data["captions"][:len(hyps)]
    return {"bleu4": sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score,
            "exact_match": float(np.mean([h == r for h, r in zip(hyps, refs)])),
            "position_accuracy": float(np.mean(flat["placed"])),
            "name_accuracy": float(np.mean(flat["named"])) if flat["named"] else 0.0,
            "object_accuracy": sum(flat["named"]) / max(sum(len(o) for o in data["objects"][:len(hyps)]), 1),
            "box_attention_share": float(np.mean(flat["inside"])) if flat["inside"] else 0.0,
            "uniform_box_share": float(np.mean(flat["uniform"])) if flat["uniform"] else 0.0,
            "object_words": len(flat["inside"]), "objects": objects, "scenes": len(hyps),
            "invented_objects": sum(sum(s.get("invented", [])) for s in scores)}


@torch.no_grad()
def decode_batch(model: CaptionDecoder, features: torch.Tensor, rule: GroundedRule | None = None,
                 occupied: list[set[str]] | None = None, bias: HeadBias | None = None,
                 head_probs: torch.Tensor | None = None) -> tuple[list[list[int]], list[torch.Tensor]]:
    """Greedy decoding (hard attention: argmax region) of ``features [B, R, C]`` → ids (with EOS), α ``[T, R]``.
    With a ``rule`` (``grounded_decoding``) and each scene's ``occupied`` cells, the rule's banned tokens are masked;
    with a head ``bias`` (``head_bias``) and the head's class probabilities ``head_probs [B, R, classes]``, the
    name words are biased first."""
    model.eval()
    regions, state = model.start(features)
    prev = torch.full((features.shape[0],), BOS, dtype=torch.long)
    ids, alphas = [[] for _ in prev], [[] for _ in prev]
    done = torch.zeros(len(prev), dtype=torch.bool)
    for _ in range(MAX_WORDS):
        out = model.step(regions, prev, state, sample=False)
        logits = out["logits"] if bias is None else bias.apply(out["logits"], out["alpha"], head_probs,
                                                                out.get("choice"))
        logits = logits if rule is None else rule.mask(logits, ids, occupied)
        token = logits.argmax(-1)
        for b in torch.nonzero(~done).flatten().tolist():
            ids[b].append(int(token[b]))
            alphas[b].append(out["alpha"][b])
        done |= token == EOS
        if bool(done.all()):
            break
        prev, state = token, (out["h"], out["c"])
    if bias is not None:
        ids = [bias.agree(x) for x in ids]
    return ids, [torch.stack(a) for a in alphas]


def evaluate(model: CaptionDecoder, words: list[str], data: dict, limit: int | None = None,
             batch: int = 100) -> dict[str, float]:
    """Greedy captions of the scenes in ``data`` scored by :func:`summarize`."""
    n = len(data["captions"]) if limit is None else min(limit, len(data["captions"]))
    hyps, scores = [], []
    for i in range(0, n, batch):
        ids, alphas = decode_batch(model, data["features"][i:min(i + batch, n)].float())
        for k, (seq, alpha) in enumerate(zip(ids, alphas)):
            ws = [words[t] for t in seq if t != EOS]
            hyps.append(" ".join(ws))
            scores.append(caption_scores(ws, data["objects"][i + k], alpha))
    return summarize(hyps, data, scores)


def stop_decisions(words: list[str]) -> list[int]:
    """Ids of the words that follow a finished phrase — ``,`` / ``and`` (another object follows) or the end of
    the caption (none does): at these targets the decoder decides how many objects the scene holds."""
    return [i for i, w in enumerate(words) if w in (",", "and") or i == EOS]


def caption_loss(model: CaptionDecoder, caps: list[list[int]], data: dict, lam: float = 1.0,
                 stop_weight: float = 1.0, stop_ids: tuple[int, ...] = ()):
    """Cross-entropy + doubly-stochastic regulariser; hard attention adds REINFORCE with a moving-average baseline.
    ``stop_weight``: the cross-entropy at the targets in ``stop_ids`` (:func:`stop_decisions`) counts that many
    times — ~1 word in 7 decides whether another object follows, and an under-trained decision invents objects
    in empty cells; the other words keep weight 1 and the REINFORCE reward stays the unweighted log-likelihood."""
    state_box = {"baseline": None}
    stops = torch.tensor(sorted(stop_ids), dtype=torch.long)
    coin = random.Random(0)

    def loss_fn(m: CaptionDecoder, idx: list[int]) -> torch.Tensor:
        feats = data["features"][idx].float()
        T = max(len(caps[j]) for j in idx)
        tgt = torch.full((len(idx), T), PAD, dtype=torch.long)
        for k, j in enumerate(idx):
            tgt[k, :len(caps[j])] = torch.tensor(caps[j])
        regions, state = m.start(feats)
        prev = torch.full((len(idx),), BOS, dtype=torch.long)
        soft_ctx = m.kind == "hard" and coin.random() < 0.5
        nll = torch.zeros(len(idx))
        extra = torch.zeros(len(idx))      # (stop_weight − 1) × cross-entropy at the stop decisions
        alpha_sum = torch.zeros(len(idx), regions.shape[1])
        logp_choice = torch.zeros(len(idx))
        entropy = torch.zeros(len(idx))
        for t in range(T):
            out = m.step(regions, prev, state, soft_context=soft_ctx)
            live = (tgt[:, t] != PAD).float()
            ce = torch.nn.functional.cross_entropy(out["logits"], tgt[:, t], ignore_index=PAD, reduction="none")
            nll = nll + ce
            if stop_weight != 1.0 and len(stops):
                extra = extra + (stop_weight - 1.0) * ce * torch.isin(tgt[:, t], stops).float()
            alpha_sum = alpha_sum + out["alpha"] * live[:, None]
            if m.kind == "hard":
                a = out["alpha"].clamp_min(1e-9)
                logp_choice = logp_choice + torch.log(a.gather(1, out["choice"][:, None]))[:, 0] * live
                entropy = entropy - (a * a.log()).sum(-1) * live
            state, prev = (out["h"], out["c"]), tgt[:, t]
        n_words = (tgt != PAD).sum(1).float()
        loss = ((nll + extra) / n_words).mean() + lam * ((1 - alpha_sum) ** 2).sum(1).mean() / regions.shape[1]
        if m.kind == "hard" and not soft_ctx:
            reward = -nll.detach() / n_words                   # per-word log-likelihood of the caption
            b = state_box["baseline"]
            b = reward.mean() if b is None else 0.9 * b + 0.1 * reward.mean()
            state_box["baseline"] = b
            loss = loss - ((reward - b) * logp_choice).mean() / n_words.mean() - 0.01 * entropy.mean() / n_words.mean()
        return loss
    return loss_fn


def load_words(folder: Path, captions: list[str]) -> list[str]:
    """The shared caption vocabulary (built once from the training captions)."""
    path = folder / "vocab.json"
    if path.exists():
        return json.loads(path.read_text())
    words = list(SPECIALS) + sorted({w for c in captions for w in c.split()})
    path.write_text(json.dumps(words))
    return words


def run(attention: str, out: Path, train_scenes: int, test_scenes: int, max_minutes: float, epochs: int,
        seed: int, threads: int, cache: Path, device: str, valid_scenes: int = 300, patience: int = 3,
        batch: int = 64, lr: float = 1e-3, warm_start: bool = False, init_from: str | None = None,
        encoder: Path | None = None, augment: bool = False, stop_weight: float = 1.0,
        encoder_read: dict | None = None) -> dict:
    """Train, evaluate and save one captioner (decoder only; the scene encoder in ``out/caption/encoder`` —
    or the shipped one when ``out`` has none — stays frozen). ``init_from="soft"`` starts the decoder from the
    soft captioner saved in ``out`` (same architecture: only the attention's read-out differs). ``augment``:
    training and validation scenes of issue 20's random kinds, and the checkpoint picked by validation object
    accuracy less invented objects (phrases for empty cells) per gold object. ``stop_weight``: see
    :func:`caption_loss`. ``encoder_read``: the encoder read this captioner declares (``scene_encoder``'s
    ``scales`` / ``combine`` / ``gate``; saved in its ``config.json``), overriding the encoder folder's."""
    seed_everything(seed, threads)
    folder = out / "caption"
    folder.mkdir(parents=True, exist_ok=True)
    enc_dir = encoder or (folder / ENCODER_FOLDER if (folder / ENCODER_FOLDER / "model.safetensors").exists()
                          else WEIGHTS_DIR / "caption" / ENCODER_FOLDER)
    net = load_scene_encoder(enc_dir, str(resolve_device(device)), encoder_read)   # features computed once, cached on CPU; the decoder is small and trains on CPU
    cache = cache / f"encoder-{encoder_tag(enc_dir, encoder_read)}-scenes{SCENES_VERSION}"
    maker = "augmented" if augment else "plain"
    data = {"train": scene_data("train", train_scenes, SPLITS["train"][1], cache, net, maker),
            "valid": scene_data("valid", valid_scenes, SPLITS["valid"][1], cache, net, maker),
            "test": scene_data("test", test_scenes, SPLITS["test"][1], cache, net)}
    words = load_words(folder, data["train"]["captions"])
    index = {w: i for i, w in enumerate(words)}
    caps = [encode_caption(c, index) for c in data["train"]["captions"]]
    config = {**CONFIG, "feature_dim": net.dim}
    model = CaptionDecoder(len(words), attention, **config)
    previous, start = None, None
    if warm_start and (folder / attention / "model.safetensors").exists():
        # continue from the shipped weights (same vocabulary and architecture): a second session
        model.load_state_dict(widened(load_checkpoint(folder / attention)[0], net.dim))
        old = json.loads((folder / attention / "metrics.json").read_text())
        previous = {"epochs": old.get("epochs", 0) + old.get("previous", {}).get("epochs", 0),
                    "train_seconds": old.get("train_seconds", 0) + old.get("previous", {}).get("train_seconds", 0),
                    "train_scenes": old.get("train_scenes")}
    elif init_from:
        model.load_state_dict(widened(load_checkpoint(folder / init_from)[0], net.dim))
        start = f"decoder initialised from caption/{init_from}"

    def batches(rng: random.Random):
        order = list(range(len(caps)))
        rng.shuffle(order)
        return [order[i:i + batch] for i in range(0, len(order), batch)]

    def valid_score(m: CaptionDecoder) -> float:
        r = evaluate(m, words, data["valid"])
        return r["object_accuracy"] - (r["invented_objects"] / r["objects"] if augment else 0.0)

    loss = caption_loss(model, caps, data["train"], stop_weight=stop_weight, stop_ids=tuple(stop_decisions(words)))
    result = fit(model, batches, loss, valid_score,
                 LoopConfig(epochs=epochs, max_minutes=max_minutes, patience=patience, lr=lr, clip=5.0,
                            lr_decay=0.5, seed=seed, desc=f"caption/{attention}",
                            eval_before=previous is not None or start is not None),
                 history_path=folder / f"{attention}-history.json")
    save_checkpoint(model, {"model": config, "attention": attention, "encoder": ENCODER_FOLDER,
                            **({"encoder_read": encoder_read} if encoder_read else {})}, folder / attention)
    shipped = CaptionDecoder(len(words), attention, **config)
    shipped.load_state_dict(load_checkpoint(folder / attention)[0])
    metrics = {"attention": attention, "params": sum(p.numel() for p in model.parameters()),
               "encoder": {"folder": f"caption/{ENCODER_FOLDER}", "params": sum(p.numel() for p in net.body.parameters()),
                           "frozen": True, "tag": encoder_tag(enc_dir, encoder_read)},
               "train_scenes": len(caps), "valid_scenes": valid_scenes, "test_scenes": test_scenes, "seed": seed,
               "batch": batch, "lr": lr, "weights": "float16", "train_scene_mix": maker, "stop_weight": stop_weight,
               "budget": {"max_epochs": epochs, "max_minutes": max_minutes, "patience": patience},
               "baseline": "exponential moving average of rewards (decay 0.9)" if attention == "hard" else None,
               **({"previous": previous} if previous else {}), **({"start": start} if start else {}),
               **{k: v for k, v in result.as_dict().items() if k != "history"},
               **evaluate(shipped, words, data["test"]), "history": result.history}
    (folder / attention / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (folder / f"{attention}-history.json").unlink(missing_ok=True)
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}), flush=True)
    return metrics


def occupied_cells(image, threshold: int = 40) -> list[str]:
    """Cells of the 2 × 2 layout holding bright pixels (the layout read from the image, no names)."""
    arr = np.asarray(image.convert("L"))
    return [cell for cell, (r, c) in CELLS.items() if (arr[r * 112:(r + 1) * 112, c * 112:(c + 1) * 112] > threshold).mean() > 0.01]


def phrase_caption(objects: list[tuple[str, str]]) -> str:
    """The generator's caption for ``(name, cell)`` pairs in reading order."""
    phrases = [f"{'an' if n == '8' else 'a'} {n} at the {c}" for n, c in objects]
    return " and ".join([" , ".join(phrases[:-1]), phrases[-1]]) if len(phrases) > 1 else phrases[0]


def baselines(test_scenes: int = 300, seed: int = 0) -> dict:
    """Captions without looking at what the objects are: (1) the gold layout with random names, (2) the
    layout read from the image's bright cells, every object called the most frequent training name."""
    from attention_core.data.scenes import load_sources
    scenes = make_scenes("test", test_scenes, SPLITS["test"][1])
    data = {"captions": [s["caption"] for s in scenes], "objects": [s["objects"] for s in scenes]}
    names = sorted({n for _, n in load_sources("train")})
    common = Counter(n for _, n in load_sources("train")).most_common(1)[0][0]
    rng = random.Random(seed)
    out = {}
    for label, make in {
        "template_random_names": lambda s: [(rng.choice(names), o["cell"]) for o in s["objects"]],
        "layout_only_majority_name": lambda s: [(common, c) for c in sorted(occupied_cells(s["image"]),
                                                                            key=lambda c: CELLS[c])],
    }.items():
        hyps = [phrase_caption(make(s) or [(common, "top left")]) for s in scenes]
        scores = [caption_scores(h.split(), s["objects"]) for h, s in zip(hyps, scenes)]
        out[label] = {k: v for k, v in summarize(hyps, data, scores).items() if "box" not in k}
    out["majority_name"] = common
    return out


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--attention", choices=["soft", "hard"], default="soft")
    p.add_argument("--baselines", action="store_true", help="write caption/baselines.json and stop")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--train-scenes", type=int, default=30000)
    p.add_argument("--valid-scenes", type=int, default=300)
    p.add_argument("--test-scenes", type=int, default=300)
    p.add_argument("--max-minutes", type=float, default=30.0)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warm-start", action="store_true", help="continue from the weights already in --out")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cache", type=Path, default=Path("/work/cache/scenes-cnn"))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--init-from", choices=["soft"], help="start the decoder from this captioner in --out")
    p.add_argument("--encoder", type=Path, help="scene encoder folder (default: --out's caption/encoder)")
    p.add_argument("--device", default="auto")
    p.add_argument("--augment", action="store_true", help="train and validate on issue 20's random scene kinds")
    p.add_argument("--stop-weight", type=float, default=1.0, help="weight of the cross-entropy where the decoder "
                   "decides whether another object follows (',', 'and', end of caption); others weigh 1")
    p.add_argument("--encoder-read", type=json.loads, help='the read this captioner declares, JSON, e.g. '
                   '\'{"scales": [112, 224], "combine": "confident", "gate": 0.3}\' (default: the encoder folder\'s)')
    a = p.parse_args()
    if a.baselines:
        result = baselines(a.test_scenes)
        (a.out / "caption" / "baselines.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=1))
        return
    run(a.attention, a.out, a.train_scenes, a.test_scenes, a.max_minutes, a.epochs, a.seed, a.threads,
        a.cache, a.device, a.valid_scenes, a.patience, batch=a.batch, lr=a.lr, warm_start=a.warm_start,
        init_from=a.init_from, encoder=a.encoder, augment=a.augment, stop_weight=a.stop_weight,
        encoder_read=a.encoder_read)


if __name__ == "__main__":
    main()
