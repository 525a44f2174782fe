"""Train the hierarchical attention network (or the flat BiGRU baseline) on BBC News topics.

    python -m training.document --model han
    python -m training.document --model flat
    python -m training.document --rescore      # the shipped HAN: test accuracy and word-attention kinds, again


Clean split (duplicates grouped, see ``attention_core.data.bbc``); inputs: MiniLM's word-piece tokenizer and
frozen input embeddings with a trained projection (``--inputs word-vocab`` for our own vocabulary).
Early stopping on validation accuracy; test accuracy computed on the float16 weights as saved.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR, load_checkpoint, save_checkpoint
from attention_core.device import resolve_device
from attention_core.models.document import FlatClassifier, HANClassifier, document_ids
from attention_core.models.text_inputs import WordVocabInput, text_input
from attention_core.models.text_vocab import Vocab, words
from training.classifiers import accuracy, bucketed, logits_of
from training.sentence import word_kinds
from attention_core.data.bbc import TOPICS, load_articles, split
from training.loop import LoopConfig, fit, seed_everything

MODELS = {"han": HANClassifier, "flat": FlatClassifier}
CONFIG = {"han": {"emb": 128, "hidden": 64, "attn": 64}, "flat": {"emb": 128, "hidden": 64}}
TRAINING_CAPS = {"max_sentences": 30, "max_words": 40}


def run(kind: str, out: Path, max_minutes: float, epochs: int, seed: int, threads: int,
        limit: int | None, device: str, inputs: str = "minilm-wordpiece", patience: int = 4,
        lr: float = 2e-3, warm_start: bool = False) -> dict:
    """Train, evaluate and save one model."""
    seed_everything(seed, threads)
    dev = resolve_device(device)
    parts = split(load_articles(), seed=0)
    if limit:
        parts = {k: v[:limit] for k, v in parts.items()}
    folder = out / "document" / kind
    folder.mkdir(parents=True, exist_ok=True)
    if inputs == "word-vocab":
        vocab = Vocab.build((words(t) for t, _ in parts["train"]), max_size=12000, min_count=2)
        tin, vocab_size = WordVocabInput(vocab), len(vocab)
    else:
        tin, vocab_size = text_input(inputs), 0
    # training reads the first 30 sentences of at most 40 tokens (whole documents are for inference)
    data = {k: [(document_ids(t, tin, **TRAINING_CAPS).ids[0], TOPICS.index(y)) for t, y in v] for k, v in parts.items()}
    config = {**CONFIG[kind], "inputs": inputs}
    model = MODELS[kind](vocab_size, len(TOPICS), **config).to(dev)
    previous = None
    if warm_start and (folder / "metrics.json").exists():
        # continue from the saved weights of the same configuration (a second run within the budget)
        model.load_state_dict(load_checkpoint(folder)[0])
        old = json.loads((folder / "metrics.json").read_text())
        previous = {"epochs": old.get("epochs", 0) + old.get("previous", {}).get("epochs", 0),
                    "train_seconds": old.get("train_seconds", 0) + old.get("previous", {}).get("train_seconds", 0)}

    def loss_fn(m, batch):
        ids, y = batch
        return torch.nn.functional.cross_entropy(logits_of(m(ids.to(dev))), y.to(dev))

    result = fit(model, bucketed(data["train"], 16), loss_fn, lambda m: accuracy(m, data["valid"], dev),
                 LoopConfig(epochs=epochs, max_minutes=max_minutes, patience=patience, lr=lr, seed=seed,
                            lr_decay=0.5, desc=kind, eval_before=previous is not None),
                 history_path=folder / "history.json")
    save_checkpoint(model.cpu(), {"model": config, "labels": list(TOPICS), "training_caps": TRAINING_CAPS}, folder)
    if inputs == "word-vocab":
        vocab.save(folder / "vocab.json")
    else:
        (folder / "vocab.json").unlink(missing_ok=True)
    shipped = MODELS[kind](vocab_size, len(TOPICS), **config)
    shipped.load_state_dict(load_checkpoint(folder)[0])
    metrics = {"model": kind, "inputs": inputs, "split": "clean (deduplicated groups)",
               "trained_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
               "train_docs": len(data["train"]), "valid_docs": len(data["valid"]), "test_docs": len(data["test"]),
               "seed": seed, "weights": "float16", **({"previous": previous} if previous else {}),
               **result.as_dict(),
               "valid_accuracy": accuracy(shipped, data["valid"], "cpu"),
               "test_accuracy": accuracy(shipped, data["test"], "cpu")}
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (folder / "history.json").unlink(missing_ok=True)
    if kind == "han":   # a few held-out articles (first paragraphs) as dashboard samples
        samples = [text.split("\n\n")[0] + "\n\n" + " ".join(text.split("\n\n")[1:3])
                   for text, _ in parts["test"][:4]]
        (folder / "samples.json").write_text(json.dumps(samples, ensure_ascii=False, indent=0))
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}), flush=True)
    return metrics


@torch.no_grad()
def word_attention_measures(model: HANClassifier, docs: list[str], tin) -> dict[str, float]:
    """Where HAN's word attention falls, over whole documents as the Document page reads them:

    * ``content_mass`` / ``stopword_mass`` / ``punct_mass``: a sentence's word-attention mass on content words,
      stop words and punctuation (the kinds of ``training.sentence.word_kinds``), averaged over sentences;
      ``content_share_of_tokens`` is what uniform word attention would put on content words;
    * ``weighted_content_mass``: the same, each sentence weighted by its sentence attention (the document's
      α_sentence · α_word mass on content words);
    * ``content_argmax``: share of sentences whose heaviest word is a content word.
    """
    model.eval()
    mass, weighted, uniform, peaks, n = {"content": 0.0, "stop": 0.0, "punct": 0.0}, 0.0, 0.0, 0, 0
    for text in docs:
        doc = document_ids(text, tin)
        _, word_w, sent_w = model(doc.ids)
        for i, ws in enumerate(doc.words):
            kinds = word_kinds(ws)
            a = word_w[0, i, :len(ws)].float()
            share = {k: float(a[[j for j, x in enumerate(kinds) if x == k]].sum()) for k in mass}
            for k in mass:
                mass[k] += share[k]
            weighted += float(sent_w[0, i]) * share["content"]
            uniform += kinds.count("content") / len(kinds)
            peaks += kinds[int(a.argmax())] == "content"
            n += 1
    return {"sentences": n, "content_mass": mass["content"] / n, "stopword_mass": mass["stop"] / n,
            "punct_mass": mass["punct"] / n, "content_share_of_tokens": uniform / n,
            "weighted_content_mass": weighted / len(docs), "content_argmax": peaks / n}


def rescore(out: Path) -> dict:
    """Score the shipped HAN again with today's sentence splitter (test accuracy on the training caps, as
    ``run`` scores it) and measure its word attention; both are written into its ``metrics.json``."""
    folder = out / "document" / "han"
    metrics = json.loads((folder / "metrics.json").read_text())
    weights, config = load_checkpoint(folder)
    tin = text_input(config["model"].get("inputs", "word-vocab"), folder)
    model = HANClassifier(0, len(TOPICS), **config["model"])
    model.load_state_dict(weights)
    parts = split(load_articles(), seed=0)
    scored = {k: [(document_ids(t, tin, **TRAINING_CAPS).ids[0], TOPICS.index(y)) for t, y in parts[k]]
              for k in ("valid", "test")}
    before = metrics.get("splitter_before") or {"valid_accuracy": metrics["valid_accuracy"],
                                                "test_accuracy": metrics["test_accuracy"]}
    metrics.update({"splitter": "syntok (paragraphs, hard-wrapped lines joined)", "splitter_before": before,
                    "valid_accuracy": accuracy(model, scored["valid"], "cpu"),
                    "test_accuracy": accuracy(model, scored["test"], "cpu"),
                    "word_attention": word_attention_measures(model, [t for t, _ in parts["test"]], tin)})
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(MODELS), default="han")
    p.add_argument("--inputs", choices=["minilm-wordpiece", "word-vocab"], default="minilm-wordpiece")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--max-minutes", type=float, default=10.0)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--patience", type=int, default=4)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warm-start", action="store_true", help="continue from the weights already in --out")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--device", default="auto")
    p.add_argument("--rescore", action="store_true",
                   help="no training: score the shipped HAN again and measure its word attention")
    a = p.parse_args()
    if a.rescore:
        m = rescore(a.out)
        print(json.dumps({k: m[k] for k in ("splitter_before", "valid_accuracy", "test_accuracy", "word_attention")}))
        return
    run(a.model, a.out, a.max_minutes, a.epochs, a.seed, a.threads, a.limit, a.device, a.inputs, a.patience, a.lr,
        a.warm_start)


if __name__ == "__main__":
    main()
