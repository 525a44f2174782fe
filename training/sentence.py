"""Train Lin et al.'s structured self-attentive classifier on Rotten Tomatoes, with or without the penalty.

    python -m training.sentence --penalty 0.3              # ships as sentence/lin
    python -m training.sentence --penalty 0                # ships as sentence/lin-nopenalty
    python -m training.sentence --seeds 1,2,3 --penalty 0.3,0   # the penalty study (mean ± sd)
    # as shipped (issue 20): python -m training.sentence --penalty 0.3,0 --seeds 1,2,3 --warmup 3 \
    #                            --max-minutes 8 --epochs 30 --patience 4

    python -m training.sentence --measure attention_core/weights/sentence/lin   # hop measures of saved weights

Movie-disjoint split (see ``attention_core.data.rotten_tomatoes``); inputs (default, as in Lin et al.): a
BiLSTM over NON-contextual word pieces — MiniLM's tokenizer and its frozen input word-piece table under a
trained projection (``minilm-wordpiece``). ``minilm-encoder`` (the frozen contextual MiniLM states, shipped
before issue 20) is kept as an option: every contextual state already carries the whole sentence, so there
the hops sat on fixed positions whatever the sentence. Early stopping on validation accuracy; test numbers
(accuracy and the hop measures of :func:`hop_measures`) computed on the float16 weights as saved. Of several
seeds, the one with the best validation accuracy ships (or ``--ship-seed N``). The penalty rises from 0 over
the first ``--warmup`` epochs (see :func:`run`).
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
from attention_core.models.document import saved_inputs
from attention_core.models.text_inputs import WordVocabInput, text_input
from attention_core.models.text_vocab import Vocab, words
from training.classifiers import bucketed, collate
from attention_core.data.rotten_tomatoes import LABELS, load_snippets, split
from training.loop import LoopConfig, fit, seed_everything

CONFIG = {"emb": 128, "hidden": 96, "attn": 64, "hops": 4, "mlp": 128}
_ENCODER_STATES: dict = {}   # MiniLM states per snippet, shared by the runs of one process (seeds, penalties)
# words that carry no content of their own: scikit-learn's English stop words and the clitic pieces MiniLM's
# tokenizer splits off ("it's" → it ' s, "don't" → don ' t); punctuation = no letter or digit
CLITICS = frozenset({"s", "t", "d", "ll", "m", "re", "ve"})
HOP_KEYS = ("hop_argmax_mode_share", "hop_pairs_same_argmax", "content_mass", "stopword_mass", "punct_mass",
            "content_share_of_tokens", "content_argmax")


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


def word_kinds(labels: list[str]) -> list[str]:
    """``content`` / ``stop`` / ``punct`` per token, decided on the whole word a piece belongs to (a piece
    inside a word is labelled ``·…`` by the MiniLM inputs)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    groups: list[list[int]] = []
    for i, label in enumerate(labels):
        if label.startswith("·") and groups:
            groups[-1].append(i)
        else:
            groups.append([i])
    kinds = [""] * len(labels)
    for group in groups:
        word = "".join(labels[i].removeprefix("·") for i in group).lower()
        kind = ("punct" if not any(ch.isalnum() for ch in word)
                else "stop" if word in ENGLISH_STOP_WORDS or word in CLITICS else "content")
        for i in group:
            kinds[i] = kind
    return kinds


