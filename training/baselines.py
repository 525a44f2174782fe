"""Simple baselines on the same clean splits as the attention models, for the model cards.

    python -m training.baselines --family all

Text: TF-IDF (1–2-grams, sublinear tf) + LinearSVC and word counts + multinomial naive Bayes
(scikit-learn), BBC topics and Rotten Tomatoes (movie-disjoint); for Rotten Tomatoes also the fair
pretrained baseline for the Lin models, which read MiniLM's word pieces: the frozen MiniLM's mean-pooled sentence
embedding (last layer, L2-normalised, as ``training.minilm_head``) + logistic regression, C chosen on the
validation part (``minilm-mean-logreg``; ``--no-minilm`` skips it). Dates: link target token i to source
token i (AER). Captioning: see ``training.captioning.baselines``. Each family's numbers are written to
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


def positional_aer(examples: list[dict]) -> float:
    """AER of linking target token i to source token i (clipped to the source length) against the gold links."""
    hits = predicted = gold = 0
    for ex in examples:
        n_src = len(ex["source"])
        links = {tuple(link) for link in ex["links"]}
        pred = {(t, min(t, n_src - 1)) for t in {t for t, _ in links}}
        hits, predicted, gold = hits + len(pred & links), predicted + len(pred), gold + len(links)
    return 1.0 - 2 * hits / (predicted + gold)


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
    """Dates: the positional-alignment AER on the test dates (seed 1, as the models)."""
    from attention_core.data.dates import make_split
    parts = make_split(seed=1)
    return {"positional-aer": {"test": positional_aer(parts["test"]), "heldout100": positional_aer(parts["test"][:100])}}


FAMILIES: dict[str, tuple[str, Callable[[], dict]]] = {
    "bbc": ("document", bbc), "rt": ("sentence", rotten_tomatoes), "dates": ("dates-en-fr", dates),
}


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--family", default="all", help=f"one of {sorted(FAMILIES)} or 'all'")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--no-minilm", action="store_true", help="skip the MiniLM + logistic regression baseline (rt)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (MiniLM embeddings)")
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    for name in (FAMILIES if a.family == "all" else [a.family]):
        folder, fn = FAMILIES[name]
        result = rotten_tomatoes(minilm=not a.no_minilm) if name == "rt" else fn()
        (a.out / folder).mkdir(parents=True, exist_ok=True)
        (a.out / folder / "baselines.json").write_text(json.dumps(result, indent=2) + "\n")
        print(name, json.dumps(result))


if __name__ == "__main__":
    main()
