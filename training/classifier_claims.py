"""Model-vs-baseline claims for the two text classifiers that survive noise (issue 20, item 1b).

    python -m training.classifier_claims --family rt     # Lin (penalised) vs its baselines, Rotten Tomatoes
    python -m training.classifier_claims --family bbc    # HAN vs its baselines, BBC topics

    # as shipped (rt): Lin retrained on movie-disjoint splits 1–4 first (≈ 5–13 min each at 1 thread), then
    for k in 1 2 3 4; do python -m training.sentence --penalty 0.3 --seeds 1 --ship-seed 1 --warmup 3 \
        --max-minutes 14 --epochs 30 --patience 4 --split-seed $k --out /tmp/claims-lin/split$k; done
    python -m training.classifier_claims --family rt --model-dirs 1=/tmp/claims-lin/split1/sentence/lin \
        2=/tmp/claims-lin/split2/sentence/lin 3=/tmp/claims-lin/split3/sentence/lin 4=/tmp/claims-lin/split4/sentence/lin

For each of several disjoint grouped splits (``--split-seeds``; seed 0 is the split the models ship on) every
baseline is fitted on the training part — TF-IDF + LinearSVC and counts + multinomial NB (``training.baselines``),
NB-SVM (:class:`NBSVM`, Wang & Manning 2012) and the frozen MiniLM mean-pool + logistic regression — and the
model's test predictions (shipped weights on split 0; on another split, weights retrained on it when
``--model-dirs`` names them) are compared item by item with each baseline's: the accuracy difference
model − baseline with a paired bootstrap 95 % interval that resamples whole groups (movies for Rotten Tomatoes,
near-duplicate groups for BBC), and a verdict read off the interval alone (:func:`verdict`). Written to
``attention_core/weights/<sentence|document>/claims.json``; :func:`claims_table` renders the card's table.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
import numpy as np
import scipy.sparse as sp
from scipy.stats import bootstrap
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.svm import LinearSVC

from attention_core.checkpoint import WEIGHTS_DIR

TOKENS = r"(?u)\b\w+\b|[^\w\s]"   # words (single letters too) and each punctuation mark
N_BOOT = 10_000
NBSVM_C_GRID = (0.1, 1.0)   # NB-SVM's C is chosen on the validation part of each split


class NBSVM(BaseEstimator, ClassifierMixin):
    """NB-SVM (Wang & Manning 2012): binary word 1–2-gram indicators scaled by the naive-Bayes log-count ratio
    r = log((p / ‖p‖₁) / (q / ‖q‖₁)) with p = α + Σ_pos x, q = α + Σ_neg x, a linear SVM (L2 loss, C) on the
    scaled features, and the hyperplane interpolated towards the naive-Bayes one: w' = (1 − β)·mean|w| + β·w,
    b' = β·b (leaving the bias whole lets it dominate: Rotten Tomatoes validation 0.718 instead of 0.785).
    More than two classes: one such classifier per class against the rest, highest score wins."""

    def __init__(self, alpha: float = 1.0, beta: float = 0.25, C: float = 1.0, ngram_range: tuple = (1, 2)):
        self.alpha, self.beta, self.C, self.ngram_range = alpha, beta, C, ngram_range

    def _ratio(self, X: sp.csr_matrix, positive: np.ndarray) -> np.ndarray:
        p = self.alpha + np.asarray(X[positive].sum(0)).ravel()
        q = self.alpha + np.asarray(X[~positive].sum(0)).ravel()
        return np.log(p / p.sum()) - np.log(q / q.sum())

    def fit(self, texts: list[str], y) -> "NBSVM":
        """Fit on raw texts and their labels."""
        y = np.asarray(y)
        self.vectorizer_ = CountVectorizer(binary=True, ngram_range=self.ngram_range, token_pattern=TOKENS)
        X = self.vectorizer_.fit_transform(texts).tocsr()
        self.classes_ = np.unique(y)
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        self.ratios_, self.coef_, self.intercept_ = [], [], []
        for c in targets:
            r = self._ratio(X, y == c)
            svm = LinearSVC(C=self.C, max_iter=10_000).fit(X.multiply(r).tocsr(), y == c)
            w = svm.coef_.ravel()
            self.ratios_.append(r)
            self.coef_.append((1 - self.beta) * np.abs(w).mean() + self.beta * w)
            self.intercept_.append(self.beta * float(svm.intercept_[0]))
        return self

    def decision_function(self, texts: list[str]) -> np.ndarray:
        """Scores ``[N]`` (two classes: > 0 means ``classes_[1]``) or ``[N, K]``."""
        X = self.vectorizer_.transform(texts).tocsr()
        scores = np.stack([np.asarray(X.multiply(r) @ w).ravel() + b
                           for r, w, b in zip(self.ratios_, self.coef_, self.intercept_)], axis=1)
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, texts: list[str]) -> np.ndarray:
        """Predicted labels ``[N]``."""
        s = self.decision_function(texts)
        return self.classes_[(s > 0).astype(int)] if s.ndim == 1 else self.classes_[s.argmax(1)]


def cluster_bootstrap_diff(correct_a, correct_b, groups, n_resamples: int = N_BOOT, seed: int = 0) -> dict:
    """Accuracy difference a − b on the same items (``correct_*``: 0/1 per item, ``groups``: a group id per
    item) with a paired, group-clustered percentile bootstrap 95 % interval (scipy): whole groups are drawn with
    replacement and a resample's difference is Σ(a − b) / Σ items over the drawn groups."""
    a, b = np.asarray(correct_a, float), np.asarray(correct_b, float)
    if not (len(a) == len(b) == len(groups)) or not len(a):
        raise ValueError("correct_a, correct_b and groups need one entry per test item (and at least one item)")
    _, g = np.unique(np.asarray(groups), return_inverse=True)
    diff = np.bincount(g, weights=a - b)
    size = np.bincount(g).astype(float)
    if len(diff) == 1 or np.all(diff == diff[0] * size / size[0]):   # every resample gives the same value
        lo = hi = float((a - b).sum() / len(a))
    else:
        res = bootstrap((diff, size), lambda d, n, axis=-1: d.sum(axis) / n.sum(axis), paired=True,
                        vectorized=True, n_resamples=n_resamples, method="percentile",
                        random_state=np.random.default_rng(seed))
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return {"diff": float((a - b).mean()), "low": lo, "high": hi, "groups": int(len(diff)), "items": int(len(a))}


