"""Simple baselines on the same clean splits as the attention models, for the model cards.

    python -m training.baselines --family all

Text: TF-IDF (1–2-grams, sublinear tf) + LinearSVC and word counts + multinomial naive Bayes
(scikit-learn), BBC topics and Rotten Tomatoes (movie-disjoint); for Rotten Tomatoes also the fair
pretrained baseline for the Lin models, which read MiniLM's word pieces: the frozen MiniLM's mean-pooled sentence
embedding (last layer, L2-normalised, as ``training.minilm_head``) + logistic regression, C chosen on the
validation part (``minilm-mean-logreg``; ``--no-minilm`` skips it). Dates (AER, CLDR and extra formats): link
target token i to source token i; the identically spelled source token, else positional; the source token with
the highest Dice coefficient in a lexicon learned from the training pairs. Bible (BLEU and chrF): word-by-word
IBM Model 1 translation learned from the training verses, and the English source copied. Captioning: see ``training.captioning.baselines``. Each family's numbers are written to
``attention_core/weights/<family>/baselines.json``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from attention_core.checkpoint import WEIGHTS_DIR
from training.lexical import best_translations, detokenize, dice_lexicon, ibm1, word_by_word, words

TEXT_BASELINES: dict[str, Callable[[], object]] = {
    "tfidf-linearsvc": lambda: make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                                             LinearSVC(C=1.0)),
    "counts-multinomialnb": lambda: make_pipeline(CountVectorizer(ngram_range=(1, 2), min_df=1), MultinomialNB()),
}


def text_baselines(parts: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, float]]:
    """Fit every text baseline on ``train`` → validation and test accuracy."""
    out = {}
    for name, make in TEXT_BASELINES.items():
        model = make().fit([t for t, _ in parts["train"]], [y for _, y in parts["train"]])
        out[name] = {part: float((model.predict([t for t, _ in parts[part]]) == [y for _, y in parts[part]]).mean())
                     for part in ("valid", "test")}
    return out


def minilm_logreg(parts: dict[str, list[tuple[str, str]]]) -> dict[str, float]:
    """Frozen MiniLM mean-pooled sentence embedding + scikit-learn logistic regression → accuracies and C."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from training.minilm_head import C_GRID, embed
    xs = {k: embed([t for t, _ in v]) for k, v in parts.items()}
    ys = {k: np.array([y for _, y in v]) for k, v in parts.items()}
    valid = {c: float(LogisticRegression(C=c, max_iter=2000).fit(xs["train"], ys["train"])
                      .score(xs["valid"], ys["valid"]))
             for c in C_GRID}
    best = max(C_GRID, key=lambda c: (valid[c], -c))
    fit = LogisticRegression(C=best, max_iter=2000).fit(xs["train"], ys["train"])
    return {"valid": valid[best], "test": float(fit.score(xs["test"], ys["test"])), "C": best}


Aligner = Callable[[list[str], list[str], int], int]   # (source tokens, target tokens, target index) → source index


def positional(source: list[str], target: list[str], t: int) -> int:
    """Target token i ↔ source token i (clipped to the source length)."""
    return min(t, len(source) - 1)


def identical_else_positional(source: list[str], target: list[str], t: int) -> int:
    """The source token spelled exactly as the target token (the nearest one if several), else positional."""
    same = [s for s, w in enumerate(source) if w == target[t]]
    return min(same, key=lambda s: (abs(s - t), s)) if same else positional(source, target, t)


def dice_aligner(lexicon: dict[tuple[str, str], float]) -> Aligner:
    """The source token with the highest Dice coefficient with the target token (ties: an identical spelling,
    then the nearest position)."""
    def align(source: list[str], target: list[str], t: int) -> int:
        return min(range(len(source)), key=lambda s: (-lexicon.get((source[s], target[t]), 0.0),
                                                      source[s] != target[t], abs(s - t), s))
    return align


def aligner_aer(examples: list[dict], align: Aligner) -> float:
    """AER of one predicted source token per gold-linked target token against the gold (sure) links — the same
    count as the models' argmax-attention AER (``training.translation.alignment_error_rate``)."""
    hits = predicted = gold = 0
    for ex in examples:
        links = {tuple(link) for link in ex["links"]}
        pred = {(t, align(ex["source"], ex["target"], t)) for t in {t for t, _ in links}}
        hits, predicted, gold = hits + len(pred & links), predicted + len(pred), gold + len(links)
    return 1.0 - 2 * hits / (predicted + gold)


def positional_aer(examples: list[dict]) -> float:
    """AER of linking target token i to source token i (clipped to the source length) against the gold links."""
    return aligner_aer(examples, positional)


