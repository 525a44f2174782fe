"""Train the digit reverser: "3 1 4 1 5" → "5 1 4 1 3" with Luong's dot attention, whose right alignment is
known exactly — the anti-diagonal — so a classroom can check a map at a glance.

    python -m training.reverser                # ships attention_core/weights/reverse/luong-dot/

Sequences of 3–12 digits drawn with a fixed seed, deduplicated, split by a hash of the sequence (no sequence is
in two splits). Metrics on the reloaded float16 weights (``training.ship``): exact match and the AER of the
argmax attention against the anti-diagonal, beside two baselines on the same test split — copying the input
(exact match) and the monotonic diagonal aligner (AER).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import Seq2Seq
from training.loop import LoopConfig, fit, seed_everything
from training.ship import ship
from training.translation import alignment_error_rate, batches, build_tokenizer, encode_examples, exact_match, \
    sequence_loss

FAMILY, MECHANISM = "reverse", "luong-dot"
MODEL = {"emb": 32, "hidden": 64, "width": 2}
LENGTHS = (3, 12)


def example(digits: list[str]) -> dict:
    """One pair with its gold links (target i ↔ source n−1−i)."""
    n = len(digits)
    return {"source": " ".join(digits), "target": " ".join(reversed(digits)),
            "links": [[i, n - 1 - i] for i in range(n)]}


def split_of(source: str) -> str:
    """``train`` / ``valid`` / ``test`` by a hash of the sequence: no sequence is in two splits."""
    bucket = int(hashlib.sha1(source.encode()).hexdigest(), 16) % 100
    return "test" if bucket < 5 else "valid" if bucket < 10 else "train"


def make_data(count: int, seed: int) -> dict[str, list[dict]]:
    """``count`` distinct random digit sequences, split by hash."""
    rng = random.Random(seed)
    seen: set[str] = set()
    data: dict[str, list[dict]] = {"train": [], "valid": [], "test": []}
    while len(seen) < count:
        digits = [str(rng.randrange(10)) for _ in range(rng.randint(*LENGTHS))]
        source = " ".join(digits)
        if source not in seen:
            seen.add(source)
            data[split_of(source)].append(example(digits))
    return data


def copy_exact_match(examples: list[dict]) -> float:
    """Baseline: output the input unchanged (right only for palindromes)."""
    return sum(e["source"] == e["target"] for e in examples) / len(examples)


def diagonal_aer(examples: list[dict]) -> float:
    """Baseline: the monotonic aligner (target i ↔ source i), scored like the model's argmax attention."""
    hits = total = 0
    for e in examples:
        n = len(e["links"])
        gold = {tuple(link) for link in e["links"]}
        hits += len({(i, i) for i in range(n)} & gold)
        total += n
    return 1.0 - 2 * hits / (2 * total)


def run(out_root: Path, count: int, epochs: int, max_minutes: float, seed: int, threads: int) -> dict:
    """Train, ship and score the reverser → its metrics."""
    seed_everything(seed, threads)
    data = make_data(count, seed)
    family_dir = out_root / FAMILY
    family_dir.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer("dates", [e["source"] for e in data["train"]], vocab_size=0)   # one token per digit
    tok.save(str(family_dir / "tokenizer.json"))
    (family_dir / "heldout.json").write_text(json.dumps(data["test"][:50], indent=0))
    model = Seq2Seq(tok.get_vocab_size(), MECHANISM, **MODEL)
    train = encode_examples(tok, data["train"])
    valid = data["valid"][:300]
    loop = LoopConfig(epochs=epochs, max_minutes=max_minutes, patience=3, lr=3e-3, mode="min", lr_decay=0.5,
                      seed=seed, desc=f"{FAMILY}/{MECHANISM}")
    result = fit(model, lambda rng: batches(train, 64, rng), sequence_loss(0.0),
                 lambda m: alignment_error_rate(m, tok, valid, "cpu") + 1 - exact_match(m, tok, valid, "cpu"), loop)
    test = data["test"]
    history = {k: v for k, v in result.as_dict().items() if k != "history"}
    return ship(model, {"model": MODEL, "mechanism": MECHANISM, "task": FAMILY}, family_dir / MECHANISM,
                build=lambda cfg: Seq2Seq(tok.get_vocab_size(), MECHANISM, **cfg["model"]),
                score=lambda m: {"exact match": exact_match(m, tok, test, "cpu"),
                                 "AER vs the anti-diagonal": alignment_error_rate(m, tok, test, "cpu")},
                baseline={"name": "copy the input / monotonic diagonal aligner",
                          "exact match": copy_exact_match(test), "AER vs the anti-diagonal": diagonal_aer(test)},
                history={**history, "train_pairs": len(train), "valid_pairs": len(valid), "test_pairs": len(test),
                         "seed": seed, "split": "by a hash of the sequence (disjoint)"},
                label="Luong dot (global)")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="weights root (default: the shipped one)")
    parser.add_argument("--count", type=int, default=20_000, help="distinct sequences drawn")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--max-minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    metrics = run(args.out, args.count, args.epochs, args.max_minutes, args.seed, args.threads)
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("history",)}, indent=1))


if __name__ == "__main__":
    main()