def verdict(low: float, high: float) -> str:
    """"above" / "below" when the 95 % interval of model − baseline excludes 0, else "on par"."""
    return "above" if low > 0 else "below" if high < 0 else "on par"


def _texts(items: list) -> list[str]:
    return [t for t, _ in items]


def _labels(items: list) -> np.ndarray:
    return np.array([y for _, y in items])


def text_baseline_predictions(parts: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, np.ndarray]]:
    """Every sparse-text baseline (``training.baselines.TEXT_BASELINES`` and NB-SVM, its C chosen on
    ``valid``) fitted on ``train`` → its predicted labels on ``valid`` and ``test``."""
    from training.baselines import TEXT_BASELINES
    out = {}
    for name, make in TEXT_BASELINES.items():
        model = make().fit(_texts(parts["train"]), _labels(parts["train"]))
        out[name] = {part: np.asarray(model.predict(_texts(parts[part]))) for part in ("valid", "test")}
    fits = {c: NBSVM(C=c).fit(_texts(parts["train"]), _labels(parts["train"])) for c in NBSVM_C_GRID}
    valid = {c: m.predict(_texts(parts["valid"])) for c, m in fits.items()}
    best = max(NBSVM_C_GRID, key=lambda c: ((valid[c] == _labels(parts["valid"])).mean(), -c))
    out["nbsvm"] = {"valid": valid[best], "test": fits[best].predict(_texts(parts["test"])), "C": best}
    return out


