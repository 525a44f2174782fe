"""Train one translation model per attention mechanism (same data, sizes, seed and time budget).

    python -m demos.train_translation --task bible --mechanism local-p
    python -m demos.train_translation --task dates --mechanism all

Writes ``attention_core/weights/<family>/<mechanism>/`` (safetensors + config + metrics.json) and, once
per family, the tokenizer and a small held-out slice. Bible: BLEU (sacrebleu, lowercased) on held-out
verses; dates: alignment error rate of argmax attention against the gold alignment.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import sacrebleu
import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from tqdm import tqdm

from attention_core.checkpoint import WEIGHTS_DIR, save_checkpoint
from attention_core.device import resolve_device
from attention_core.models.decoding import greedy_batch
from attention_core.models.seq2seq import BOS, EOS, MECHANISM_LABELS, PAD, Seq2Seq

from attention_core.models.special_tokens import SPECIALS  # noqa: E402
TASKS = {
    "bible": {"family": "bible-en-fr", "model": {"emb": 128, "hidden": 160, "width": 3}, "batch": 64},
    "dates": {"family": "dates-en-fr", "model": {"emb": 32, "hidden": 64, "width": 1}, "batch": 64},
}


def build_tokenizer(task: str, texts: list[str], vocab_size: int) -> Tokenizer:
    """Bible: lowercased joint BPE with a word-start marker; dates: one token per word or mark."""
    if task == "bible":
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Metaspace(), pre_tokenizers.Punctuation()])
        tok.decoder = decoders.Metaspace()
        tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIALS),
                                                           min_frequency=2, show_progress=False))
    else:
        tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Split(Regex(r"\w+\.?|[^\w\s]"), behavior="isolated")])
        tok.decoder = decoders.WordPiece(prefix="##", cleanup=False)   # joins words with spaces
        tok.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=list(SPECIALS), show_progress=False))
    return tok


def load_task(task: str, seed: int) -> dict[str, list[dict]]:
    """Examples as dicts with ``source``/``target`` strings (dates also carry gold ``links``)."""
    if task == "bible":
        from demos.data.bible import load_pairs, split
        parts = split(load_pairs())
        return {k: [{"id": i, "source": en, "target": fr} for i, en, fr in v] for k, v in parts.items()}
    from demos.data.dates import make_split
    parts = make_split(seed=seed)
    out = {}
    for k, v in parts.items():
        out[k] = [{"id": p["date"], "source": " ".join(p["source"]), "target": " ".join(p["target"]),
                   "links": p["links"]} for p in v]
    return out


def encode_examples(tok: Tokenizer, examples: list[dict], max_len: int = 90) -> list[tuple[list[int], list[int]]]:
    """Token ids: source + EOS, target + EOS (overlong pairs dropped)."""
    out = []
    for ex in examples:
        s, t = tok.encode(ex["source"]).ids + [EOS], tok.encode(ex["target"]).ids + [EOS]
        if len(s) <= max_len and len(t) <= max_len:
            out.append((s, t))
    return out


def batches(data: list[tuple[list[int], list[int]]], size: int, rng: random.Random):
    """Length-bucketed shuffled batches → ``(src [B,S], lengths [B], tgt_in [B,T], tgt_out [B,T])``."""
    order = sorted(range(len(data)), key=lambda i: (len(data[i][0]), rng.random()))
    chunks = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(chunks)
    for chunk in chunks:
        yield collate([data[i] for i in chunk])


def collate(items: list[tuple[list[int], list[int]]]):
    """Pad a list of (source, target) id lists into tensors."""
    S = max(len(s) for s, _ in items)
    T = max(len(t) for _, t in items)
    src = torch.full((len(items), S), PAD, dtype=torch.long)
    tin = torch.full((len(items), T), PAD, dtype=torch.long)
    tout = torch.full((len(items), T), PAD, dtype=torch.long)
    for i, (s, t) in enumerate(items):
        src[i, :len(s)] = torch.tensor(s)
        tin[i, :len(t)] = torch.tensor([BOS] + t[:-1])
        tout[i, :len(t)] = torch.tensor(t)
    return src, torch.tensor([len(s) for s, _ in items]), tin, tout


def train(model: Seq2Seq, data, batch: int, max_minutes: float, epochs: int, seed: int, device,
          lr: float = 2e-3, log=print) -> dict[str, float]:
    """Adam with gradient clipping until the epoch or time budget runs out."""
    rng = random.Random(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    start, steps = time.time(), 0
    total = epochs * math.ceil(len(data) / batch)
    bar = tqdm(total=total, desc=f"train {model.mechanism}", mininterval=5)
    loss_value = float("nan")
    for epoch in range(epochs):
        model.train()
        for src, lengths, tin, tout in batches(data, batch, rng):
            src, tin, tout = src.to(device), tin.to(device), tout.to(device)
            logp, _, _ = model(src, lengths, tin)
            loss = torch.nn.functional.nll_loss(logp.flatten(0, 1), tout.flatten(), ignore_index=PAD)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            steps += 1
            loss_value = 0.9 * loss_value + 0.1 * loss.item() if steps > 1 else loss.item()
            bar.update(1)
            bar.set_postfix(loss=f"{loss_value:.3f}", epoch=epoch)
            if (time.time() - start) / 60 > max_minutes:
                bar.close()
                return {"steps": steps, "epochs": epoch + 1, "train_loss": loss_value,
                        "train_seconds": time.time() - start}
    bar.close()
    return {"steps": steps, "epochs": epochs, "train_loss": loss_value, "train_seconds": time.time() - start}


def translate_all(model: Seq2Seq, tok: Tokenizer, sources: list[str], device, batch: int = 64) -> list[str]:
    """Greedy translations of many sentences."""
    model.eval()
    outs: list[str] = []
    for i in range(0, len(sources), batch):
        ids = [tok.encode(s).ids[:100] + [EOS] for s in sources[i:i + batch]]
        src, lengths, _, _ = collate([(s, [EOS]) for s in ids])
        for hyp in greedy_batch(model, src.to(device), lengths, max_len=120):
            outs.append(tok.decode([t for t in hyp.tokens if t != EOS]))
    return outs


def bleu(model: Seq2Seq, tok: Tokenizer, examples: list[dict], device) -> float:
    """Corpus BLEU (sacrebleu, lowercased) of greedy translations."""
    hyps = translate_all(model, tok, [e["source"] for e in examples], device)
    return sacrebleu.corpus_bleu(hyps, [[e["target"].lower() for e in examples]], lowercase=True).score


@torch.no_grad()
def alignment_error_rate(model: Seq2Seq, tok: Tokenizer, examples: list[dict], device) -> float:
    """AER of argmax attention (teacher-forced on the gold target) against the gold links (sure only)."""
    model.eval()
    hits = predicted = gold = 0
    for ex in examples:
        s = tok.encode(ex["source"]).ids + [EOS]
        t = tok.encode(ex["target"]).ids + [EOS]
        src, lengths, tin, _ = collate([(s, t)])
        _, w, _ = model(src.to(device), lengths, tin.to(device))
        links = {tuple(link) for link in ex["links"]}
        linked_targets = {ti for ti, _ in links}
        pred = {(ti, int(w[0, ti].argmax())) for ti in linked_targets}
        hits += len(pred & links)
        predicted += len(pred)
        gold += len(links)
    return 1.0 - 2 * hits / (predicted + gold)


def run(task: str, mechanism: str, out_root: Path, max_minutes: float, epochs: int, seed: int,
        threads: int, limit: int | None, device: str) -> dict:
    """Train and evaluate one mechanism; returns its metrics."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    random.seed(seed)
    cfg = TASKS[task]
    dev = resolve_device(device)
    data = load_task(task, seed)
    if limit:
        data = {k: v[:limit] for k, v in data.items()}
    family_dir = out_root / cfg["family"]
    family_dir.mkdir(parents=True, exist_ok=True)
    tok_path = family_dir / "tokenizer.json"
    if tok_path.exists():
        tok = Tokenizer.from_file(str(tok_path))
    else:   # built once per family from the training split, shared by every mechanism
        texts = [e["source"] for e in data["train"]] + [e["target"] for e in data["train"]]
        tok = build_tokenizer(task, texts, vocab_size=2500)
        tok.save(str(tok_path))
        heldout = data["test"][:40 if task == "bible" else 100]
        (family_dir / "heldout.json").write_text(json.dumps(heldout, ensure_ascii=False, indent=0))
    train_ids = encode_examples(tok, data["train"])
    model = Seq2Seq(tok.get_vocab_size(), mechanism, **cfg["model"]).to(dev)
    params = sum(p.numel() for p in model.parameters())
    stats = train(model, train_ids, cfg["batch"], max_minutes, epochs, seed, dev)
    metrics = {"task": task, "mechanism": mechanism, "label": MECHANISM_LABELS[mechanism], "params": params,
               "train_pairs": len(train_ids), "test_pairs": len(data["test"]), "seed": seed,
               "threads": threads, **stats}
    if task == "bible":
        metrics["bleu_greedy"] = bleu(model, tok, data["test"], dev)
        metrics["bleu_greedy_heldout40"] = bleu(model, tok, data["test"][:40], dev)
    else:
        metrics["aer"] = alignment_error_rate(model, tok, data["test"], dev)
        metrics["aer_heldout100"] = alignment_error_rate(model, tok, data["test"][:100], dev)
        metrics["exact_match"] = sum(h == e["target"] for h, e in zip(
            translate_all(model, tok, [e["source"] for e in data["test"]], dev), data["test"])) / len(data["test"])
    out_dir = family_dir / mechanism
    save_checkpoint(model.cpu(), {"model": cfg["model"], "mechanism": mechanism, "task": task}, out_dir)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics))
    return metrics


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="bible")
    parser.add_argument("--mechanism", default="all", help=f"one of {sorted(MECHANISM_LABELS)} or 'all'")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--max-minutes", type=float, default=4.0, help="training time budget per model")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N examples per split")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    mechanisms = list(MECHANISM_LABELS) if args.mechanism == "all" else [args.mechanism]
    for mechanism in mechanisms:
        run(args.task, mechanism, args.out, args.max_minutes, args.epochs, args.seed, args.threads,
            args.limit, args.device)


if __name__ == "__main__":
    main()
