"""Train Lin et al.'s structured self-attentive classifier on Rotten Tomatoes, with or without the penalty.

    python -m training.sentence --penalty 0.3              # ships as sentence/lin
    python -m training.sentence --penalty 0                # ships as sentence/lin-nopenalty
    python -m training.sentence --seeds 1,2,3 --penalty 0.3,0   # the penalty study (mean ± sd)

Movie-disjoint split (see ``attention_core.data.rotten_tomatoes``); inputs (default): MiniLM's tokenizer and
the frozen MiniLM encoder's states under a trained projection. Early stopping on validation accuracy; test numbers
computed on the float16 weights as saved. Of several seeds, the one with the best validation accuracy
ships (or ``--ship-seed N``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import shutil
import tempfile
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR, load_checkpoint, save_checkpoint
from attention_core.device import resolve_device
from attention_core.mechanisms import frobenius_penalty, redundancy
from attention_core.models.sentence import MAX_TOKENS, SelfAttentiveClassifier
from attention_core.models.text_inputs import WordVocabInput, text_input
from attention_core.models.text_vocab import Vocab, words
from training.classifiers import bucketed, collate
from attention_core.data.rotten_tomatoes import LABELS, load_snippets, split
from training.loop import LoopConfig, fit, seed_everything

CONFIG = {"emb": 128, "hidden": 96, "attn": 64, "hops": 4, "mlp": 128}
_ENCODER_STATES: dict = {}   # MiniLM states per snippet, shared by the runs of one process (seeds, penalties)


@torch.no_grad()
def evaluate(model, data, device, batch: int = 128) -> dict[str, float]:
    """Accuracy and hop redundancy: the mean off-diagonal entry of AAᵀ (and the mean penalty)."""
    model.eval()
    hits, off, pen, n = 0, 0.0, 0.0, 0
    for i in range(0, len(data), batch):
        ids, y = collate(data[i:i + batch])
        logits, A = model(ids.to(device))
        hits += int((logits.argmax(-1).cpu() == y).sum())
        aat = redundancy(A)
        r = aat.shape[1]
        off += float((aat.sum((1, 2)) - aat.diagonal(dim1=1, dim2=2).sum(-1)).sum() / (r * (r - 1)))
        pen += float(frobenius_penalty(A)) * len(y)
        n += len(y)
    return {"accuracy": hits / n, "mean_offdiag_AAT": off / n, "mean_penalty": pen / n}


def folder_for(coef: float) -> str:
    """Weights folder (== model id) of a penalty setting."""
    return "sentence/lin" if coef else "sentence/lin-nopenalty"


def run(coef: float, out: Path, max_minutes: float, epochs: int, seed: int, threads: int,
        limit: int | None, device: str, inputs: str = "minilm-wordpiece", patience: int = 3,
        lr: float = 1e-3, save: bool = True) -> dict:
    """Train and evaluate one model; ``save`` writes its weights to the model's folder."""
    seed_everything(seed, threads)
    dev = resolve_device(device)
    parts = split(load_snippets(with_movie=True), seed=0)
    if limit:
        parts = {k: v[:limit] for k, v in parts.items()}
    if inputs == "word-vocab":
        vocab = Vocab.build((words(t) for t, _ in parts["train"]), max_size=12000, min_count=2)
        tin, vocab_size = WordVocabInput(vocab), len(vocab)
    else:
        tin, vocab_size = text_input(inputs), 0
    data = {k: [(torch.tensor(tin.tokens(t)[0][:MAX_TOKENS] or [1]), LABELS.index(c)) for t, c in v]
            for k, v in parts.items()}
    config = {**CONFIG, "inputs": inputs}
    model = SelfAttentiveClassifier(vocab_size, len(LABELS), **config).to(dev)
    if inputs == "minilm-encoder":   # the frozen encoder runs once per snippet, not once per epoch or run
        if not _ENCODER_STATES:
            model.embed.fill_cache([x.tolist() for part in data.values() for x, _ in part])
            _ENCODER_STATES.update(model.embed.cache)
        model.embed.cache = _ENCODER_STATES

    def loss_fn(m, batch):
        ids, y = batch
        logits, A = m(ids.to(dev))
        return torch.nn.functional.cross_entropy(logits, y.to(dev)) + coef * frobenius_penalty(A)

    result = fit(model, bucketed(data["train"], 64), loss_fn, lambda m: evaluate(m, data["valid"], dev)["accuracy"],
                 LoopConfig(epochs=epochs, max_minutes=max_minutes, patience=patience, lr=lr, seed=seed,
                            lr_decay=0.5, desc=f"lin p={coef} s={seed}"))
    folder = out / folder_for(coef)
    # seeds that are not shipped are still scored on their float16 weights, kept outside the package
    # one scratch folder per output folder, so two studies (or a test and a study) never share files
    tag = hashlib.sha1(str(out.resolve()).encode()).hexdigest()[:10]
    scratch = folder if save else Path(tempfile.gettempdir()) / "atlas-seeds" / tag / f"{folder_for(coef)}-seed{seed}"
    scratch.mkdir(parents=True, exist_ok=True)
    save_checkpoint(model.cpu(), {"model": config, "labels": list(LABELS), "penalty_coef": coef}, scratch)
    shipped = SelfAttentiveClassifier(vocab_size, len(LABELS), **config)
    shipped.load_state_dict(load_checkpoint(scratch)[0])
    if inputs == "minilm-encoder":
        shipped.embed.cache = model.embed.cache
    test = evaluate(shipped, data["test"], "cpu")
    metrics = {"penalty_coef": coef, "inputs": inputs, "split": "movie-disjoint",
               "trained_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
               "train_snippets": len(data["train"]), "valid_snippets": len(data["valid"]),
               "test_snippets": len(data["test"]), "seed": seed, "weights": "float16", **result.as_dict(),
               "valid_accuracy": evaluate(shipped, data["valid"], "cpu")["accuracy"],
               "test_accuracy": test["accuracy"], "test_mean_offdiag_AAT": test["mean_offdiag_AAT"],
               "test_mean_penalty": test["mean_penalty"]}
    if inputs == "word-vocab":
        vocab.save(scratch / "vocab.json")
    if save:
        write_card_files(metrics, folder, parts["test"])
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}), flush=True)
    return {**metrics, "scratch": str(scratch)}