def minilm_predictions(parts: dict[str, list], embeddings: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Frozen MiniLM mean-pool + logistic regression (C chosen on ``valid``) → predictions on valid and test;
    ``embeddings[part]`` is ``[N, 384]`` in the order of ``parts[part]``."""
    from sklearn.linear_model import LogisticRegression

    from training.minilm_head import C_GRID
    ys = {k: _labels(v) for k, v in parts.items()}
    score = {c: LogisticRegression(C=c, max_iter=2000).fit(embeddings["train"], ys["train"])
             .score(embeddings["valid"], ys["valid"]) for c in C_GRID}
    best = max(C_GRID, key=lambda c: (score[c], -c))
    fit = LogisticRegression(C=best, max_iter=2000).fit(embeddings["train"], ys["train"])
    return {**{part: fit.predict(embeddings[part]) for part in ("valid", "test")}, "C": best}


def _cached_embeddings(texts: list[str], cache: Path) -> np.ndarray:
    """MiniLM sentence embeddings ``[N, 384]`` of ``texts``, kept in ``cache`` (an .npy) between runs."""
    if cache.exists():
        emb = np.load(cache)
        if len(emb) == len(texts):
            return emb
    from training.minilm_head import embed
    emb = embed(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, emb)
    return emb


# ---- the two families: split with groups, model predictions -------------------------------------------------

def rt_split(seed: int) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[int]], dict[str, list[str]]]:
    """The movie-disjoint split ``seed`` → parts, each item's index into ``load_snippets``, each item's movie."""
    from attention_core.data.rotten_tomatoes import load_snippets, split
    items = load_snippets(with_movie=True)
    # the split's own rule, run on item indices in place of texts, so each test item keeps its movie
    idx = split([(i, c, m) for i, (_, c, m) in enumerate(items)], seed=seed)
    parts = {k: [items[i][:2] for i, _ in v] for k, v in idx.items()}
    rows = {k: [i for i, _ in v] for k, v in idx.items()}
    return parts, rows, {k: [items[i][2] for i in v] for k, v in rows.items()}


def lin_predictions(folder: Path, texts: list[str]) -> np.ndarray:
    """Labels predicted by the Lin classifier saved in ``folder`` (float16 weights as shipped) ``[N]``."""
    import torch

    from attention_core.checkpoint import load_checkpoint
    from attention_core.data.rotten_tomatoes import LABELS
    from attention_core.models.document import saved_inputs
    from attention_core.models.sentence import SelfAttentiveClassifier
    from training.classifiers import collate
    from training.sentence import encode
    state, cfg = load_checkpoint(folder)
    tin, size = saved_inputs(folder, cfg)
    model = SelfAttentiveClassifier(size, len(cfg["labels"]), **cfg["model"])
    model.load_state_dict(state)
    model.eval()
    ids, _ = encode(tin, texts)
    out = []
    with torch.no_grad():
        for i in range(0, len(ids), 128):
            x, _ = collate([(t, 0) for t in ids[i:i + 128]])
            out += model(x)[0].argmax(-1).tolist()
    return np.array([LABELS[k] for k in out])


def bbc_split(seed: int) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[int]]]:
    """The clean BBC split ``seed`` → parts and each item's near-duplicate group (a group sits in one part, so
    the groups among one part's articles are the corpus's groups)."""
    from attention_core.data.bbc import NEAR_DUPLICATE, load_articles, split
    from attention_core.data.near_duplicates import duplicate_groups
    parts = split(load_articles(), seed=seed)
    return parts, {k: duplicate_groups(_texts(v), NEAR_DUPLICATE) for k, v in parts.items()}


def han_predictions(folder: Path, texts: list[str]) -> np.ndarray:
    """Topics predicted by the HAN saved in ``folder``, on documents capped as in training ``[N]``."""
    import torch

    from attention_core.checkpoint import load_checkpoint
    from attention_core.data.bbc import TOPICS
    from attention_core.models.document import HANClassifier, document_ids
    from attention_core.models.text_inputs import text_input
    from training.classifiers import logits_of
    from training.document import TRAINING_CAPS
    weights, config = load_checkpoint(folder)
    model = HANClassifier(0, len(TOPICS), **config["model"])
    model.load_state_dict(weights)
    model.eval()
    tin = text_input(config["model"].get("inputs", "word-vocab"), folder)
    with torch.no_grad():
        return np.array([TOPICS[int(logits_of(model(document_ids(t, tin, **TRAINING_CAPS).ids)).argmax(-1)[0])]
                         for t in texts])


FAMILIES = {
    "rt": {"folder": "sentence", "model": "sentence/lin", "model_name": "Lin (penalised)", "groups": "movies",
           "predict": lin_predictions},
    "bbc": {"folder": "document", "model": "document/han", "model_name": "HAN", "groups": "near-duplicate groups",
            "predict": han_predictions},
}
BASELINE_NAMES = {"tfidf-linearsvc": "TF-IDF 1–2-grams + LinearSVC", "counts-multinomialnb": "counts 1–2-grams + NB",
                  "nbsvm": "NB-SVM (uni+bigrams, Wang & Manning)", "minilm-mean-logreg": "frozen MiniLM mean-pool + LR"}


def family_split(family: str, seed: int, cache: Path) -> tuple[dict, dict, dict[str, np.ndarray]]:
    """Parts, test groups and MiniLM embeddings per part for one split of one family."""
    if family == "rt":
        from attention_core.data.rotten_tomatoes import load_snippets
        parts, idx, movies = rt_split(seed)
        emb = _cached_embeddings([t for t, *_ in load_snippets(with_movie=True)], cache / "rt-minilm.npy")
        return parts, movies, {k: emb[v] for k, v in idx.items()}
    from attention_core.data.bbc import load_articles
    parts, groups = bbc_split(seed)
    texts = _texts(load_articles())
    row = {t: i for i, t in enumerate(texts)}
    emb = _cached_embeddings(texts, cache / "bbc-minilm.npy")
    return parts, groups, {k: emb[[row[t] for t in _texts(v)]] for k, v in parts.items()}


def evaluate_split(family: str, seed: int, model_dir: Path | None, cache: Path) -> dict:
    """Baselines (and the model, when ``model_dir`` is given) on one split: accuracies and model − baseline."""
    parts, groups, emb = family_split(family, seed, cache)
    preds = text_baseline_predictions(parts)
    preds["minilm-mean-logreg"] = minilm_predictions(parts, emb)
    y = {k: _labels(v) for k, v in parts.items()}
    out = {"split_seed": seed, "sizes": {k: len(v) for k, v in parts.items()},
           "test_groups": len(set(groups["test"])),
           "baselines": {name: {**{part: float((p[part] == y[part]).mean()) for part in ("valid", "test")},
                                **({"C": p["C"]} if "C" in p else {})} for name, p in preds.items()}}
    if model_dir is not None:
        spec = FAMILIES[family]
        model = {part: spec["predict"](model_dir, _texts(parts[part])) for part in ("valid", "test")}
        shown = model_dir.relative_to(WEIGHTS_DIR) if model_dir.is_relative_to(WEIGHTS_DIR) else model_dir
        out["model"] = {"weights": str(shown), **{part: float((model[part] == y[part]).mean())
                                                      for part in ("valid", "test")}}
        trained = json.loads((model_dir / "metrics.json").read_text()) if (model_dir / "metrics.json").exists() else {}
        out["model"]["training"] = {k: trained[k] for k in ("seed", "split_seed", "epochs", "best_epoch", "stop_reason",
                                                            "train_seconds", "selected") if k in trained}
        out["model_minus_baseline"] = {}
        for name, p in preds.items():
            ci = cluster_bootstrap_diff(model["test"] == y["test"], p["test"] == y["test"], groups["test"])
            out["model_minus_baseline"][name] = {**ci, "verdict": verdict(ci["low"], ci["high"]),
                                                 "valid_diff": out["model"]["valid"] - out["baselines"][name]["valid"]}
    return out


def summarize(splits: list[dict]) -> dict:
    """Mean ± sd over splits of each baseline's test accuracy and of model − baseline (splits with a model)."""
    def ms(vals: list[float]) -> dict:
        return {"mean": statistics.mean(vals), "sd": statistics.stdev(vals) if len(vals) > 1 else 0.0,
                "n": len(vals), "values": vals}
    names = list(splits[0]["baselines"])
    with_model = [s for s in splits if "model" in s]
    out = {"baseline_test": {n: ms([s["baselines"][n]["test"] for s in splits]) for n in names}}
    if with_model:
        out["model_test"] = ms([s["model"]["test"] for s in with_model])
        out["model_minus_baseline"] = {n: ms([s["model_minus_baseline"][n]["diff"] for s in with_model])
                                       for n in names}
        out["splits_with_model"] = [s["split_seed"] for s in with_model]
    return out


