"""Print the model cards' metric tables from the metrics.json files written by the training scripts.

    python -m training.model_cards            # Markdown tables for docs/models.md
"""
from __future__ import annotations

import json
from pathlib import Path

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import MECHANISM_LABELS


DOCS = Path(__file__).resolve().parents[1] / "docs"
NAN = float("nan")


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _size(folder: Path) -> str:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return f"{total / 2 ** 20:.1f} MB"


def _old() -> dict:
    """The numbers shipped before the clean splits (docs/metrics_before_issue9.json), for the record."""
    return _load(DOCS / "metrics_before_issue9.json") or {}


def _epochs(m: dict) -> str:
    prev = m.get("previous", {}).get("epochs", 0)
    run = m.get("epochs", "–")
    best = m.get("best_epoch")
    total = f"{prev} + {run}" if prev else f"{run}"
    return f"{total} (best {prev + best if best is not None else '–'}, stop: {m.get('stop_reason', '–')})"


def _minutes(m: dict) -> str:
    prev = m.get("previous", {}).get("train_seconds", 0)
    now = m.get("train_seconds", 0)
    return f"{prev / 60:.1f} + {now / 60:.1f} min" if prev else f"{now / 60:.1f} min"


def translation_table() -> str:
    """Clean-split Bible BLEU and dates AER per mechanism, beside the positional baseline and the old numbers."""
    old = _old()
    base = (_load(WEIGHTS_DIR / "dates-en-fr" / "baselines.json") or {}).get("positional-aer", {})
    first = _load(WEIGHTS_DIR / "bible-en-fr" / "bahdanau" / "metrics.json") or {}
    rows = [f"| mechanism | Bible test BLEU, greedy (clean, {first.get('test_pairs', '?')} verses, fp16) | "
            "test BLEU, beam 4 | old BLEU (old split) | best valid BLEU | Bible epochs (earlier + last run) | "
            "Bible train time | dates AER ↓ (fp16) | positional baseline AER | old dates AER | dates exact match | "
            "dates weights |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for mech, label in MECHANISM_LABELS.items():
        b = _load(WEIGHTS_DIR / "bible-en-fr" / mech / "metrics.json") or {}
        d = _load(WEIGHTS_DIR / "dates-en-fr" / mech / "metrics.json") or {}
        ob = old.get("bible", {}).get(mech, {})
        od = old.get("dates", {}).get(mech, {})
        dates_run = "session 3, from scratch" if d.get("session") else "session 2"
        rows.append(f"| {label} | **{b.get('bleu_greedy', NAN):.2f}** | {b.get('bleu_beam4', NAN):.2f} | "
                    f"{ob.get('bleu', NAN):.2f} | {b.get('valid_bleu', NAN):.2f} | {_epochs(b)} | {_minutes(b)} | "
                    f"**{d.get('aer', NAN):.3f}** | {base.get('test', NAN):.3f} | {od.get('aer', NAN):.3f} | "
                    f"{d.get('exact_match', NAN):.3f} | {dates_run} |")
    return "\n".join(rows)


def _acc(m: dict, key: str = "test_accuracy") -> str:
    return f"{m.get(key, NAN):.3f}"


def classifier_tables() -> str:
    """BBC: HAN and the flat BiGRU beside the linear baselines; RT: Lin with/without penalty beside them."""
    old = _old()
    bbc = _load(WEIGHTS_DIR / "document" / "baselines.json") or {}
    n = bbc.get("split", {}).get("test", "?")
    out = [f"| model | test accuracy (clean split, {n} articles) | valid accuracy | old test accuracy (old split) | "
           "epochs | train time | trained params |", "|---|---|---|---|---|---|---|"]
    for kind, name in (("han", "HAN (word + sentence attention)"), ("flat", "flat BiGRU, mean-pooled (fixed)")):
        m = _load(WEIGHTS_DIR / "document" / kind / "metrics.json") or {}
        o = old.get("document", {}).get(kind, {})
        out.append(f"| {name} | **{_acc(m)}** | {_acc(m, 'valid_accuracy')} | {_acc(o)} | {_epochs(m)} | "
                   f"{_minutes(m)} | {m.get('trained_params', 0) / 1e6:.2f} M |")
    for key, name in (("tfidf-linearsvc", "baseline: TF-IDF 1–2-grams + LinearSVC"),
                      ("counts-multinomialnb", "baseline: counts 1–2-grams + multinomial NB")):
        m = bbc.get(key, {})
        out.append(f"| {name} | {m.get('test', NAN):.3f} | {m.get('valid', NAN):.3f} | – | – | seconds | – |")
    rt = _load(WEIGHTS_DIR / "sentence" / "baselines.json") or {}
    seeds = (_load(WEIGHTS_DIR / "sentence" / "penalty_seeds.json") or {}).get("runs", {})
    n = rt.get("split", {}).get("test", "?")
    out += ["", f"| model | test accuracy (movie-disjoint, {n} snippets) | mean off-diagonal of AAᵀ ↓ | "
            "mean ‖AAᵀ−I‖²_F | old test accuracy (old split) | accuracy over seeds (mean ± sd) | "
            "off-diagonal over seeds (mean ± sd) | epochs | train time |", "|---|---|---|---|---|---|---|---|---|"]
    for folder, name in (("sentence/lin", "Lin, with penalty"), ("sentence/lin-nopenalty", "Lin, without penalty")):
        m = _load(WEIGHTS_DIR / folder / "metrics.json") or {}
        o = old.get("sentence", {}).get(folder.split("/")[1], {})
        s = seeds.get(str(float(m.get("penalty_coef", -1))), {})
        acc, off = s.get("test_accuracy", {}), s.get("test_mean_offdiag_AAT", {})
        spread = (f"{acc['mean']:.3f} ± {acc['sd']:.3f} (n={len(acc['values'])})" if acc else "–")
        ospread = (f"{off['mean']:.3f} ± {off['sd']:.3f}" if off else "–")
        label = f"{name} (×{m['penalty_coef']:g})" if m.get("penalty_coef") else name
        out.append(f"| {label} | **{_acc(m)}** | {m.get('test_mean_offdiag_AAT', NAN):.3f} | "
                   f"{m.get('test_mean_penalty', NAN):.3f} | {_acc(o)} | {spread} | {ospread} | {_epochs(m)} | "
                   f"{_minutes(m)} |")
    for key, name, time in (("tfidf-linearsvc", "baseline: TF-IDF 1–2-grams + LinearSVC", "seconds"),
                            ("counts-multinomialnb", "baseline: counts 1–2-grams + multinomial NB", "seconds"),
                            ("minilm-mean-logreg", "baseline: frozen MiniLM, mean-pooled sentence embedding + "
                                                   "logistic regression", "minutes")):
        m = rt.get(key, {})
        out.append(f"| {name} | {m.get('test', NAN):.3f} | – | – | – | – | – | – | {time} |")
    return "\n".join(out)


def captioning_table() -> str:
    """Object-name and position accuracy, BLEU and attention correctness, soft vs hard vs the baselines, with the
    numbers of the two earlier captioners (frozen EfficientNet-Lite0 features; the first, wide learned encoder)."""
    earlier = {"EfficientNet": (_load(DOCS / "metrics_caption_efficientnet.json") or {}).get("fixed_test", {}),
               "wide encoder": _load(DOCS / "metrics_caption_wide_encoder.json") or {}}
    base = _load(WEIGHTS_DIR / "caption" / "baselines.json") or {}
    cols = " | ".join(f"before ({name}): name / object / BLEU-4 / exact / α mass" for name in earlier)
    out = ["| model | object-name accuracy | position accuracy | object accuracy (both) | BLEU-4 | exact match | "
           f"α mass inside the named object's box | uniform-attention share | {cols} | train scenes | epochs | "
           "train time |", "|---|---|---|---|---|---|---|---|" + "---|" * len(earlier) + "---|---|---|"]
    for kind in ("soft", "hard"):
        m = _load(WEIGHTS_DIR / "caption" / kind / "metrics.json") or {}
        before = " | ".join(
            f"{o.get('name_accuracy', NAN):.3f} / {o.get('object_accuracy', NAN):.3f} / {o.get('bleu4', NAN):.1f} / "
            f"{o.get('exact_match', NAN):.3f} / {o.get('box_attention_share', NAN):.3f}"
            for o in (e.get(kind, {}) for e in earlier.values()))
        out.append(f"| {kind} attention | **{m.get('name_accuracy', NAN):.3f}** | {m.get('position_accuracy', NAN):.3f} | "
                   f"{m.get('object_accuracy', NAN):.3f} | {m.get('bleu4', NAN):.1f} | {m.get('exact_match', NAN):.3f} | "
                   f"{m.get('box_attention_share', NAN):.3f} | {m.get('uniform_box_share', NAN):.3f} | {before} | "
                   f"{m.get('train_scenes', 0):,} | {_epochs(m)} | {_minutes(m)} |")
    for key, name in (("template_random_names", "baseline: gold layout, random names"),
                      ("layout_only_majority_name", f"baseline: layout from pixels, every object “{base.get('majority_name', '?')}”")):
        m = base.get(key, {})
        out.append(f"| {name} | {m.get('name_accuracy', NAN):.3f} | {m.get('position_accuracy', NAN):.3f} | "
                   f"{m.get('object_accuracy', NAN):.3f} | {m.get('bleu4', NAN):.1f} | {m.get('exact_match', NAN):.3f} | "
                   "– | – | " + "– | " * len(earlier) + "– | – | – |")
    return "\n".join(out)


def caption_encoder_table() -> str:
    """The captioners' scene encoder: item accuracy of its pretraining classifier on held-out items."""
    m = _load(WEIGHTS_DIR / "caption" / "encoder" / "metrics.json") or {}
    out = ["| items | count | accuracy | clothing (Fashion-MNIST) | digits |", "|---|---|---|---|---|"]
    for key, name in (("valid", "validation items (picked the checkpoint)"),
                      ("test", "test items (Fashion-MNIST test file, 100 digits per class)")):
        r = m.get(key, {})
        out.append(f"| {name} | {r.get('items', 0):,} | **{r.get('accuracy', NAN):.3f}** | "
                   f"{r.get('clothing_accuracy', NAN):.3f} | {r.get('digit_accuracy', NAN):.3f} |")
    view = ("1 × 1 convolutions at the 7 × 7 grid: each region sees ≈ 59 px of the 112-px input" if m.get("local")
            else "3 × 3 convolutions at the 7 × 7 grid: each region sees ≈ 123 px of the 112-px input")
    out.append(f"\nEncoder: {m.get('params', 0) / 1e6:.2f} M parameters (widths {m.get('widths')}; {view}), "
               f"{m.get('steps', 0):,} steps × {m.get('batch', 0)} canvases ({m.get('items_seen', 0):,} item "
               f"presentations), best step {m.get('best_step')}, {m.get('train_seconds', 0) / 60:.1f} min.")
    return "\n".join(out)


def sizes() -> str:
    """Size on disk of each shipped weight folder."""
    rows = ["| folder | size |", "|---|---|"]
    for folder in sorted(p for p in WEIGHTS_DIR.iterdir() if p.is_dir()):
        rows.append(f"| `{folder.name}` | {_size(folder)} |")
    rows.append(f"| **all shipped weights** | **{_size(WEIGHTS_DIR)}** |")
    return "\n".join(rows)


def family_table(family: str, weights: Path | None = None) -> str:
    """A family's card table from the ``card`` of every ``weights/<family>/*/metrics.json`` (written by
    :func:`training.ship.ship`), with the baseline's metrics as the last rows — no code per family."""
    rows, baselines = [], {}
    for path in sorted(((weights or WEIGHTS_DIR) / family).glob("*/metrics.json")):
        m = json.loads(path.read_text())
        if "card" in m:
            rows.append(m["card"])
            if m.get("baseline"):
                baselines.setdefault(m["baseline"].get("name", "baseline"), m["baseline"])
    if not rows:
        return f"(no metrics.json with a card under weights/{family}/ yet)"
    keys = [k for k in rows[0] if k != "model"]
    out = ["| model | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else ("–" if v is None else str(v))
    out += [f"| {r['model']} | " + " | ".join(fmt(r.get(k)) for k in keys) + " |" for r in rows]
    out += [f"| baseline: {name} | " + " | ".join(fmt(b.get(k)) for k in keys) + " |" for name, b in baselines.items()]
    return "\n".join(out)


def classifier_claims_table() -> str:
    """HAN and Lin minus each baseline with clustered bootstrap intervals (``training.classifier_claims``)."""
    from training.classifier_claims import claims_table
    return claims_table(WEIGHTS_DIR)


TABLES = {"translation": translation_table, "classifiers": classifier_tables, "captioning": captioning_table,
          "caption-encoder": caption_encoder_table, "sizes": sizes, "classifier-claims": classifier_claims_table}


def update(path: Path, weights: Path | None = None) -> None:
    """Replace each ``<!-- table:NAME -->`` … ``<!-- /table -->`` block of ``path`` with a fresh table."""
    text = path.read_text()
    # generic family tables: <!-- table:family:NAME --> … <!-- /table -->
    import re
    for family in re.findall(r"<!-- table:family:([\w.-]+) -->", text):
        start, end = f"<!-- table:family:{family} -->", "<!-- /table -->"
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{family_table(family, weights)}\n{end}{tail}"
    for name, make in TABLES.items():
        start, end = f"<!-- table:{name} -->", "<!-- /table -->"
        if start in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            text = f"{head}{start}\n{make()}\n{end}{tail}"
    path.write_text(text)


def main() -> None:
    """Print every table, or with ``--update FILE`` rewrite the tables inside a model-card page."""
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", type=Path, help="a Markdown file with <!-- table:NAME --> markers")
    args = parser.parse_args()
    if args.update:
        update(args.update)
        return
    for name, make in TABLES.items():
        print(f"### {name}\n\n{make()}\n")


if __name__ == "__main__":
    main()