def write_card_files(metrics: dict, folder: Path, test: list) -> None:
    """metrics.json and the dashboard's samples beside a shipped model's weights."""
    if metrics["inputs"] != "word-vocab":
        (folder / "vocab.json").unlink(missing_ok=True)
    (folder / "metrics.json").write_text(json.dumps({k: v for k, v in metrics.items() if k != "scratch"}, indent=2)
                                         + "\n")
    (folder / "samples.json").write_text(json.dumps([t for t, _ in test[:6]], ensure_ascii=False))


def ship_best(runs: list[dict], out: Path) -> None:
    """Per penalty setting, ship the seed with the best validation accuracy (its float16 files as scored)."""
    test = split(load_snippets(with_movie=True), seed=0)["test"]
    for coef in {r["penalty_coef"] for r in runs}:
        group = [r for r in runs if r["penalty_coef"] == coef]
        best = max(group, key=lambda r: (r["valid_accuracy"], -r["seed"]))
        folder = out / folder_for(coef)
        folder.mkdir(parents=True, exist_ok=True)
        for f in Path(best["scratch"]).iterdir():
            shutil.copy(f, folder / f.name)
        note = f"seed {best['seed']}: best validation accuracy of seeds {[r['seed'] for r in group]}"
        write_card_files({**best, "selected": note}, folder, test)
        print(folder_for(coef), note, flush=True)


def summarize(runs: list[dict]) -> dict:
    """Mean ± sd over seeds of test accuracy and hop overlap, per penalty coefficient."""
    out = {}
    for coef in sorted({r["penalty_coef"] for r in runs}, reverse=True):
        group = [r for r in runs if r["penalty_coef"] == coef]
        row = {"seeds": [r["seed"] for r in group]}
        for key in ("test_accuracy", "test_mean_offdiag_AAT", "test_mean_penalty", "best_epoch"):
            vals = [float(r[key]) for r in group]
            row[key] = {"mean": statistics.mean(vals), "sd": statistics.stdev(vals) if len(vals) > 1 else 0.0,
                        "values": vals}
        out[str(coef)] = row
    return out


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--penalty", default="0.3", help="coefficient(s) of ‖AAᵀ − I‖²_F, comma-separated (0 = none)")
    p.add_argument("--seeds", default="1", help="comma-separated seeds")
    p.add_argument("--ship-seed", default="best", help="seed whose weights ship, or 'best' (best validation accuracy)")
    p.add_argument("--inputs", choices=["minilm-wordpiece", "minilm-encoder", "word-vocab"], default="minilm-encoder")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--max-minutes", type=float, default=6.0)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--device", default="auto")
    a = p.parse_args()
    runs = []
    for coef in [float(c) for c in a.penalty.split(",")]:
        for seed in [int(s) for s in a.seeds.split(",")]:
            runs.append(run(coef, a.out, a.max_minutes, a.epochs, seed, a.threads, a.limit, a.device, a.inputs,
                            a.patience, a.lr, save=a.ship_seed != "best" and seed == int(a.ship_seed)))
    if a.ship_seed == "best":
        ship_best(runs, a.out)
    if len(runs) > 1:
        study = {"split": "movie-disjoint", "inputs": a.inputs, "max_minutes": a.max_minutes, "patience": a.patience,
                 "runs": summarize(runs)}
        (a.out / "sentence" / "penalty_seeds.json").write_text(json.dumps(study, indent=2) + "\n")
        print(json.dumps(study, indent=1))


if __name__ == "__main__":
    main()