def run(family: str, split_seeds: list[int], model_dirs: dict[int, Path], cache: Path) -> dict:
    """Every split of one family, and the summary over splits."""
    spec = FAMILIES[family]
    dirs = {0: WEIGHTS_DIR / spec["model"], **model_dirs}
    splits = []
    for seed in split_seeds:
        splits.append(evaluate_split(family, seed, dirs.get(seed), cache))
        print(json.dumps({k: v for k, v in splits[-1].items() if k != "sizes"}), flush=True)
    return {"family": family, "model": spec["model"], "model_name": spec["model_name"],
            "bootstrap": f"paired, clustered by {spec['groups']}, percentile, {N_BOOT} resamples, 95 %",
            "nbsvm": {"alpha": 1.0, "beta": 0.25, "C_grid": list(NBSVM_C_GRID), "ngrams": [1, 2],
                      "features": "binary"},
            "splits": splits, "summary": summarize(splits)}


def _signed(x: float) -> str:
    return f"{x:+.3f}".replace("-", "−")


def _fmt_ci(d: dict) -> str:
    return f"{_signed(d['diff'])} [{_signed(d['low'])}, {_signed(d['high'])}]"


def claims_table(weights: Path = WEIGHTS_DIR) -> str:
    """The card's table: per family, model − each baseline on the shipped split with its clustered interval and
    verdict, the validation difference, and the mean ± sd of the difference over the splits with a model."""
    rows = ["| model | baseline | model − baseline, test (shipped split), 95 % clustered interval | verdict | "
            "baseline test acc. | model − baseline, validation | over splits: model − baseline, mean ± sd (verdicts) | "
            "over splits: baseline test acc., mean ± sd (n) |", "|---|---|---|---|---|---|---|---|"]
    for family, spec in FAMILIES.items():
        data = _load_claims(weights / spec["folder"] / "claims.json")
        if not data:
            continue
        first = next(s for s in data["splits"] if s["split_seed"] == 0)
        summ = data["summary"]
        for name, label in BASELINE_NAMES.items():
            d = first["model_minus_baseline"][name]
            over = summ["model_minus_baseline"][name]
            base = summ["baseline_test"][name]
            calls = [x["model_minus_baseline"][name]["verdict"] for x in data["splits"] if "model" in x]
            counts = ", ".join(f"{v} {calls.count(v)}" for v in ("above", "on par", "below") if v in calls)
            spread = (f"{_signed(over['mean'])} ± {over['sd']:.3f} ({over['n']} splits: {counts})" if over["n"] > 1
                      else "– (model on the shipped split only)")
            rows.append(f"| {spec['model_name']} ({first['model']['test']:.3f}) | {label} | {_fmt_ci(d)} | "
                        f"**{d['verdict']}** | {first['baselines'][name]['test']:.3f} | {_signed(d['valid_diff'])} | "
                        f"{spread} | {base['mean']:.3f} ± {base['sd']:.3f} ({base['n']}) |")
    return "\n".join(rows + [""] + splits_table(weights))


