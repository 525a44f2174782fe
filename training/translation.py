"""Train one translation model per attention mechanism (same data, sizes, seed and maximum budget).

    python -m training.translation --task bible --mechanism local-p
    python -m training.translation --task dates --mechanism all

Every mechanism gets the same budget (at most ``--epochs`` epochs and ``--max-minutes`` of wall clock)
and stops early when the validation metric (Bible: greedy BLEU on the clean validation verses; dates:
AER of argmax attention plus the share of wrong translations) has not improved for ``--patience`` epochs;
the best epoch is kept.
Writes ``attention_core/weights/<family>/<mechanism>/`` (safetensors + config + metrics.json with the
per-epoch history) and, once per family, the tokenizer and a small held-out slice. Test metrics are
computed on the float16 weights as committed, reloaded from disk.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import sacrebleu
import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from attention_core.checkpoint import WEIGHTS_DIR, load_checkpoint, save_checkpoint
from attention_core.device import resolve_device
from attention_core.models.decoding import Hypothesis, beam_search, greedy_batch
from attention_core.models.rare_words import load_rule
from attention_core.models.seq2seq import BOS, EOS, MECHANISM_LABELS, PAD, Seq2Seq
from attention_core.models.special_tokens import SPECIALS
from training.lexical import ibm1, top_k_table
from training.local_p_warmup import CENTRE_TARGETS, copy_shared, prefit_all
from training.loop import LoopConfig, fit, seed_everything

# Dates: D = 2 (σ = D/2 = 1) — with D = 1 the Gaussian (σ = 0.5) lets local-p see barely one token,
# so a wrong p_t cannot be corrected by the content score.
TASKS = {
    "bible": {"family": "bible-en-fr", "model": {"emb": 128, "hidden": 160, "width": 3}, "batch": 64,
              "lr": 3e-3, "label_smoothing": 0.1, "metric": "bleu", "mode": "max"},
    "dates": {"family": "dates-en-fr", "model": {"emb": 32, "hidden": 64, "width": 2}, "batch": 64,
              "lr": 3e-3, "label_smoothing": 0.0, "metric": "aer+errors", "mode": "min"},
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


def load_task(task: str, seed: int, formats: str = "cldr") -> dict[str, list[dict]]:
    """Examples as dicts with ``source``/``target`` strings (dates also carry gold ``links``). Dates in
    ``formats="extended"`` add numeric, British, ordinal and lower-case pairs (``test_extra``, ``valid_extra``)
    to the same dates; ``test`` stays the CLDR formats' test set."""
    if task == "bible":
        from attention_core.data.bible import load_pairs, split
        parts = split(load_pairs())
        return {k: [{"id": i, "source": en, "target": fr} for i, en, fr in v] for k, v in parts.items()}
    from attention_core.data.dates import make_extended_split, make_split
    parts = make_extended_split(seed=seed) if formats == "extended" else make_split(seed=seed)
    out = {}
    for k, v in parts.items():
        out[k] = [{"id": p["date"], "source": " ".join(p["source"]), "target": " ".join(p["target"]),
                   "links": p["links"], "format": p["format"]} for p in v]
    return out


LEXICON_ITERATIONS = 5   # EM iterations of the subword IBM-1 lexicon (the word-level baseline's, chosen on validation)


