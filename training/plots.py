"""Validation curves for the model cards, drawn from the per-epoch history in each metrics.json.

    python -m training.plots        # docs/bible_valid_bleu.png, docs/dates_valid_aer.png
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from attention_core.checkpoint import WEIGHTS_DIR  # noqa: E402
from attention_core.models.seq2seq import MECHANISM_LABELS  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"


def curve(family: str, ylabel: str, path: Path, title: str) -> Path:
    """One line per mechanism: the validation metric per epoch (epochs of earlier sessions counted in x)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    for mech, label in MECHANISM_LABELS.items():
        f = WEIGHTS_DIR / family / mech / "metrics.json"
        if not f.exists():
            continue
        m = json.loads(f.read_text())
        offset = m.get("previous", {}).get("epochs", 0)
        # "curve" spans every run (each continues from the previous run's kept weights)
        points = m.get("curve") or [dict(h, epoch=h["epoch"] + offset, session=1) for h in m.get("history", [])]
        if not points:
            continue
        color = None
        for session in sorted({p["session"] for p in points}):
            part = [p for p in points if p["session"] == session]
            line, = ax.plot([p["epoch"] for p in part], [p["valid"] for p in part], marker="o", ms=3, color=color,
                            label=label if color is None else None)
            color = line.get_color()
        best = m.get("best_epoch", 0) + offset
        last = [p for p in points if p["session"] == points[-1]["session"] and p["epoch"] == best]
        averaged = m.get("averaged") or {}
        if averaged.get("kept"):   # the kept weights are the mean of the last epochs': ★ after them, at its score
            ax.plot([averaged["epochs"][-1] + offset + 0.5], [averaged["valid"]], marker="*", ms=11, color=color)
        elif last:
            ax.plot([best], [last[0]["valid"]], marker="*", ms=11, color=color)
    ax.set_xlabel("epoch, counted over all runs (★ = kept weights; each run restarts from the previous run's ★)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main() -> None:
    """Write the curve images into docs/."""
    print(curve("bible-en-fr", "validation BLEU (greedy, clean)", DOCS / "bible_valid_bleu.png",
                "Bible En→Fr: validation BLEU per epoch (epochs 1–6: session 1, not scored per epoch)"))
    print(curve("dates-en-fr", "validation AER + share of wrong translations ↓", DOCS / "dates_valid_aer.png",
                "Dates En→Fr, CLDR + extra formats: the shipped seed of each mechanism (chosen on validation)"))


if __name__ == "__main__":
    main()