def splits_table(weights: Path = WEIGHTS_DIR) -> list[str]:
    """Per split seed: test size and groups, the model's test accuracy (when it was trained on that split) and
    each baseline's, with model − baseline and its clustered interval."""
    names = list(BASELINE_NAMES)
    rows = ["| data | split seed | test items (groups) | model test acc. | "
            + " | ".join(f"{BASELINE_NAMES[n]}: acc. (model − it, 95 % interval)" for n in names) + " |",
            "|---|---|---|---|" + "---|" * len(names)]
    for family, spec in FAMILIES.items():
        data = _load_claims(weights / spec["folder"] / "claims.json")
        for s in (data or {}).get("splits", []):
            model = s.get("model")
            cells = [f"{s['baselines'][n]['test']:.3f}"
                     + (f" ({_fmt_ci(s['model_minus_baseline'][n])})" if model else "") for n in names]
            label = f"{spec['model_name']} {model['test']:.3f}" if model else "–"
            rows.append(f"| {family.upper()} | {s['split_seed']}{' (shipped)' if s['split_seed'] == 0 else ''} | "
                        f"{s['sizes']['test']} ({s['test_groups']}) | {label} | " + " | ".join(cells) + " |")
    return rows


def _load_claims(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--family", choices=sorted(FAMILIES), required=True)
    p.add_argument("--split-seeds", default="0,1,2,3,4", help="comma-separated grouped split seeds (0 = shipped)")
    p.add_argument("--model-dirs", nargs="*", default=[], metavar="SEED=FOLDER",
                   help="weights retrained on another split, e.g. 1=/tmp/claims-lin/split1/sentence/lin")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--cache", type=Path, default=Path("/tmp/classifier-claims"), help="MiniLM embedding cache")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    try:
        seeds = [int(s) for s in a.split_seeds.split(",")]
        dirs = {int(k): Path(v) for k, v in (d.split("=", 1) for d in a.model_dirs)}
    except ValueError:
        p.error("--split-seeds takes integers, --model-dirs SEED=FOLDER")
    missing = [str(d) for d in dirs.values() if not (d / "model.safetensors").exists()]
    if missing:
        p.error(f"no weights in {', '.join(missing)}")
    import torch
    torch.set_num_threads(a.threads)
    result = run(a.family, seeds, dirs, a.cache)
    path = a.out / FAMILIES[a.family]["folder"] / "claims.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["summary"], indent=1))
    print("wrote", path)


if __name__ == "__main__":
    main()