def bbc() -> dict:
    """BBC topics, deduplicated group split."""
    from attention_core.data.bbc import load_articles, split
    parts = split(load_articles(), seed=0)
    return {"split": {k: len(v) for k, v in parts.items()}, **text_baselines(parts)}


def rotten_tomatoes(minilm: bool = True) -> dict:
    """Rotten Tomatoes fresh/rotten, movie-disjoint split (with the MiniLM + logistic regression baseline)."""
    from attention_core.data.rotten_tomatoes import load_snippets, split
    parts = split(load_snippets(with_movie=True), seed=0)
    out = {"split": {k: len(v) for k, v in parts.items()}, **text_baselines(parts)}
    if minilm:
        out["minilm-mean-logreg"] = minilm_logreg(parts)
    return out


def dates() -> dict:
    """Dates: AER of three aligners on the test dates of the models' split (seed 1), in the CLDR formats
    (``test``, its first 100 = the shipped held-out slice) and in the extra formats (``test_extra``); the Dice
    lexicon is learned from the models' training pairs (both formats of every training date)."""
    from attention_core.data.dates import make_extended_split
    parts = make_extended_split(seed=1)
    lexicon = dice_lexicon((p["source"], p["target"]) for p in parts["train"])
    aligners = {"positional-aer": positional, "identical-else-positional-aer": identical_else_positional,
                "dice-aer": dice_aligner(lexicon)}
    return {name: {"test": aligner_aer(parts["test"], align), "heldout100": aligner_aer(parts["test"][:100], align),
                   "test_extra": aligner_aer(parts["test_extra"], align)}
            for name, align in aligners.items()}


IBM1_ITERATIONS = (2, 3, 5, 8, 10)   # EM iterations tried; the validation BLEU picks one


def bible(only: list[str] | None = None, previous: dict | None = None,
          outputs: dict[str, tuple[list[str], list[str]]] | None = None) -> dict:
    """Bible: word-by-word IBM-1 translation (EM iterations chosen on validation BLEU) and copying the English
    source, scored on the clean test verses with sacrebleu BLEU and chrF (lowercased, as the models); with ``only``,
    just those mechanisms are compared with IBM-1 again and the others' verdicts kept from ``previous`` (the paired
    bootstrap draws the same resamples for every system, so a verdict does not depend on the other systems);
    ``outputs``: the models' test translations already decoded (greedy, beam), see :func:`versus_lexical`."""
    from attention_core.data.bible import load_pairs, split
    parts = split(load_pairs())
    train = [(words(en), words(fr, french=True)) for _, en, fr in parts["train"]]

    def translate(lexicon: dict[str, str], part: str) -> list[str]:
        return [detokenize(word_by_word(words(en), lexicon)) for _, en, _ in parts[part]]

    lexicons = {n: best_translations(ibm1(train, n)) for n in IBM1_ITERATIONS}
    valid_bleu = {n: bible_scores(translate(lex, "valid"), parts["valid"])["bleu"] for n, lex in lexicons.items()}
    best = max(IBM1_ITERATIONS, key=lambda n: (valid_bleu[n], -n))
    lexical = translate(lexicons[best], "test")
    return {"test_verses": len(parts["test"]),
            "ibm1-word-by-word": {**bible_scores(lexical, parts["test"]),
                                  "iterations": best, "valid_bleu_by_iterations": valid_bleu},
            "copy-source": bible_scores([en for _, en, _ in parts["test"]], parts["test"]),
            "versus-ibm1": {**(previous or {}).get("versus-ibm1", {}),
                            **versus_lexical(lexical, parts["test"], mechanisms=only, outputs=outputs)}}