def subword_lexicon(tok: Tokenizer, train: list[dict], k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """IBM Model 1 over the tokenizer's pieces of the training pairs only (source + EOS → target + EOS) → each
    source token's ``k`` most probable target tokens: ``(index [V, k] int32, prob [V, k])`` for
    :meth:`Seq2Seq.set_lexicon`."""
    pairs = [(tok.encode(e["source"]).ids + [EOS], tok.encode(e["target"]).ids + [EOS]) for e in train]
    index, prob = top_k_table(ibm1(pairs, LEXICON_ITERATIONS), tok.get_vocab_size(), k)
    return torch.from_numpy(index), torch.from_numpy(prob)


def dropout_tokenizer(tok: Tokenizer, p: float) -> Tokenizer:
    """A copy of a BPE tokenizer that skips each merge with probability ``p`` (a new split on every call)."""
    if not 0.0 < p < 1.0:
        raise SystemExit(f"BPE dropout must be between 0 and 1, got {p}")
    if not isinstance(tok.model, models.BPE):
        raise SystemExit("BPE dropout needs a BPE tokenizer (the Bible task's)")
    copy = Tokenizer.from_str(tok.to_str())
    copy.model.dropout = p
    return copy


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


def sequence_loss(label_smoothing: float):
    """Teacher-forced token cross-entropy (PAD ignored) for batches from :func:`batches`."""
    def loss(model: Seq2Seq, batch) -> torch.Tensor:
        src, lengths, tin, tout = batch
        dev = next(model.parameters()).device
        logp, _, _ = model(src.to(dev), lengths, tin.to(dev))
        logp, gold = logp.flatten(0, 1), tout.to(dev).flatten()
        keep = gold != PAD
        nll = -logp.gather(1, gold[:, None])[:, 0]
        # label smoothing written out on the log-probs (cross_entropy would run a second log-softmax)
        smooth = -logp.mean(1)
        return ((1 - label_smoothing) * nll + label_smoothing * smooth)[keep].mean()
    return loss


def greedy_hypotheses(model: Seq2Seq, tok: Tokenizer, sources: list[str], device="cpu", batch: int = 64,
                      ) -> list[tuple[list[int], Hypothesis]]:
    """Greedy decoding of many sentences in batches → each sentence's source ids (cut at 100, then EOS) and its
    hypothesis (the model's declared rare-word rule applied, if any)."""
    model.eval()
    out: list[tuple[list[int], Hypothesis]] = []
    for i in range(0, len(sources), batch):
        ids = [tok.encode(s).ids[:100] + [EOS] for s in sources[i:i + batch]]
        src, lengths, _, _ = collate([(s, [EOS]) for s in ids])
        out += zip(ids, greedy_batch(model, src.to(device), lengths, max_len=120))
    return out


def translate_all(model: Seq2Seq, tok: Tokenizer, sources: list[str], device, batch: int = 64) -> list[str]:
    """Greedy translations of many sentences."""
    return [tok.decode([t for t in hyp.tokens if t != EOS])
            for _, hyp in greedy_hypotheses(model, tok, sources, device, batch)]


def corpus_bleu(hyps: list[str], examples: list[dict]) -> float:
    """Corpus BLEU (sacrebleu, lowercased) of translations against the examples' targets."""
    return sacrebleu.corpus_bleu(hyps, [[e["target"].lower() for e in examples]], lowercase=True).score


def corpus_chrf(hyps: list[str], examples: list[dict]) -> float:
    """Corpus chrF (sacrebleu) of lowercased translations against the examples' lowercased targets."""
    return sacrebleu.corpus_chrf([h.lower() for h in hyps], [[e["target"].lower() for e in examples]]).score


def bleu(model: Seq2Seq, tok: Tokenizer, examples: list[dict], device) -> float:
    """Corpus BLEU of greedy translations."""
    return corpus_bleu(translate_all(model, tok, [e["source"] for e in examples], device), examples)


def greedy_scores(model: Seq2Seq, tok: Tokenizer, examples: list[dict], device) -> dict[str, float]:
    """Corpus BLEU and chrF of the same greedy translations."""
    hyps = translate_all(model, tok, [e["source"] for e in examples], device)
    return {"bleu_greedy": corpus_bleu(hyps, examples), "chrf_greedy": corpus_chrf(hyps, examples)}


def beam_translations(model: Seq2Seq, tok: Tokenizer, sources: list[str], beam: int = 4) -> list[str]:
    """Beam-search translations, one sentence at a time, scores normalised by length (the Translate page's)."""
    model.eval()
    hyps = []
    for source in sources:
        src, lengths, _, _ = collate([(tok.encode(source).ids[:100] + [EOS], [EOS])])
        best = beam_search(model, src, lengths, beam=beam, max_len=120)
        hyps.append(tok.decode([t for t in best.tokens if t != EOS]))
    return hyps


def scored_on_test(model: Seq2Seq, tok: Tokenizer, test: list[dict]) -> tuple[dict[str, float], list[str], list[str]]:
    """A shipped model's test scores as metrics.json keeps them (greedy and beam-4 BLEU and chrF, greedy BLEU on the
    first 40 verses) → (those scores, the greedy translations, the beam-4 translations)."""
    sources = [e["source"] for e in test]
    greedy, beamed = translate_all(model, tok, sources, "cpu"), beam_translations(model, tok, sources, beam=4)
    return ({"bleu_greedy": corpus_bleu(greedy, test), "chrf_greedy": corpus_chrf(greedy, test),
             "bleu_greedy_heldout40": bleu(model, tok, test[:40], "cpu"), "bleu_beam4": corpus_bleu(beamed, test),
             "chrf_beam4": corpus_chrf(beamed, test)}, greedy, beamed)


def beam_bleu(model: Seq2Seq, tok: Tokenizer, examples: list[dict], beam: int = 4) -> float:
    """Corpus BLEU (lowercased) of beam-search translations (one verse at a time, length-normalised)."""
    return corpus_bleu(beam_translations(model, tok, [e["source"] for e in examples], beam), examples)


def load_saved(folder: Path, tok: Tokenizer, mechanism: str) -> Seq2Seq:
    """The float16 model saved in ``folder``, reloaded into a fresh float32 ``Seq2Seq`` in eval mode, with the
    rare-word rule its config.json declares (if any)."""
    state, config = load_checkpoint(folder)
    model = Seq2Seq(tok.get_vocab_size(), mechanism, **config["model"])
    model.load_state_dict(state)
    model.rare_words = load_rule(config, folder.parent, tok)   # as the page decodes: the declared rare-word rule
    return model.eval()


def rescore(task: str, mechanism: str, out_root: Path, seed: int = 1, beam: int = 4, chrf_only: bool = False) -> dict:
    """Add greedy test chrF and (unless ``chrf_only``) beam-search test BLEU to a shipped Bible model's
    metrics.json (no training)."""
    cfg = TASKS[task]
    family_dir = out_root / cfg["family"]
    tok = Tokenizer.from_file(str(family_dir / "tokenizer.json"))
    model = load_saved(family_dir / mechanism, tok, mechanism)
    test = load_task(task, seed)["test"]
    path = family_dir / mechanism / "metrics.json"
    metrics = json.loads(path.read_text())
    greedy = greedy_scores(model, tok, test, "cpu")
    if abs(greedy["bleu_greedy"] - metrics.get("bleu_greedy", greedy["bleu_greedy"])) > 0.01:
        raise SystemExit(f"{mechanism}: greedy BLEU {greedy['bleu_greedy']:.2f} differs from the shipped "
                         f"{metrics['bleu_greedy']:.2f}: not the weights that were scored")
    metrics["chrf_greedy"] = greedy["chrf_greedy"]
    if not chrf_only:
        metrics[f"bleu_beam{beam}"] = beam_bleu(model, tok, test, beam)
    path.write_text(json.dumps(metrics, indent=2) + "\n")
    print(mechanism, metrics["bleu_greedy"], metrics["chrf_greedy"], metrics.get(f"bleu_beam{beam}"), flush=True)
    return metrics


CONFIDENCE_QUANTILE = 0.05   # the share of validation items the low-confidence notice would flag


@torch.no_grad()
def calibrate(task: str, mechanism: str, out_root: Path, seed: int = 1, formats: str = "cldr") -> dict:
    """Write the shipped model's confidence floor into its config.json: the :data:`CONFIDENCE_QUANTILE` quantile of
    the mean log-probability per generated token of its greedy translations of the validation items (Bible: the
    clean validation verses; dates: validation dates in every trained format). Below it, the Translate page and
    the CLI say the model is unsure (``attention_core.models.translation``)."""
    import numpy as np
    cfg = TASKS[task]
    folder = out_root / cfg["family"] / mechanism
    tok = Tokenizer.from_file(str(out_root / cfg["family"] / "tokenizer.json"))
    model = load_saved(folder, tok, mechanism)
    data = load_task(task, seed, formats)
    items = data["valid"] + data.get("valid_extra", [])
    means = []
    for i in range(0, len(items), 64):
        ids = [tok.encode(e["source"]).ids[:100] + [EOS] for e in items[i:i + 64]]
        src, lengths, _, _ = collate([(s, [EOS]) for s in ids])
        means += [h.score / len(h.tokens) for h in greedy_batch(model, src, lengths, max_len=120)]
    config = json.loads((folder / "config.json").read_text())
    config["confidence"] = {"floor": float(np.quantile(means, CONFIDENCE_QUANTILE)), "quantile": CONFIDENCE_QUANTILE,
                            "measure": "mean log-probability per generated token, greedy",
                            "split": "validation", "items": len(means)}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(mechanism, json.dumps(config["confidence"]), flush=True)
    return config["confidence"]


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


def exact_match(model: Seq2Seq, tok: Tokenizer, examples: list[dict], device) -> float:
    """Share of greedy translations identical to the reference."""
    hyps = translate_all(model, tok, [e["source"] for e in examples], device)
    return sum(h == e["target"] for h, e in zip(hyps, examples)) / len(examples)


def extra_format_scores(model: Seq2Seq, tok: Tokenizer, examples: list[dict]) -> dict:
    """AER and exact match on the extra-format test pairs, and exact match per format (lower case apart)."""
    hyps = translate_all(model, tok, [e["source"] for e in examples], "cpu")
    by_format: dict[str, list[bool]] = {}
    for h, e in zip(hyps, examples):
        by_format.setdefault(e["format"], []).append(h == e["target"])
    return {"aer_extra": alignment_error_rate(model, tok, examples, "cpu"),
            "exact_match_extra": sum(h == e["target"] for h, e in zip(hyps, examples)) / len(examples),
            "exact_match_extra_by_format": {f: sum(v) / len(v) for f, v in sorted(by_format.items())},
            "test_extra_pairs": len(examples)}


# Bible: the validation score that picks the kept weights (BLEU unless a run says otherwise)
BIBLE_SELECTION = {"bleu": lambda s: s["bleu_greedy"], "chrf": lambda s: s["chrf_greedy"],
                   "bleu+chrf": lambda s: s["bleu_greedy"] + s["chrf_greedy"]}


def score(task: str, model: Seq2Seq, tok: Tokenizer, examples: list[dict], device) -> float:
    """The task's validation metric. Bible: BLEU. Dates: AER plus the share of wrong translations — AER
    alone rewards an untrained model whose narrow window happens to sit on the gold word, and stops
    training before the model translates."""
    if task == "bible":
        return bleu(model, tok, examples, device)
    return alignment_error_rate(model, tok, examples, device) + 1.0 - exact_match(model, tok, examples, device)


def run(task: str, mechanism: str, out_root: Path, max_minutes: float, epochs: int, seed: int,
        threads: int, limit: int | None, device: str, patience: int = 4, valid_size: int = 200,
        warm_start: bool = False, lr: float | None = None, overrides: dict | None = None,
        total_epochs: int | None = None, formats: str = "cldr", data_seed: int | None = None,
        init_from: str | None = None, prefit: dict | None = None, bpe_dropout: float = 0.0,
        distill: Path | None = None, distill_share: float = 0.5, average_last: int = 0,
        select: str = "bleu", test: bool = True, freeze: tuple[str, ...] = (), freeze_epochs: int = 0) -> dict:
    """Train and evaluate one mechanism (``overrides`` replace entries of the task's model config;
    ``total_epochs`` caps the epochs of all warm-started runs together, so every mechanism ends on one budget;
    ``init_from`` starts from another mechanism's weights in ``out_root``, its own attention pre-fitted with
    ``prefit`` (:func:`training.local_p_warmup.prefit_all` keyword arguments); ``bpe_dropout`` > 0 re-splits the
    training pairs each epoch with BPE dropout (Provilkov et al. 2020; validation and test keep the plain split));
    ``distill`` is a teacher's translations of the training verses (:mod:`training.distillation`), each epoch
    replacing each reference with probability ``distill_share``; ``average_last`` ≥ 2 also scores the mean of the
    last epochs' weights on validation and keeps it if best; Bible: ``select`` is the validation score that picks the
    weights, a key of :data:`BIBLE_SELECTION`; ``test=False`` leaves the test verses unread, for a candidate whose
    shipping is decided on validation first — ``--rescore`` scores it once shipped); ``freeze`` (parameter-name
    patterns, fnmatch) holds those parameters fixed for the first ``freeze_epochs`` epochs (e.g. local-p's pre-fitted
    position predictor)."""
    seed_everything(seed, threads)
    cfg = {**TASKS[task], "model": {**TASKS[task]["model"], **(overrides or {})}}
    dev = resolve_device(device)
    # the split follows data_seed (default: seed), so other training seeds can share one test set
    data = load_task(task, seed if data_seed is None else data_seed, formats)
    if limit:
        data = {k: v[:limit] for k, v in data.items()}
    family_dir = out_root / cfg["family"]
    family_dir.mkdir(parents=True, exist_ok=True)
    tok_path = family_dir / "tokenizer.json"
    if tok_path.exists():   # built from the training split, which the clean split leaves as it was
        tok = Tokenizer.from_file(str(tok_path))
    else:   # built once per family from the training split, shared by every mechanism
        texts = [e["source"] for e in data["train"]] + [e["target"] for e in data["train"]]
        tok = build_tokenizer(task, texts, vocab_size=2500)
        tok.save(str(tok_path))
    heldout = data["test"][:40 if task == "bible" else 100]
    (family_dir / "heldout.json").write_text(json.dumps(heldout, ensure_ascii=False, indent=0))
    train_ids = encode_examples(tok, data["train"])
    valid = data["valid"][:valid_size]   # a fixed subset keeps per-epoch evaluation cheap
    if "valid_extra" in data:            # half in the CLDR formats, half in the extra ones
        valid = data["valid"][:valid_size // 2] + data["valid_extra"][:valid_size - valid_size // 2]
    model = Seq2Seq(tok.get_vocab_size(), mechanism, **cfg["model"]).to(dev)
    params = sum(p.numel() for p in model.parameters())
    out_dir = family_dir / mechanism
    previous, previous_curve, session, before_lexicon, started_from = None, [], 1, None, None
    if init_from:
        previous, previous_curve, session, started_from = start_from_other(
            model, family_dir / init_from, init_from, tok, train_ids, cfg["batch"], seed, prefit or {})
        if (out_dir / "metrics.json").exists():   # the weights this run would replace, for the card's "before"
            old = json.loads((out_dir / "metrics.json").read_text())
            started_from["replaces"] = {k: old[k] for k in ("valid_bleu", "bleu_greedy", "chrf_greedy", "bleu_beam4")
                                        if k in old}
    elif warm_start and (out_dir / "model.safetensors").exists():
        # continue from the shipped weights (same tokenizer and training verses): a second session
        state, _ = load_checkpoint(out_dir)
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or set(missing) - {"lexicon_index", "lexicon_prob"}:   # only a new lexicon may be missing
            raise SystemExit(f"{mechanism}: the weights in {out_dir} do not fit: missing {missing}, "
                             f"unexpected {unexpected}")
        old = json.loads((out_dir / "metrics.json").read_text())
        before = old.get("previous", {})
        before_lexicon = old.get("before_lexicon")   # kept across later runs
        if "lexicon_index" in missing:   # the run that adds the lexicon keeps the scores of the model without it
            before_lexicon = {k: old[k] for k in ("valid_bleu", "bleu_greedy", "chrf_greedy", "bleu_beam4") if k in old}
        previous = {"epochs": old.get("epochs", 0) + before.get("epochs", 0),
                    "train_seconds": old.get("train_seconds", 0) + before.get("train_seconds", 0)}
        # a "session" here is one warm-started run; files written before runs were counted are run 1 or 2
        old_session = old.get("session", 2 if before else 1)
        session = old_session + 1
        # the whole curve across sessions, epochs counted from the first session's start
        previous_curve = old.get("curve") or [dict(h, epoch=h["epoch"] + before.get("epochs", 0), session=old_session)
                                               for h in old.get("history", [])]
    lexicon = None
    if model.has_lexicon:   # from the training pairs only; the same table for every mechanism
        index, prob = subword_lexicon(tok, data["train"], cfg["model"]["lexicon_k"])
        model.set_lexicon(index, prob)
        lexicon = {"k": cfg["model"]["lexicon_k"], "em_iterations": LEXICON_ITERATIONS, "pieces": "joint BPE",
                   "eps": model.lexicon_eps, "weight": model.lexicon_weight, "trained_on": "training pairs"}
    if total_epochs is not None:
        epochs = min(epochs, total_epochs - (previous or {}).get("epochs", 0))
        if epochs <= 0:
            print(json.dumps({"mechanism": mechanism, "skipped": f"already trained {total_epochs} epochs"}), flush=True)
            return json.loads((out_dir / "metrics.json").read_text())
    lr = lr or cfg["lr"]
    loop = LoopConfig(epochs=epochs, max_minutes=max_minutes, patience=patience, lr=lr, mode=cfg["mode"],
                      lr_decay=0.5, seed=seed, desc=f"{task}/{mechanism}", eval_before=previous is not None,
                      average_last=average_last, freeze=tuple(freeze), freeze_epochs=freeze_epochs)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_batches = lambda rng: batches(train_ids, cfg["batch"], rng)   # noqa: E731
    splitter = dropout_tokenizer(tok, bpe_dropout) if bpe_dropout else tok
    if bpe_dropout:
        train_batches = lambda rng: batches(encode_examples(splitter, data["train"]), cfg["batch"], rng)   # noqa: E731
    distilled = None
    if distill:
        from training.distillation import load_targets, mixed_targets
        taught = load_targets(distill)
        distilled = {"teacher_file": Path(distill).name, "share": distill_share,
                     "teacher": json.loads(Path(distill).read_text()).get("teacher"), "verses": len(taught)}
        train_batches = lambda rng: batches(   # noqa: E731
            encode_examples(splitter, mixed_targets(data["train"], taught, distill_share, rng)), cfg["batch"], rng)
    seen: list[dict[str, float]] = []   # Bible: both validation scores of every evaluation, in order

    def evaluate(m: Seq2Seq) -> float:
        if task != "bible":
            return score(task, m, tok, valid, dev)
        seen.append(greedy_scores(m, tok, valid, dev))
        print(f"[{task}/{mechanism}] validation BLEU {seen[-1]['bleu_greedy']:.2f} chrF {seen[-1]['chrf_greedy']:.2f}",
              flush=True)
        return BIBLE_SELECTION[select](seen[-1])
    if select not in BIBLE_SELECTION:
        raise SystemExit(f"--select {select}: one of {', '.join(BIBLE_SELECTION)}")
    result = fit(model, train_batches, sequence_loss(cfg["label_smoothing"]), evaluate, loop,
                 history_path=out_dir / "history.json")
    if seen:   # the curve stays in BLEU whatever picked the weights; chrF beside it
        for h, scores in zip(result.history, seen):
            h.update(valid=round(scores["bleu_greedy"], 5), valid_chrf=round(scores["chrf_greedy"], 5))
        if result.averaged and len(seen) > len(result.history):
            result.averaged.update(valid=round(seen[len(result.history)]["bleu_greedy"], 5),
                                   valid_chrf=round(seen[len(result.history)]["chrf_greedy"], 5))
    save_checkpoint(model.cpu(), {"model": cfg["model"], "mechanism": mechanism, "task": task}, out_dir)
    # score what ships: the float16 file reloaded into a fresh model
    shipped = load_saved(out_dir, tok, mechanism)
    metrics = {"task": task, "mechanism": mechanism, "label": MECHANISM_LABELS[mechanism], "params": params,
               "train_pairs": len(train_ids), "valid_pairs": len(valid), "test_pairs": len(data["test"]),
               "seed": seed, **({"data_seed": data_seed} if data_seed is not None else {}),
               "threads": threads, "split": "clean", "weights": "float16",
               **({"bpe_dropout": bpe_dropout} if bpe_dropout else {}),
               **({"distilled": distilled} if distilled else {}),
               "budget": {"max_epochs": epochs, "max_minutes": max_minutes, "patience": patience,
                          **({"max_total_epochs": total_epochs} if total_epochs is not None else {}),
                          "batch": cfg["batch"], "lr": lr, "label_smoothing": cfg["label_smoothing"],
                          **({"select": select} if select != "bleu" else {}),
                          **({"freeze": list(freeze), "freeze_epochs": freeze_epochs} if freeze_epochs else {})},
               **({"previous": previous} if previous else {}), **({"lexicon": lexicon} if lexicon else {}),
               **({"init_from": started_from} if started_from else {}),
               **({"before_lexicon": before_lexicon} if lexicon and before_lexicon else {}),
               **{k: v for k, v in result.as_dict().items() if k != "history"}}
    if task == "bible":
        metrics["valid_scores_shipped"] = greedy_scores(shipped, tok, valid, "cpu")
        best = metrics.pop("best_valid")
        metrics["valid_bleu"] = best if select == "bleu" else metrics["valid_scores_shipped"]["bleu_greedy"]
        if select != "bleu":
            metrics["selection"] = {"metric": select, "best": best}
        if test:
            metrics.update(greedy_scores(shipped, tok, data["test"], "cpu"))
            metrics["bleu_greedy_heldout40"] = bleu(shipped, tok, data["test"][:40], "cpu")
            metrics["bleu_beam4"] = beam_bleu(shipped, tok, data["test"], beam=4)
    else:
        metrics["valid_aer_plus_errors"] = metrics.pop("best_valid")
        metrics["valid_aer"] = alignment_error_rate(shipped, tok, valid, "cpu")
        metrics["aer"] = alignment_error_rate(shipped, tok, data["test"], "cpu")
        metrics["aer_heldout100"] = alignment_error_rate(shipped, tok, data["test"][:100], "cpu")
        metrics["exact_match"] = exact_match(shipped, tok, data["test"], "cpu")
        if "test_extra" in data:
            metrics.update(extra_format_scores(shipped, tok, data["test_extra"]))
        metrics["formats"] = formats
    metrics["history"] = result.history
    offset = (previous or {}).get("epochs", 0)
    metrics["session"] = session
    metrics["curve"] = previous_curve + [dict(h, epoch=h["epoch"] + offset, session=session) for h in result.history]
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out_dir / "history.json").unlink(missing_ok=True)
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}), flush=True)
    return metrics