@torch.no_grad()
def hop_measures(model, ids: list[torch.Tensor], labels: list[list[str]], device, batch: int = 128) -> dict:
    """Do the hops follow the sentence? Over the given snippets:

    * ``hop_argmax_mode_share`` (per hop and mean): share of snippets whose hop-k argmax position is the most
      common argmax position of hop k (1.0 = the hop always lands on the same position, whatever the words);
      ``hop_argmax_mode`` is that position (0-based);
    * ``hop_pairs_same_argmax``: share of (snippet, pair of hops) whose two hops peak on the same token
      (1.0 = the hops are copies of each other);
    * ``content_mass`` / ``stopword_mass`` / ``punct_mass``: mean share of a hop's mass on content words,
      stop words and punctuation (:func:`word_kinds`); ``content_share_of_tokens`` is what a uniform hop
      would put on content words; ``content_argmax``: share of (snippet, hop) whose peak token is a content word;
    * ``mean_offdiag_AAT``: mean off-diagonal entry of AAᵀ (hop overlap).
    """
    model.eval()
    argmax, mass, uniform, off, peaks = [], {"content": 0.0, "stop": 0.0, "punct": 0.0}, 0.0, 0.0, 0
    for i in range(0, len(ids), batch):
        x, _ = collate([(t, 0) for t in ids[i:i + batch]])
        _, A = model(x.to(device))
        A = A.float().cpu()
        aat = redundancy(A)
        r = aat.shape[1]
        off += float((aat.sum((1, 2)) - aat.diagonal(dim1=1, dim2=2).sum(-1)).sum() / (r * (r - 1)))
        argmax += A.argmax(-1).tolist()
        for b, words in enumerate(labels[i:i + batch]):
            kinds = word_kinds(words[:A.shape[2]])
            for kind in mass:
                cols = [j for j, k in enumerate(kinds) if k == kind]
                mass[kind] += float(A[b, :, cols].sum(-1).mean()) if cols else 0.0
            uniform += kinds.count("content") / max(len(kinds), 1)
            peaks += sum(kinds[p] == "content" for p in A[b].argmax(-1).tolist())
    n, hops = len(ids), len(argmax[0])
    modes, shares = [], []
    for k in range(hops):
        col = [row[k] for row in argmax]
        mode = max(set(col), key=lambda p: (col.count(p), -p))
        modes.append(mode)
        shares.append(col.count(mode) / n)
    same = sum(row[a] == row[b] for row in argmax for a in range(hops) for b in range(a + 1, hops))
    return {"hop_argmax_mode": modes, "hop_argmax_mode_share_per_hop": shares,
            "hop_argmax_mode_share": sum(shares) / hops, "hop_pairs_same_argmax": same / (n * hops * (hops - 1) / 2),
            "content_mass": mass["content"] / n, "stopword_mass": mass["stop"] / n, "punct_mass": mass["punct"] / n,
            "content_share_of_tokens": uniform / n, "content_argmax": peaks / (n * hops), "mean_offdiag_AAT": off / n}


def encode(tin, texts: list[str]) -> tuple[list[torch.Tensor], list[list[str]]]:
    """Token ids (cut to ``MAX_TOKENS``, as the shipped model reads them) and token labels of each text."""
    ids, labels = [], []
    for t in texts:
        tok, ws = tin.tokens(t)
        ids.append(torch.tensor(tok[:MAX_TOKENS] or [1]))
        labels.append(ws[:MAX_TOKENS] or ["?"])
    return ids, labels


def measure(folder: Path, part: str = "test") -> dict:
    """Accuracy and :func:`hop_measures` of saved weights (a shipped folder or a seed's scratch folder)."""
    state, cfg = load_checkpoint(folder)
    tin, size = saved_inputs(folder, cfg)
    model = SelfAttentiveClassifier(size, len(cfg["labels"]), **cfg["model"])
    model.load_state_dict(state)
    items = split(load_snippets(with_movie=True), seed=0)[part]
    ids, labels = encode(tin, [t for t, _ in items])
    acc = evaluate(model, [(x, LABELS.index(c)) for x, (_, c) in zip(ids, items)], "cpu")
    return {"folder": str(folder), "inputs": cfg["model"].get("inputs", "word-vocab"),
            "penalty_coef": cfg.get("penalty_coef"), "part": part, "accuracy": acc["accuracy"],
            "mean_penalty": acc["mean_penalty"], **hop_measures(model, ids, labels, "cpu")}


def folder_for(coef: float) -> str:
    """Weights folder (== model id) of a penalty setting."""
    return "sentence/lin" if coef else "sentence/lin-nopenalty"


