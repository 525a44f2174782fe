"""Print the model cards' metric tables from the metrics.json files written by the training scripts.

    python -m training.model_cards            # Markdown tables for docs/models.md
"""
from __future__ import annotations

import json
from pathlib import Path

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import MECHANISM_LABELS


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _size(folder: Path) -> str:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return f"{total / 2 ** 20:.1f} MB"


def translation_table() -> str:
    """BLEU on held-out verses and AER on held-out dates, one row per mechanism."""
    rows = ["| mechanism | Bible BLEU (greedy, 538 held-out verses) | Bible train time | Bible epochs | "
            "dates AER ↓ (argmax attention) | dates exact match | params (Bible) |", "|---|---|---|---|---|---|---|"]
    for mech, label in MECHANISM_LABELS.items():
        b = _load(WEIGHTS_DIR / "bible-en-fr" / mech / "metrics.json") or {}
        d = _load(WEIGHTS_DIR / "dates-en-fr" / mech / "metrics.json") or {}
        rows.append(f"| {label} | {b.get('bleu_greedy', float('nan')):.2f} | "
                    f"{b.get('train_seconds', 0) / 60:.1f} min | {b.get('epochs', '–')} | "
                    f"{d.get('aer', float('nan')):.3f} | {d.get('exact_match', float('nan')):.3f} | "
                    f"{b.get('params', 0) / 1e6:.2f} M |")
    return "\n".join(rows)


def classifier_tables() -> str:
    """HAN vs flat accuracy; Lin with vs without penalty and hop redundancy."""
    out = ["| model | test accuracy (221 articles) | valid accuracy | train time | params |", "|---|---|---|---|---|"]
    for kind, name in (("han", "HAN (word + sentence attention)"), ("flat", "flat BiGRU, mean-pooled")):
        m = _load(WEIGHTS_DIR / "document" / kind / "metrics.json") or {}
        out.append(f"| {name} | {m.get('test_accuracy', float('nan')):.3f} | {m.get('valid_accuracy', float('nan')):.3f} | "
                   f"{m.get('train_seconds', 0) / 60:.1f} min | {m.get('params', 0) / 1e6:.2f} M |")
    out += ["", "| model | test accuracy (1,280 snippets) | mean off-diagonal of AAᵀ ↓ | mean ‖AAᵀ−I‖²_F | train time |",
            "|---|---|---|---|---|"]
    for folder, name in (("sentence/lin", "with penalty (coef 0.3)"), ("sentence/lin-nopenalty", "without penalty")):
        m = _load(WEIGHTS_DIR / folder / "metrics.json") or {}
        out.append(f"| {name} | {m.get('test_accuracy', float('nan')):.3f} | "
                   f"{m.get('test_mean_offdiag_AAT', float('nan')):.3f} | {m.get('test_mean_penalty', float('nan')):.3f} | "
                   f"{m.get('train_seconds', 0) / 60:.1f} min |")
    return "\n".join(out)


def captioning_table() -> str:
    """BLEU-4, exact match and attention-in-box share, soft vs hard."""
    out = ["| attention | BLEU-4 | exact match | α mass inside the named object's box | uniform-attention baseline | train time |",
           "|---|---|---|---|---|---|"]
    for kind in ("soft", "hard"):
        m = _load(WEIGHTS_DIR / "caption" / kind / "metrics.json") or {}
        out.append(f"| {kind} | {m.get('bleu4', float('nan')):.1f} | {m.get('exact_match', float('nan')):.3f} | "
                   f"{m.get('box_attention_share', float('nan')):.3f} | {m.get('uniform_box_share', float('nan')):.3f} | "
                   f"{m.get('train_seconds', 0) / 60:.1f} min |")
    return "\n".join(out)


def sizes() -> str:
    """Size on disk of each shipped weight folder."""
    rows = ["| folder | size |", "|---|---|"]
    for folder in sorted(p for p in WEIGHTS_DIR.iterdir() if p.is_dir()):
        rows.append(f"| `{folder.name}` | {_size(folder)} |")
    rows.append(f"| **all shipped weights** | **{_size(WEIGHTS_DIR)}** |")
    return "\n".join(rows)


TABLES = {"translation": translation_table, "classifiers": classifier_tables, "captioning": captioning_table,
          "sizes": sizes}


def update(path: Path) -> None:
    """Replace each ``<!-- table:NAME -->`` … ``<!-- /table -->`` block of ``path`` with a fresh table."""
    text = path.read_text()
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