def versus_lexical(lexical: list[str], pairs: list[tuple[str, str, str]], samples: int = 1000,
                   beam: int = 4, mechanisms: list[str] | None = None,
                   outputs: dict[str, tuple[list[str], list[str]]] | None = None) -> dict[str, dict]:
    """Every shipped Bible model's test translations against the IBM-1 baseline's: sacrebleu's paired bootstrap
    (``samples`` resamples of the test verses) → per mechanism and metric the score, the 95 % interval's half-width,
    the p-value against the baseline and the verdict ("above", "on par" at p ≥ 0.05, "below"); greedy output under
    ``bleu``/``chrf``, beam search (``beam`` beams, the Translate page's) under ``beam<N>`` (``mechanisms``: only
    those; ``outputs``: a mechanism's (greedy, beam) test translations when the caller has decoded them already, as
    :func:`training.translation.translate_all` and :func:`training.translation.beam_translations` do)."""
    from tokenizers import Tokenizer

    from attention_core.models.seq2seq import MECHANISM_LABELS
    from training.translation import beam_translations, load_saved, translate_all
    family = WEIGHTS_DIR / "bible-en-fr"
    tok = Tokenizer.from_file(str(family / "tokenizer.json"))
    sources = [en for _, en, _ in pairs]
    greedy, beamed = {}, {}
    unknown = set(mechanisms or ()) - set(MECHANISM_LABELS)
    if unknown:
        raise SystemExit(f"--only: unknown mechanism(s) {', '.join(sorted(unknown))}; one of {', '.join(MECHANISM_LABELS)}")
    for mechanism in mechanisms or MECHANISM_LABELS:
        if outputs and mechanism in outputs:   # decoded by the caller with the same functions: not decoded twice
            greedy[mechanism], beamed[mechanism] = outputs[mechanism]
            continue
        model = load_saved(family / mechanism, tok, mechanism)
        greedy[mechanism] = translate_all(model, tok, sources, "cpu")
        beamed[mechanism] = beam_translations(model, tok, sources, beam)
    out = paired_verdicts(lexical, greedy, pairs, samples)
    for mechanism, scores in paired_verdicts(lexical, beamed, pairs, samples).items():
        out[mechanism][f"beam{beam}"] = scores
    return out


def paired_verdicts(lexical: list[str], outputs: dict[str, list[str]], pairs: list[tuple[str, str, str]],
                    samples: int) -> dict[str, dict]:
    """Each system's ``outputs`` against the IBM-1 translations ``lexical`` by sacrebleu's paired bootstrap →
    ``{system: {"bleu"|"chrf": {score, ci95, p_value, verdict}}}``."""
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.significance import PairedTest
    systems = [("ibm1-word-by-word", [h.lower() for h in lexical]), *outputs.items()]
    refs = [[fr.lower() for _, _, fr in pairs]]
    _, by_name = PairedTest(systems, {"bleu": BLEU(lowercase=True, force=True), "chrf": CHRF()}, refs,
                            test_type="bs", n_samples=samples)()
    # sacrebleu keys the results by the metric's own name ("BLEU", "chrF2"), in the order given
    results = dict(zip(("bleu", "chrf"), (v for k, v in by_name.items() if k != "System")))
    base = {metric: results[metric][0].score for metric in ("bleu", "chrf")}
    out = {}
    for i, (mechanism, _) in enumerate(systems[1:], start=1):
        out[mechanism] = {}
        for metric in ("bleu", "chrf"):
            r = results[metric][i]
            # sacrebleu gives a tie (the same output) a small p by design: equal scores are on par
            tie = r.score == base[metric]
            verdict = "on par" if r.p_value >= 0.05 or tie else ("above" if r.score > base[metric] else "below")
            out[mechanism][metric] = {"score": float(r.score), "ci95": float(r.ci), "p_value": float(r.p_value),
                                      "verdict": verdict}
    return out


def bible_scores(hyps: list[str], pairs: list[tuple[str, str, str]]) -> dict[str, float]:
    """sacrebleu corpus BLEU and chrF of lowercased ``hyps`` against the pairs' French, lowercased."""
    import sacrebleu
    refs = [[fr.lower() for _, _, fr in pairs]]
    hyps = [h.lower() for h in hyps]
    return {"bleu": sacrebleu.corpus_bleu(hyps, refs, lowercase=True, force=True).score,
            "chrf": sacrebleu.corpus_chrf(hyps, refs).score}


FAMILIES: dict[str, tuple[str, Callable[[], dict]]] = {
    "bbc": ("document", bbc), "rt": ("sentence", rotten_tomatoes), "dates": ("dates-en-fr", dates),
    "bible": ("bible-en-fr", bible),
}


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--family", default="all", help=f"one of {sorted(FAMILIES)} or 'all'")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--no-minilm", action="store_true", help="skip the MiniLM + logistic regression baseline (rt)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (MiniLM embeddings)")
    p.add_argument("--only", default=None, metavar="MECHANISMS",
                   help="bible: compare only these comma-separated models with IBM-1 again, keep the others' verdicts")
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    for name in (FAMILIES if a.family == "all" else [a.family]):
        folder, fn = FAMILIES[name]
        if name == "rt":
            result = rotten_tomatoes(minilm=not a.no_minilm)
        elif name == "bible" and a.only:
            previous = a.out / folder / "baselines.json"
            result = bible(a.only.split(","), json.loads(previous.read_text()) if previous.exists() else None)
        else:
            result = fn()
        (a.out / folder).mkdir(parents=True, exist_ok=True)
        (a.out / folder / "baselines.json").write_text(json.dumps(result, indent=2) + "\n")
        print(name, json.dumps(result))


if __name__ == "__main__":
    main()