def start_from_other(model: Seq2Seq, folder: Path, mechanism: str, tok: Tokenizer,
                     train_ids: list[tuple[list[int], list[int]]], batch: int, seed: int, prefit: dict,
                     ) -> tuple[dict, list[dict], int, dict]:
    """Copy the shared tensors of ``mechanism``'s weights in ``folder`` into ``model`` and pre-fit its own attention
    parameters on the training pairs (:func:`training.local_p_warmup.prefit_all`) → (its epochs and seconds as
    ``previous``, its curve, the next session number, a record of the start for metrics.json)."""
    if mechanism == model.mechanism:
        raise SystemExit(f"--init-from {mechanism} is the model itself: use --warm-start")
    if not (folder / "model.safetensors").exists():
        raise SystemExit(f"--init-from {mechanism}: no weights in {folder}")
    state, _ = load_checkpoint(folder)
    missing = copy_shared(model, state)
    source = load_saved(folder, tok, mechanism)
    summary = prefit_all(model, source, missing, lambda: batches(train_ids, batch, random.Random(seed)), seed=seed,
                         **prefit)
    old = json.loads((folder / "metrics.json").read_text())
    before = old.get("previous", {})
    spent = sum(stage["seconds"] for stage in summary.values())
    previous = {"epochs": old.get("epochs", 0) + before.get("epochs", 0),
                "train_seconds": old.get("train_seconds", 0) + before.get("train_seconds", 0) + spent}
    started = {"mechanism": mechanism, "valid_bleu": old.get("valid_bleu"), "session": old.get("session"),
               "initialised_fresh": missing, "prefit": summary}
    return previous, old.get("curve", []), old.get("session", 1) + 1, started


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="bible")
    parser.add_argument("--mechanism", default="all", help=f"comma-separated {sorted(MECHANISM_LABELS)} or 'all'")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--max-minutes", type=float, default=12.0, help="wall-clock budget per model")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument("--total-epochs", type=int, default=None,
                        help="cap on the epochs of all warm-started runs together (one budget for every mechanism)")
    parser.add_argument("--warm-start", action="store_true", help="continue from the weights already in --out")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-seed", type=int, default=None, help="seed of the data split (default: --seed)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N examples per split")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--rescore", action="store_true",
                        help="only add greedy chrF and beam-search test BLEU to shipped metrics")
    parser.add_argument("--calibrate", action="store_true",
                        help="only write each shipped model's confidence floor (validation) into its config.json")
    parser.add_argument("--chrf-only", action="store_true", help="with --rescore: greedy chrF only (no beam search)")
    parser.add_argument("--formats", choices=["cldr", "extended"], default="cldr",
                        help="dates: Babel's three CLDR formats, or also numeric, British, ordinal and lower case")
    parser.add_argument("--init-from", default=None, metavar="MECHANISM",
                        help="start from another mechanism's weights in --out (local-p from local-m, general from "
                             "concat): the shared tensors copied, the model's own attention pre-fitted first")
    parser.add_argument("--prefit-target", choices=sorted(CENTRE_TARGETS), default="attention",
                        help="with --init-from: fit p_t to the source model's attention mean, or to t·S/T")
    parser.add_argument("--prefit-minutes", type=float, default=4.0,
                        help="with --init-from: budget of each pre-fit stage (position, score)")
    parser.add_argument("--bpe-dropout", type=float, default=0.0,
                        help="Bible: re-split the training pairs each epoch with this BPE dropout (0: off)")
    parser.add_argument("--distill", type=Path, default=None, metavar="FILE",
                        help="Bible: a teacher's translations of the training verses (python -m training.distillation)")
    parser.add_argument("--distill-share", type=float, default=0.5,
                        help="with --distill: the chance, per verse and epoch, of training on the teacher's output")
    parser.add_argument("--average-last", type=int, default=0,
                        help="also score the mean of the last N epochs' weights on validation; kept if best (0: off)")
    parser.add_argument("--select", choices=sorted(BIBLE_SELECTION), default="bleu",
                        help="Bible: the validation score (greedy) that picks the kept weights")
    parser.add_argument("--no-test", action="store_true",
                        help="Bible: do not score the test verses (a candidate chosen on validation; --rescore later)")
    parser.add_argument("--freeze", default="", metavar="PATTERNS",
                        help="comma-separated parameter-name patterns (fnmatch) held fixed for the first --freeze-epochs "
                             "epochs, e.g. 'attention.W_p.*,attention.v_p.*' (local-p's position predictor)")
    parser.add_argument("--freeze-epochs", type=int, default=0, help="with --freeze: how many epochs (0: off)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a model setting, e.g. width=3 or local_score=concat (JSON values)")
    args = parser.parse_args()
    overrides = dict(parse_setting(item) for item in args.set)
    mechanisms = list(MECHANISM_LABELS) if args.mechanism == "all" else args.mechanism.split(",")
    if args.calibrate:
        for mechanism in mechanisms:
            calibrate(args.task, mechanism, args.out, args.data_seed or args.seed, args.formats)
        return
    if args.rescore:
        for mechanism in mechanisms:
            rescore(args.task, mechanism, args.out, args.seed, chrf_only=args.chrf_only)
        return
    for mechanism in mechanisms:
        run(args.task, mechanism, args.out, args.max_minutes, args.epochs, args.seed, args.threads,
            args.limit, args.device, args.patience, warm_start=args.warm_start, lr=args.lr, overrides=overrides,
            total_epochs=args.total_epochs, formats=args.formats, data_seed=args.data_seed,
            init_from=args.init_from, prefit={"target": args.prefit_target, "minutes": args.prefit_minutes},
            bpe_dropout=args.bpe_dropout, distill=args.distill, distill_share=args.distill_share,
            average_last=args.average_last, select=args.select, test=not args.no_test,
            freeze=tuple(p for p in args.freeze.split(",") if p), freeze_epochs=args.freeze_epochs)


def parse_setting(item: str) -> tuple[str, object]:
    """``"width=3"`` → ``("width", 3)``; a value that is not JSON stays a string (``local_score=concat``)."""
    key, _, value = item.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


if __name__ == "__main__":
    main()