def run(coef: float, out: Path, max_minutes: float, epochs: int, seed: int, threads: int,
        limit: int | None, device: str, inputs: str = "minilm-wordpiece", patience: int = 3,
        lr: float = 1e-3, save: bool = True, warmup: float = 0.0, split_seed: int = 0) -> dict:
    """Train and evaluate one model; ``save`` writes its weights to the model's folder.

    ``warmup`` (epochs): the penalty's coefficient rises linearly from 0 to ``coef`` over that many epochs, so
    the hops first learn which words decide the label and only then are pushed apart (with the full penalty
    from the first step, they settle on the first few positions, whose backward-LSTM states already summarise
    the snippet, before the classifier has learnt any word). ``split_seed``: which movie-disjoint split (0 ships;
    others measure the split-to-split spread, ``training.classifier_claims``)."""
    seed_everything(seed, threads)
    dev = resolve_device(device)
    parts = split(load_snippets(with_movie=True), seed=split_seed)
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

    ramp_steps = warmup * -(-len(data["train"]) // 64) if coef else 0
    step = [0]

    def loss_fn(m, batch):
        ids, y = batch
        logits, A = m(ids.to(dev))
        scale = min(1.0, step[0] / ramp_steps) if ramp_steps and m.training else 1.0
        step[0] += int(m.training)
        return torch.nn.functional.cross_entropy(logits, y.to(dev)) + scale * coef * frobenius_penalty(A)

    def valid(m) -> float:
        # while the penalty is still rising, an epoch's accuracy is scored 1 lower, so the weights kept (and
        # shipped) always come from an epoch trained with the full penalty
        return evaluate(m, data["valid"], dev)["accuracy"] - float(step[0] < ramp_steps)

    result = fit(model, bucketed(data["train"], 64), loss_fn, valid,
                 LoopConfig(epochs=epochs, max_minutes=max_minutes, patience=patience, lr=lr, seed=seed,
                            lr_decay=0.5, desc=f"lin p={coef} s={seed}"))
    for h in result.history:
        if h["valid"] < 0:
            h["valid"], h["warmup"] = round(h["valid"] + 1, 5), True
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
    hops = hop_measures(shipped, [x for x, _ in data["test"]],
                        [tin.tokens(t)[1][:MAX_TOKENS] or ["?"] for t, _ in parts["test"]], "cpu")
    metrics = {"penalty_coef": coef, "penalty_warmup_epochs": warmup if coef else 0, "inputs": inputs,
               "split": "movie-disjoint", "split_seed": split_seed,
               "trained_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
               "train_snippets": len(data["train"]), "valid_snippets": len(data["valid"]),
               "test_snippets": len(data["test"]), "seed": seed, "weights": "float16", **result.as_dict(),
               "valid_accuracy": evaluate(shipped, data["valid"], "cpu")["accuracy"],
               "test_accuracy": test["accuracy"], "test_mean_offdiag_AAT": test["mean_offdiag_AAT"],
               "test_mean_penalty": test["mean_penalty"],
               **{f"test_{k}": v for k, v in hops.items() if k != "mean_offdiag_AAT"}}
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
    test = split(load_snippets(with_movie=True), seed=runs[0].get("split_seed", 0))["test"]
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
        for key in ("test_accuracy", "test_mean_offdiag_AAT", "test_mean_penalty", "best_epoch",
                    *(f"test_{k}" for k in HOP_KEYS)):
            if any(key not in r for r in group):
                continue
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
    p.add_argument("--inputs", choices=["minilm-wordpiece", "minilm-encoder", "word-vocab"], default="minilm-wordpiece")
    p.add_argument("--measure", nargs="+", type=Path, default=None, metavar="FOLDER",
                   help="only print accuracy and hop measures (test split) of saved weights folders")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--max-minutes", type=float, default=6.0)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=float, default=3.0,
                   help="epochs over which the penalty rises from 0 to its coefficient (0: full from the first step)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--split-seed", type=int, default=0, help="movie-disjoint split seed (0 = the shipped split)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--device", default="auto")
    a = p.parse_args()
    if a.measure:
        torch.set_num_threads(a.threads)
        print(json.dumps([measure(f) for f in a.measure], indent=1))
        return
    runs = []
    for coef in [float(c) for c in a.penalty.split(",")]:
        for seed in [int(s) for s in a.seeds.split(",")]:
            runs.append(run(coef, a.out, a.max_minutes, a.epochs, seed, a.threads, a.limit, a.device, a.inputs,
                            a.patience, a.lr, save=a.ship_seed != "best" and seed == int(a.ship_seed),
                            warmup=a.warmup, split_seed=a.split_seed))
    if a.ship_seed == "best":
        ship_best(runs, a.out)
    if len(runs) > 1:
        study = {"split": "movie-disjoint", "inputs": a.inputs, "max_minutes": a.max_minutes, "patience": a.patience,
                 "penalty_warmup_epochs": a.warmup,
                 "runs": summarize(runs)}
        (a.out / "sentence" / "penalty_seeds.json").write_text(json.dumps(study, indent=2) + "\n")
        print(json.dumps(study, indent=1))


if __name__ == "__main__":
    main()
